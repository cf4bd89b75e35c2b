import type { Limits } from "@gatehouse/shared";
import { GatewayError } from "../errors";
import { formatResetDuration, retryAfterHeaders } from "./format";
import type { AdmitReply, Scope } from "./types";

/**
 * Rate limits: requests per minute and tokens per minute, as a sliding window log in Redis
 * (scripts.ts). This side words refusals and the x-ratelimit-* headers as OpenAI sends them.
 */

export function hasLimits(limits: Limits): boolean {
  return limits.rpm !== null || limits.tpm !== null || limits.parallel !== null;
}

const who = (scope: Scope) => (scope.kind === "key" ? "this key" : "this workspace");

/** 429 for an RPM refusal: retry when the oldest counted request leaves the window. */
export function rpmRefusal(scope: Scope, retryMs: number, limit: number): GatewayError {
  const reset = formatResetDuration(retryMs);
  return new GatewayError(
    "rate_limited",
    `Rate limit reached for ${who(scope)}: ${limit} requests per minute. Retry in ${reset}.`,
    null,
    {
      ...retryAfterHeaders(retryMs),
      "x-ratelimit-limit-requests": String(limit),
      "x-ratelimit-remaining-requests": "0",
      "x-ratelimit-reset-requests": reset,
    },
  );
}

/** 429 for a TPM refusal: retry when enough tokens have left the window. */
export function tpmRefusal(
  scope: Scope,
  retryMs: number,
  limit: number,
  used: number,
): GatewayError {
  const reset = formatResetDuration(retryMs);
  return new GatewayError(
    "rate_limited",
    `Rate limit reached for ${who(scope)}: ${limit} tokens per minute (${used} used, this request may need up to ${scope.tokens}). Retry in ${reset}.`,
    null,
    {
      ...retryAfterHeaders(retryMs),
      "x-ratelimit-limit-tokens": String(limit),
      "x-ratelimit-remaining-tokens": String(Math.max(0, limit - used)),
      "x-ratelimit-reset-tokens": reset,
    },
  );
}

/** 429 for a request that alone needs more tokens than the TPM limit: retrying cannot help. */
export function tpmRequestRefusal(scope: Scope, limit: number, used: number): GatewayError {
  return new GatewayError(
    "rate_limited",
    `This request may need up to ${scope.tokens} tokens (prompt + max_tokens), more than ${who(scope)}'s limit of ${limit} tokens per minute. Lower max_tokens or shorten the prompt.`,
    null,
    {
      "x-should-retry": "false",
      "x-ratelimit-limit-tokens": String(limit),
      "x-ratelimit-remaining-tokens": String(Math.max(0, limit - used)),
    },
  );
}

/**
 * x-ratelimit-* for an admitted request, as OpenAI sends them: the tighter of the key's and
 * the workspace's limits (fewest remaining). Reset = OpenAI's "time until the rate limit resets
 * to its initial state": in a sliding window that is the whole window after this request (a
 * refusal's Retry-After is the precise time until capacity frees up).
 */
export function allowedHeaders(
  scopes: readonly Scope[],
  reply: AdmitReply,
): Record<string, string> | null {
  let headers: Record<string, string> | null = null;
  let bestRequests = Infinity;
  let bestTokens = Infinity;
  for (let i = 0; i < scopes.length; i++) {
    const s = scopes[i]!;
    const base = 1 + i * 4;
    const rpmRemaining = Number(reply[base]);
    const tpmRemaining = Number(reply[base + 2]);
    if (s.limits.rpm !== null && rpmRemaining >= 0 && rpmRemaining < bestRequests) {
      bestRequests = rpmRemaining;
      headers ??= {};
      headers["x-ratelimit-limit-requests"] = String(s.limits.rpm);
      headers["x-ratelimit-remaining-requests"] = String(rpmRemaining);
      headers["x-ratelimit-reset-requests"] = formatResetDuration(Number(reply[base + 1]));
    }
    if (s.limits.tpm !== null && tpmRemaining < bestTokens) {
      bestTokens = tpmRemaining;
      headers ??= {};
      headers["x-ratelimit-limit-tokens"] = String(s.limits.tpm);
      headers["x-ratelimit-remaining-tokens"] = String(Math.max(0, tpmRemaining));
      headers["x-ratelimit-reset-tokens"] = formatResetDuration(Number(reply[base + 3]));
    }
  }
  return headers;
}
