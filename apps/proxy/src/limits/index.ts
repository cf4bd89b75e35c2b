// limits/: rate limits, concurrency leases and budget reservations in Redis. A leaf module:
// explicit inputs (LimitRequest) in, results (Admission, GatewayError) out; it never imports
// pipeline/ — pipeline/enforce-limits.ts adapts the request context to it.
export { LimitEnforcer, type LimitEnforcerOptions } from "./enforcer";
export { capMaxOutputTokens, requestedOutput, type CappedBody } from "./max-output";
export { MIN_ANSWER_TOKENS } from "./demand";
export type { Admission, LimitRequest, Reservation, Settlement } from "./types";
