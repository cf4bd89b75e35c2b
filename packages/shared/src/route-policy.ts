import { z } from "zod";

/**
 * How a model route behaves when a provider fails or is slow: the contract between the
 * dashboard (which edits it, stored as JSON on the route), the snapshot the proxy reads, and
 * the proxy's attempt loop. Every field has a default, so a route saved before a field existed
 * (or `{}`) gets today's recommended behaviour: retries on transient failures, weighted load
 * balancing, shared cooldowns.
 */

export const LoadBalancingStrategySchema = z.enum(["weighted", "least_inflight", "lowest_latency"]);
export type LoadBalancingStrategy = z.infer<typeof LoadBalancingStrategySchema>;

/** Statuses that may succeed on another try: rate limits, server errors, Anthropic's overload. */
export const DEFAULT_RETRY_STATUSES: readonly number[] = [408, 429, 500, 502, 503, 504, 529];

export const RetryPolicySchema = z.object({
  /** extra tries of the same deployment after its first (0 = none) */
  maxRetries: z.number().int().min(0).max(5).default(2),
  /** upstream statuses worth a retry or a fallback; connection errors and time-outs always are.
   * 400, 401, 403, 404, 413 and 422 never are, whatever this says. */
  retryOn: z
    .array(z.number().int().min(400).max(599))
    .max(20)
    .default([...DEFAULT_RETRY_STATUSES]),
  /** exponential backoff base, full jitter: a wait is uniform in [0, min(maxDelayMs, base·2^n)) */
  backoffBaseMs: z.number().int().min(0).max(10_000).default(250),
  /** the longest single wait, also the cap on a provider's retry-after (beyond it: fall back) */
  maxDelayMs: z.number().int().min(0).max(60_000).default(4_000),
  /** all attempts of one request together, waits included; no new attempt starts past it */
  budgetMs: z.number().int().min(1_000).max(900_000).default(30_000),
});
export type RetryPolicy = z.infer<typeof RetryPolicySchema>;

/** Per-route upstream time limits; null = the proxy's settings (GATEHOUSE_UPSTREAM_*_TIMEOUT_MS). */
export const RouteTimeoutsSchema = z.object({
  connectMs: z.number().int().min(100).max(60_000).nullable().default(null),
  /** a stream's wait for its first content event (and its headers) */
  ttfbMs: z.number().int().min(100).max(600_000).nullable().default(null),
  /** the longest silence between two chunks */
  idleMs: z.number().int().min(100).max(600_000).nullable().default(null),
  /** one attempt from dispatch to its last byte */
  totalMs: z.number().int().min(100).max(3_600_000).nullable().default(null),
});
export type RouteTimeouts = z.infer<typeof RouteTimeoutsSchema>;

/** When a deployment counts as unhealthy for every proxy (shared through Redis). */
export const CooldownPolicySchema = z.object({
  /** failures (connection errors, time-outs, retryable statuses) within the window… */
  failures: z.number().int().min(1).max(1_000).default(5),
  windowMs: z.number().int().min(1_000).max(600_000).default(30_000),
  /** …cool the deployment down this long; then one probe request decides (half-open) */
  cooldownMs: z.number().int().min(1_000).max(3_600_000).default(30_000),
});
export type CooldownPolicy = z.infer<typeof CooldownPolicySchema>;

export const RoutePolicySchema = z.object({
  strategy: LoadBalancingStrategySchema.default("weighted"),
  retry: RetryPolicySchema.prefault({}),
  timeouts: RouteTimeoutsSchema.prefault({}),
  cooldown: CooldownPolicySchema.prefault({}),
  /** route aliases tried, in order, when a provider says the prompt overflows its context */
  contextWindowFallbacks: z.array(z.string().min(1)).max(10).default([]),
  /** route aliases tried, in order, when a provider refuses for content policy */
  contentPolicyFallbacks: z.array(z.string().min(1)).max(10).default([]),
});
export type RoutePolicy = z.infer<typeof RoutePolicySchema>;

export const DEFAULT_ROUTE_POLICY: RoutePolicy = RoutePolicySchema.parse({});

/** Per-request control of fallbacks: `off`, or an ordered list of route aliases. */
export const FALLBACKS_HEADER = "x-gatehouse-fallbacks";
