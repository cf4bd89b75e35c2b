import type { RequestContext } from "./context";

/**
 * Rate limits (RPM, TPM, concurrent) and budget reservation of the key and its workspace,
 * atomically in Redis for every proxy (limits/). 429 when a limit or budget refuses, 503 when
 * Redis is unreachable and the workspace fails closed. Runs after the request is final (route,
 * prompt, upstream body) and right before the upstream call; the reservation is settled in
 * server.ts `finish`, whatever the outcome.
 */
export function enforceLimits(ctx: RequestContext): void | Promise<void> {
  const limits = ctx.services.limits;
  if (limits === null) return;
  return limits.admit(ctx);
}
