/**
 * Every Redis key Gatehouse uses is built here. Per-workspace state carries the hash tag
 * `{ws:<id>}`, so the keys a Lua script touches together (key + workspace limits and budgets)
 * always live in one Redis Cluster slot.
 */
const PREFIX = "gh";

const ws = (workspaceId: string) => `${PREFIX}:{ws:${workspaceId}}`;

export const RedisKeys = {
  /** KeySnapshot JSON, by SHA-256 hex of the virtual key secret */
  keySnapshot: (keyHash: string) => `${PREFIX}:key:${keyHash}`,
  /** WorkspaceSnapshot JSON */
  workspaceSnapshot: (workspaceId: string) => `${ws(workspaceId)}:config`,
  /** pub/sub channel for ConfigInvalidation messages */
  configChannel: `${PREFIX}:config-invalidation`,
  /** set of every key hash published for a workspace (to delete them on resync) */
  workspaceKeyHashes: (workspaceId: string) => `${ws(workspaceId)}:key-hashes`,
  /** rate-limit windows */
  rateLimit: (workspaceId: string, scope: "ws" | "key", scopeId: string, kind: "rpm" | "tpm") =>
    `${ws(workspaceId)}:rl:${scope}:${scopeId}:${kind}`,
  /** running sum of the tokens in the TPM window above (kept beside it by the limits script) */
  rateLimitTokenSum: (workspaceId: string, scope: "ws" | "key", scopeId: string) =>
    `${ws(workspaceId)}:rl:${scope}:${scopeId}:tpm-sum`,
  /** concurrent in-flight requests */
  inFlight: (workspaceId: string, scope: "ws" | "key", scopeId: string) =>
    `${ws(workspaceId)}:inflight:${scope}:${scopeId}`,
  /** budget state for one period: a hash {spent, reserved, alerted} (nano-USD) */
  budget: (workspaceId: string, scope: "ws" | "key", scopeId: string, periodStart: string) =>
    `${ws(workspaceId)}:budget:${scope}:${scopeId}:${periodStart}`,
  /** budget reservations in flight: a sorted set of "<requestId>:<periodStartMs>:<nanoUsd>"
   * scored by expiry (ms), purged by the limits script */
  budgetReservations: (workspaceId: string, scope: "ws" | "key", scopeId: string) =>
    `${ws(workspaceId)}:reservations:${scope}:${scopeId}`,
  /** last-used timestamps, flushed to Postgres by the worker */
  keyLastUsed: `${PREFIX}:key-last-used`,
} as const;

/** Extracts the workspace id from a key built by RedisKeys, or null. */
export function workspaceIdOfKey(key: string): string | null {
  const match = /^gh:\{ws:([^}]+)\}:/.exec(key);
  return match?.[1] ?? null;
}
