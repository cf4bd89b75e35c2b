import { GatewayError } from "../errors";
import { retryAfterHeaders } from "./format";
import type { Scope } from "./types";

/**
 * Concurrency leases: a sorted set of request ids scored by lease expiry (scripts.ts). A lease
 * is released at settle, or by its expiry when the proxy holding it died; this side sets the
 * expiry and words the refusal.
 */

/** When a lease taken now expires if nobody releases it. */
export function leaseExpiry(now: number, reservationTtlMs: number): number {
  return now + reservationTtlMs;
}

/** 429 when every slot is taken: retry when one finishes. */
export function concurrencyRefusal(scope: Scope, retryMs: number, limit: number): GatewayError {
  const who = scope.kind === "key" ? "this key" : "this workspace";
  return new GatewayError(
    "rate_limited",
    `Too many concurrent requests for ${who}: at most ${limit} may be in flight at once. Retry when one finishes.`,
    null,
    retryAfterHeaders(retryMs),
  );
}
