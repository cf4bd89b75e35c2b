import type { GatewayErrorType } from "@gatehouse/shared";

/**
 * What the attempt loop does after one upstream attempt. Pure: it sees only the outcome and
 * the policy, so every rule is a unit test.
 *  - success:   relay this answer
 *  - retry:     call the same deployment again, after `delayMs`
 *  - next:      move on to the next candidate deployment
 *  - dedicated: the provider said the prompt overflows its context window, or refused it for
 *               content policy: go on with the route's fallbacks for that case
 *  - final:     answer the client with this outcome
 */
export type AttemptDecision =
  | { readonly action: "success" }
  | { readonly action: "retry"; readonly delayMs: number }
  | { readonly action: "next" }
  | { readonly action: "dedicated"; readonly reason: UpstreamErrorKind }
  | { readonly action: "final" };

/** An error answer that another model may not give (upstreamErrorKind). */
export type UpstreamErrorKind = "context_window" | "content_policy";

export type AttemptOutcome =
  /** the upstream answered with a status (2xx, or an error body to relay) */
  | {
      readonly kind: "response";
      readonly status: number;
      readonly retryAfterMs: number | null;
      /** what the error body says, when it is one of the dedicated-fallback cases */
      readonly errorKind?: UpstreamErrorKind | null;
    }
  /** the call failed before an answer (connection, time-out), or a stream failed before its
   * first content event: nothing reached the client, another try is invisible to it */
  | { readonly kind: "failure"; readonly errorType: GatewayErrorType; readonly message: string }
  /** a stream failed after its commit point: the client already has part of the answer */
  | { readonly kind: "failed_after_commit" }
  /** the client went away: nothing more to do for it */
  | { readonly kind: "client_gone" };

export interface AttemptPolicy {
  /** retries of one deployment so far for this request */
  readonly retriesSoFar: number;
  /** retries allowed per deployment (0: none) */
  readonly maxRetries: number;
  /** another candidate deployment follows this one */
  readonly hasNextCandidate: boolean;
  /** statuses worth another try (e.g. 429, 500, 502, 503, 504) */
  readonly retryStatuses: ReadonlySet<number>;
  /** base of the exponential backoff */
  readonly backoffBaseMs: number;
  /** the most a single wait may be (also caps a provider's retry-after) */
  readonly maxDelayMs: number;
  /** 0 ≤ random < 1, for full jitter (injected so the rule is testable) */
  readonly random: number;
  /** what is left of the request's retry budget (all attempts and waits together); no new
   * attempt starts past it. Infinity when unbounded. */
  readonly budgetLeftMs?: number;
  /** the deployment is cooling down (shared health): move on rather than retry it */
  readonly deploymentCooling?: boolean;
  /** the route has fallbacks for a context-window / content-policy error (and they are on) */
  readonly hasContextWindowFallback?: boolean;
  readonly hasContentPolicyFallback?: boolean;
}

/** Statuses that would fail the same way anywhere: never retried, never moved on from. */
const CLIENT_FAULT_STATUSES: ReadonlySet<number> = new Set([400, 401, 403, 404, 413, 422]);

const FAILURE_RETRYABLE: ReadonlySet<GatewayErrorType> = new Set<GatewayErrorType>([
  "upstream_unreachable",
  "upstream_timeout",
  "upstream_error",
]);

export function classifyAttempt(outcome: AttemptOutcome, policy: AttemptPolicy): AttemptDecision {
  switch (outcome.kind) {
    case "client_gone":
    case "failed_after_commit":
      return FINAL;
    case "response": {
      if (outcome.status < 400) return SUCCESS;
      const errorKind = outcome.errorKind ?? null;
      if (errorKind !== null) {
        const has =
          errorKind === "context_window"
            ? policy.hasContextWindowFallback
            : policy.hasContentPolicyFallback;
        return has === true && budgetLeft(policy) > 0
          ? errorKind === "context_window"
            ? CONTEXT_WINDOW
            : CONTENT_POLICY
          : FINAL;
      }
      if (CLIENT_FAULT_STATUSES.has(outcome.status)) return FINAL;
      if (!policy.retryStatuses.has(outcome.status)) return FINAL;
      return retryOrNext(policy, outcome.retryAfterMs);
    }
    case "failure":
      return FAILURE_RETRYABLE.has(outcome.errorType) ? retryOrNext(policy, null) : FINAL;
  }
}

/** Whether an outcome counts against the deployment's health (cooldowns). */
export function isHealthFailure(outcome: AttemptOutcome, retryStatuses: ReadonlySet<number>) {
  switch (outcome.kind) {
    case "failure":
      return FAILURE_RETRYABLE.has(outcome.errorType);
    case "response":
      return outcome.status >= 400 && retryStatuses.has(outcome.status);
    default:
      return false;
  }
}

function budgetLeft(policy: AttemptPolicy): number {
  return policy.budgetLeftMs ?? Number.POSITIVE_INFINITY;
}

function retryOrNext(policy: AttemptPolicy, retryAfterMs: number | null): AttemptDecision {
  const left = budgetLeft(policy);
  // the budget is spent: no new attempt of any kind
  if (left <= 0) return FINAL;
  const orNext = policy.hasNextCandidate ? NEXT : FINAL;
  if (policy.retriesSoFar >= policy.maxRetries) return orNext;
  // a deployment that is cooling down is not worth another try while another one is there
  if (policy.deploymentCooling === true && policy.hasNextCandidate) return NEXT;
  // a provider's retry-after beyond our cap: better to move on than to wait that long
  if (retryAfterMs !== null && retryAfterMs > policy.maxDelayMs) return orNext;
  const delayMs = retryAfterMs ?? backoffMs(policy);
  // a wait that would end past the budget: the retry could not start in time
  if (delayMs >= left) return orNext;
  return { action: "retry", delayMs };
}

/** Exponential backoff with full jitter: uniform in [0, min(cap, base · 2^n)). */
export function backoffMs(policy: AttemptPolicy): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.backoffBaseMs * 2 ** policy.retriesSoFar);
  return Math.floor(policy.random * ceiling);
}

/** `retry-after` (seconds or an HTTP date) or `retry-after-ms`, in ms; null when absent or unreadable. */
export function retryAfterMs(
  retryAfter: string | undefined,
  retryAfterMsHeader: string | undefined,
  now: number = Date.now(),
): number | null {
  if (retryAfterMsHeader !== undefined) {
    const ms = Number(retryAfterMsHeader);
    if (Number.isFinite(ms) && ms >= 0) return ms;
  }
  if (retryAfter === undefined) return null;
  const seconds = Number(retryAfter);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(retryAfter);
  return Number.isNaN(date) ? null : Math.max(0, date - now);
}

/** error bodies bigger than this are not read for their kind (real ones are a few hundred bytes) */
const MAX_ERROR_BODY_CHARS = 64 * 1024;

/** How providers word a prompt that overflows the model's context window. */
const CONTEXT_WINDOW_MESSAGES = [
  // Anthropic: "prompt is too long: 208310 tokens > 200000 maximum"
  /prompt is too long/i,
  // Anthropic: "input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000, …"
  /exceed context limit/i,
  // OpenAI (and vLLM, most OpenAI-compatible servers): "This model's maximum context length is …"
  /maximum context length/i,
  // OpenAI's newer wording: "Your input exceeds the context window of this model."
  /exceeds the context window/i,
  // Gemini: "The input token count (…) exceeds the maximum number of tokens allowed (…)."
  /exceeds the maximum number of tokens allowed/i,
];

const CONTENT_POLICY_CODES: ReadonlySet<string> = new Set([
  // OpenAI: a prompt its safety system rejected (images, moderation-gated models)
  "content_policy_violation",
  "image_content_policy_violation",
  "bio_policy",
  // Azure OpenAI: "The response was filtered due to the prompt triggering Azure OpenAI's
  // content management policy." (innererror.code ResponsibleAIPolicyViolation)
  "content_filter",
]);

/**
 * Whether an upstream error answer is one of the cases that have dedicated fallbacks: the
 * prompt overflows this model's context window (OpenAI `code: "context_length_exceeded"`,
 * Anthropic `invalid_request_error` "prompt is too long: …"), or the provider refused it for
 * content policy (OpenAI `content_policy_violation` / `invalid_prompt` naming its usage policy,
 * Azure `content_filter`). Anthropic has no content-policy error: it answers with
 * `stop_reason: "refusal"`, which is an answer, not an error. Null for anything else.
 */
export function upstreamErrorKind(status: number, body: string): UpstreamErrorKind | null {
  if (status < 400 || status >= 500 || status === 429 || status === 401 || status === 403)
    return null;
  if (body.length > MAX_ERROR_BODY_CHARS) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return null;
  }
  if (Array.isArray(parsed)) parsed = parsed[0];
  if (typeof parsed !== "object" || parsed === null) return null;
  const error = (parsed as { error?: unknown }).error;
  if (typeof error !== "object" || error === null) return null;
  const { code, message, innererror } = error as {
    code?: unknown;
    message?: unknown;
    innererror?: unknown;
  };
  const text = typeof message === "string" ? message : "";
  if (code === "context_length_exceeded") return "context_window";
  if (typeof code === "string" && CONTENT_POLICY_CODES.has(code)) return "content_policy";
  if (
    typeof innererror === "object" &&
    innererror !== null &&
    (innererror as { code?: unknown }).code === "ResponsibleAIPolicyViolation"
  ) {
    return "content_policy";
  }
  if (code === "invalid_prompt" && /usage polic/i.test(text)) return "content_policy";
  for (const pattern of CONTEXT_WINDOW_MESSAGES) if (pattern.test(text)) return "context_window";
  return null;
}

const SUCCESS: AttemptDecision = Object.freeze({ action: "success" });
const NEXT: AttemptDecision = Object.freeze({ action: "next" });
const FINAL: AttemptDecision = Object.freeze({ action: "final" });
const CONTEXT_WINDOW: AttemptDecision = Object.freeze({
  action: "dedicated",
  reason: "context_window",
});
const CONTENT_POLICY: AttemptDecision = Object.freeze({
  action: "dedicated",
  reason: "content_policy",
});
