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
  /**
   * Set (to the epoch ms) once the workspace's budget spend is in Redis: by every budget-spend
   * restore from PostgreSQL (packages/db budget-spend.ts), which every publish runs. Missing =
   * Redis lost its data and the period spend is not back yet: the limits script refuses
   * budgeted requests until it is (503), so a flush never reopens a spent budget.
   */
  budgetSpendRestored: (workspaceId: string) => `${ws(workspaceId)}:budget-spend-restored`,
  /** a deployment cooled down for every proxy: the epoch ms it ends, with a PX expiry to match
   * (absent = healthy); written by the proxies, read by the dashboard's routes page */
  deploymentCooldown: (workspaceId: string, deploymentId: string) =>
    `${ws(workspaceId)}:cooldown:${deploymentId}`,
  /** a deployment's recent failures: a sorted set scored by epoch ms (the cooldown's window) */
  deploymentFailures: (workspaceId: string, deploymentId: string) =>
    `${ws(workspaceId)}:failures:${deploymentId}`,
  /** pub/sub channel: a proxy started a deployment cooldown, `{"ws","dep","until"}` (epoch ms),
   * so every proxy avoids it at once (they also poll the cooldown keys) */
  deploymentHealthChannel: `${PREFIX}:deployment-health`,
  /** last-used timestamps, flushed to Postgres by the worker */
  keyLastUsed: `${PREFIX}:key-last-used`,
  /**
   * The config generation marker: a hash {generation, completedAt, ...} the control plane
   * writes after a complete republish (every snapshot, then budget spend), and never otherwise.
   * Missing = this Redis does not hold the whole config (flushed, restarted empty, failed over),
   * so a proxy must not read a missing snapshot as "no such key". Same hash tag as the lock, so
   * one script can check the lock and write the marker (Redis Cluster).
   */
  configGeneration: `${PREFIX}:{config}:generation`,
  /** held (SET NX PX, renewed) by the one control-plane replica republishing everything; its
   * loss in the middle of a republish (another flush) keeps that republish from writing the marker */
  configRepublishLock: `${PREFIX}:{config}:republish-lock`,
} as const;

/** The field of RedisKeys.configGeneration the proxies compare. */
export const CONFIG_GENERATION_FIELD = "generation";

/** Extracts the workspace id from a key built by RedisKeys, or null. */
export function workspaceIdOfKey(key: string): string | null {
  const match = /^gh:\{ws:([^}]+)\}:/.exec(key);
  return match?.[1] ?? null;
}
