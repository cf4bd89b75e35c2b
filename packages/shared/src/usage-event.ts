import { z } from "zod";
import { EndpointSchema, ProviderTypeSchema, WireFormatSchema } from "./enums";
import { GuardrailFindingSchema } from "./guardrail-policy";

/** One call to an upstream. A request has one per try (retries and fallbacks add more). */
export const UpstreamAttemptSchema = z.object({
  deploymentId: z.string(),
  credentialId: z.string(),
  provider: ProviderTypeSchema,
  upstreamModel: z.string(),
  /** HTTP status from the upstream, or null if no response arrived (timeout, refused, ...) */
  status: z.number().int().nullable(),
  errorType: z.string().nullable(),
  startedAt: z.iso.datetime(),
  latencyMs: z.number().nonnegative(),
  /** why this attempt was made: the first call, a retry of the same deployment, a fallback */
  kind: z.enum(["first", "retry", "fallback"]).default("first"),
  /** what the provider billed for this attempt when it failed after reporting usage (a stream
   * cut after its first tokens); the request's own totals include it */
  inputTokens: z.number().int().nonnegative().optional(),
  outputTokens: z.number().int().nonnegative().optional(),
  costNanoUsd: z.number().int().nonnegative().optional(),
});
export type UpstreamAttempt = z.infer<typeof UpstreamAttemptSchema>;

const TokenCountSchema = z.number().int().nonnegative();

export const UsageEventSchema = z.object({
  /** the request id (also sent to the client as x-request-id); the idempotency key */
  id: z.string().min(1),
  /** when the request arrived at the proxy */
  ts: z.iso.datetime(),
  workspaceId: z.string(),
  keyId: z.string(),
  endpoint: EndpointSchema,
  clientFormat: WireFormatSchema,
  /** the model name the client asked for (route alias) */
  model: z.string(),
  routeId: z.string().nullable(),
  /** the deployment that produced the answer (the last attempt), null if none did */
  deploymentId: z.string().nullable(),
  credentialId: z.string().nullable(),
  provider: ProviderTypeSchema.nullable(),
  upstreamModel: z.string().nullable(),
  promptId: z.string().nullable(),
  promptVersionId: z.string().nullable(),
  attempts: z.array(UpstreamAttemptSchema),
  /** every prompt token: uncached, cache reads and cache writes */
  inputTokens: z.number().int().nonnegative(),
  /** every generated token, reasoning included */
  outputTokens: z.number().int().nonnegative(),
  /** input tokens served from the provider's prompt cache (a subset of inputTokens) */
  cachedInputTokens: z.number().int().nonnegative(),
  // The three counters below came later: events queued by an older proxy lack them (= 0).
  /** input tokens written to the prompt cache with a 5-minute TTL (a subset of inputTokens) */
  cacheWrite5mTokens: TokenCountSchema.default(0),
  /** input tokens written to the prompt cache with a 1-hour TTL (a subset of inputTokens) */
  cacheWrite1hTokens: TokenCountSchema.default(0),
  /** output tokens spent reasoning/thinking, billed as output (a subset of outputTokens) */
  reasoningTokens: TokenCountSchema.default(0),
  /** what the guardrails found (detector, action, count — never a value); [] = nothing */
  guardrails: z.array(GuardrailFindingSchema).default([]),
  /** nano-USD (1 USD = 1e9), integer */
  costNanoUsd: z.number().int().nonnegative(),
  /** HTTP status returned to the client */
  status: z.number().int(),
  /** our error type when status >= 400 (e.g. upstream_timeout, rate_limited) */
  errorType: z.string().nullable(),
  streamed: z.boolean(),
  /** the client went away before the answer was complete */
  clientAborted: z.boolean(),
  latencyMs: z.number().nonnegative(),
  /** time to first byte sent to the client; null when nothing was sent */
  ttfbMs: z.number().nonnegative().nullable(),
  /** request/response bodies, only when the workspace enabled payload logging */
  payload: z.object({ request: z.string().nullable(), response: z.string().nullable() }).nullable(),
});
export type UsageEvent = z.infer<typeof UsageEventSchema>;
/** An event as a producer may send it (the newer counters optional). */
export type UsageEventInput = z.input<typeof UsageEventSchema>;
