import type { IncomingMessage, ServerResponse } from "node:http";
import type { Endpoint, UpstreamAttempt, WireFormat } from "@gatehouse/shared";
import type { Dispatcher } from "undici";
import type { KeyEntry, RoutePlan, WorkspaceEntry, DeploymentPlan } from "../config/workspace-plan";
import type { Logger } from "../log";
import type { EndpointLabel, ProxyMetrics } from "../metrics";
import type { ProviderAdapter } from "@gatehouse/shared/providers";
import type { UpstreamCall } from "../upstream/call";
import type { TokenUsage } from "../translate/types";
import type { UsageSink } from "../usage/emitter";
import type { LimitEnforcer, Reservation } from "../limits/enforcer";
import type { ResolvedPrompt } from "./resolve-prompt";

/** Settings the stages read (from env in production, from the test in tests). */
export interface ProxySettings {
  maxBodyBytes: number;
  upstreamHeadersTimeoutMs: number;
  upstreamBodyTimeoutMs: number;
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
}

/** Long-lived services shared by every request. */
export interface ProxyServices {
  readonly settings: ProxySettings;
  readonly config: ConfigSource;
  readonly usage: UsageSink;
  readonly agent: Dispatcher;
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

/**
 * How the call is made upstream:
 *  - passthrough: same wire format (the body is forwarded, re-serialised only if it changed)
 *  - openai-to-anthropic / anthropic-to-openai: translated both ways by translate/
 *  - local-count: answered here (count_tokens for a route without a native counter)
 */
export type UpstreamMode =
  "passthrough" | "openai-to-anthropic" | "anthropic-to-openai" | "local-count";

export interface UpstreamTargetParsed {
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

export interface UpstreamPlan {
  readonly mode: UpstreamMode;
  /** the endpoint called upstream (differs from the client's when translating) */
  readonly endpoint: Endpoint;
  readonly format: WireFormat;
  readonly upstreamModel: string;
  readonly target: UpstreamTargetParsed | null;
  readonly body: string | Buffer;
}

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
  deployment: DeploymentPlan | null = null;
  adapter: ProviderAdapter | null = null;
  upstream: UpstreamPlan | null = null;
  /** one per upstream call; retries and fallbacks append */
  readonly attempts: UpstreamAttempt[] = [];
  upstreamResponse: UpstreamCall | null = null;
  /** aborts the upstream call when the client goes away */
  abort: UpstreamCall | null = null;

  /** rate-limit slot, TPM entry and budget reservation held until settled (enforceLimits) */
  limits: Reservation | null = null;
  /** x-ratelimit-* headers for the response (enforceLimits) */
  limitHeaders: Record<string, string> | null = null;
  usage: TokenUsage = ZERO_USAGE;
  status = 0;
  errorType: string | null = null;
  ttfbMs: number | null = null;
  clientAborted = false;
  /** close the connection after the response (the request body was not read to its end) */
  closeConnection = false;
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
