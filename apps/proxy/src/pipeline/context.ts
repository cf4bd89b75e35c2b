import type { IncomingMessage, ServerResponse } from "node:http";
import type { Endpoint, UpstreamAttempt, WireFormat } from "@gatehouse/shared";
import type { KeyEntry, RoutePlan, WorkspaceEntry, DeploymentPlan } from "../config/workspace-plan";
import type { ClientLimits } from "../http/client-limits";
import type { Logger } from "../log";
import type { EndpointLabel, ProxyMetrics } from "../metrics";
import type { ProviderAdapter } from "@gatehouse/shared/providers";
import type { UpstreamCall } from "../upstream/call";
import type { UpstreamRequest } from "../upstream/request";
import type { TokenUsage } from "../translate/types";
import type { UsageSink } from "../usage/emitter";
import type { LimitEnforcer, Reservation } from "../limits";
import type { ResolvedPrompt } from "../prompts/apply-prompt";
import type { DeploymentHealth, FallbackControl } from "../routing";
import type { UpstreamAgents } from "../upstream/agent";
import type { RequestGuard } from "../guardrails/request-guard";

/** Settings the stages read (from env in production, from the test in tests). */
export interface ProxySettings extends ClientLimits {
  maxBodyBytes: number;
  /** a streamed call's wait for the provider's response headers */
  upstreamTtfbTimeoutMs: number;
  /** the longest silence between two chunks of an answer */
  upstreamIdleTimeoutMs: number;
  /** one upstream call from dispatch to its last byte (a JSON answer's headers come with it) */
  upstreamTotalTimeoutMs: number;
  defaultMaxTokens: number;
  accessLog: boolean;
  /** concurrency leases and budget reservations of a crashed proxy expire after this */
  reservationTtlMs: number;
}

/** What the stages need from the config store (ConfigStore implements it). */
export interface ConfigSource {
  getKey(keyHash: string): KeyEntry | null | Promise<KeyEntry | null>;
  getWorkspace(workspaceId: string): WorkspaceEntry | null | Promise<WorkspaceEntry | null>;
  readonly ready: boolean;
  /** the control plane's config generation marker is in Redis (/readyz says why it is not ready) */
  readonly published?: boolean;
}

/** Long-lived services shared by every request. */
export interface ProxyServices {
  readonly settings: ProxySettings;
  readonly config: ConfigSource;
  readonly usage: UsageSink;
  /** the upstream connection pools (one per route connect time-out) */
  readonly agents: UpstreamAgents;
  /** per-deployment health: load balancing and cooldowns (shared through Redis by app.ts) */
  readonly health: DeploymentHealth;
  readonly metrics: ProxyMetrics;
  readonly log: Logger;
  /** rate limits and budgets (null: none enforced, e.g. unit tests without Redis) */
  readonly limits: LimitEnforcer | null;
}

export type Stage = (ctx: RequestContext) => void | Promise<void>;

export type FieldKind = "string" | "array" | "integer" | "present";
export interface FieldRule {
  readonly name: string;
  readonly kind: FieldKind;
}

/** One proxy endpoint: what it is called, which wire format it speaks, which stages run. */
export interface EndpointSpec {
  readonly label: EndpointLabel;
  readonly metricIndex: number;
  /** null for endpoints that never produce a usage event (e.g. the models list) */
  readonly endpoint: Endpoint | null;
  readonly clientFormat: WireFormat;
  readonly stages: readonly Stage[];
  readonly required: readonly FieldRule[];
}

const NO_CANDIDATES: readonly DeploymentPlan[] = Object.freeze([]);
const ROUTE_FALLBACKS: FallbackControl<DeploymentPlan> = Object.freeze({ kind: "route" });

export const ZERO_USAGE: TokenUsage = Object.freeze({
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
});

/**
 * Everything one request accumulates on its way through the stages. A class with every field
 * initialised in the constructor, so all contexts share one hidden class.
 */
export class RequestContext {
  /** our id: the usage event id (the idempotency key) */
  readonly id: string;
  /** the id echoed in x-request-id: the client's own if it sent a safe one, else ours */
  readonly requestId: string;
  /** epoch ms of arrival */
  readonly receivedAt: number;
  /** performance.now() at arrival */
  readonly t0: number;

  rawBody: Buffer | null = null;
  body: Record<string, unknown> | null = null;
  /** the model the client asked for (route alias) */
  model = "";
  /** the prompt reference (model "prompt:…" or x-gatehouse-prompt header); null for most requests */
  promptRef: string | null = null;
  /** the prompt version rendered into the request (resolvePrompt) */
  prompt: ResolvedPrompt | null = null;
  stream = false;
  /** OpenAI clients: the client itself asked for stream_options.include_usage */
  clientWantsUsage = false;

  key: KeyEntry | null = null;
  workspace: WorkspaceEntry | null = null;
  route: RoutePlan | null = null;
  /** the deployments the attempt loop may try, in order (resolveRoute) */
  candidates: readonly DeploymentPlan[] = NO_CANDIDATES;
  /** x-gatehouse-fallbacks: the route's own order, `off`, or more routes after it */
  fallbacks: FallbackControl<DeploymentPlan> = ROUTE_FALLBACKS;
  /** the current attempt's deployment, adapter and upstream request */
  deployment: DeploymentPlan | null = null;
  adapter: ProviderAdapter | null = null;
  upstream: UpstreamRequest | null = null;
  /** one per upstream call; retries and fallbacks append */
  readonly attempts: UpstreamAttempt[] = [];
  /** the current attempt's call; aborted when the client goes away */
  abort: UpstreamCall | null = null;

  /** rate-limit slot, TPM entry and budget reservation held until settled (enforceLimits) */
  limits: Reservation | null = null;
  /** x-ratelimit-* headers for the response (enforceLimits), and the budget cap header */
  limitHeaders: Record<string, string> | null = null;
  /** the output tokens (all answers) the budget reservation paid for: every attempt's upstream
   * body is bounded to it (enforceLimits → buildUpstreamRequest); null when no budget applies */
  maxOutputTokens: number | null = null;
  /** the answer's usage (the attempt that answered) */
  usage: TokenUsage = ZERO_USAGE;
  /** what earlier attempts that failed after the provider reported usage were billed (a
   * stream's message_start before its error): added to the request's totals; null = none */
  billedUsage: TokenUsage | null = null;
  billedCostNanoUsd = 0;
  status = 0;
  errorType: string | null = null;
  ttfbMs: number | null = null;
  clientAborted = false;
  /** the gateway's own shutdown deadline cut the request (not the client) */
  cutByShutdown = false;
  /** close the connection after the response (the request body was not read to its end) */
  closeConnection = false;
  /** the request's guardrails (guardRequest), null when the workspace has none on */
  guard: RequestGuard | null = null;
  /** the response body text, kept only when the workspace logs payloads */
  responseText: string | null = null;
  /** the response has been fully handled; later stages are skipped */
  done = false;

  constructor(
    readonly services: ProxyServices,
    readonly spec: EndpointSpec,
    readonly req: IncomingMessage,
    readonly res: ServerResponse,
    id: string,
    requestId: string,
    receivedAt: number,
    t0: number,
  ) {
    this.id = id;
    this.requestId = requestId;
    this.receivedAt = receivedAt;
    this.t0 = t0;
  }

  get clientFormat(): WireFormat {
    return this.spec.clientFormat;
  }
}
