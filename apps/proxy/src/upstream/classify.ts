import type { GatewayErrorType } from "@gatehouse/shared";

/**
 * What the attempt loop does after one upstream attempt. Pure: it sees only the outcome and
 * the policy, so every rule is a unit test.
 *  - success: relay this answer
 *  - retry:   call the same deployment again, after `delayMs`
 *  - next:    move on to the next candidate deployment
 *  - final:   answer the client with this outcome
 */
export type AttemptDecision =
  | { readonly action: "success" }
  | { readonly action: "retry"; readonly delayMs: number }
  | { readonly action: "next" }
  | { readonly action: "final" };

export type AttemptOutcome =
  /** the upstream answered with a status (2xx, or an error body to relay) */
  | { readonly kind: "response"; readonly status: number; readonly retryAfterMs: number | null }
  /** the call failed before an answer: connection, time-out */
  | { readonly kind: "failure"; readonly errorType: GatewayErrorType; readonly message: string }
  /** a stream failed after its commit point: the client already has part of the answer */
  | { readonly kind: "failed_after_commit" }
  /** the client went away: nothing more to do for it */
  | { readonly kind: "client_gone" };

export interface AttemptPolicy {
  /** retries of one deployment so far for this request */
  readonly retriesSoFar: number;
  /** retries allowed per deployment (0: none, today's behaviour) */
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
      if (CLIENT_FAULT_STATUSES.has(outcome.status)) return FINAL;
      if (!policy.retryStatuses.has(outcome.status)) return FINAL;
      return retryOrNext(policy, outcome.retryAfterMs);
    }
    case "failure":
      return FAILURE_RETRYABLE.has(outcome.errorType) ? retryOrNext(policy, null) : FINAL;
  }
}

function retryOrNext(policy: AttemptPolicy, retryAfterMs: number | null): AttemptDecision {
  if (policy.retriesSoFar < policy.maxRetries) {
    // a provider's retry-after beyond our cap: better to move on than to wait that long
    if (retryAfterMs !== null && retryAfterMs > policy.maxDelayMs) {
      return policy.hasNextCandidate ? NEXT : FINAL;
    }
    return { action: "retry", delayMs: retryAfterMs ?? backoffMs(policy) };
  }
  return policy.hasNextCandidate ? NEXT : FINAL;
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

const SUCCESS: AttemptDecision = Object.freeze({ action: "success" });
const NEXT: AttemptDecision = Object.freeze({ action: "next" });
const FINAL: AttemptDecision = Object.freeze({ action: "final" });
