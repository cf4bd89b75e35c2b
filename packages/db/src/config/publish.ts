import {
  ConfigInvalidationSchema,
  RedisKeys,
  workspaceIdOfKey,
  type ConfigInvalidation,
} from "@gatehouse/shared";
import { Cluster, type Redis } from "ioredis";
import {
  compileKeySnapshots,
  compileWorkspaceSnapshot,
  keySnapshotsOf,
  nextVersion,
  validKeyHashes,
  type CompiledKeySnapshot,
  type Db,
} from "./compile";
import { restoreBudgetSpend } from "./budget-spend";
import { touchGeneration } from "./generation";

/**
 * Publishes compiled snapshots to Redis for the proxy. Always in this order: the caller has
 * committed to Postgres; snapshots are SET; stale ones are deleted; the config generation
 * marker is refreshed if present (./generation.ts: only a complete republish creates it); then
 * an invalidation is PUBLISHed on RedisKeys.configChannel, so a proxy that reacts to it reads
 * the new state.
 *
 * Races between concurrent publishers are settled in Redis: a snapshot is only replaced by
 * one with a higher-or-equal version (snapshot versions are taken before reading Postgres),
 * so a slow publisher cannot put back an "active" key that another one just revoked. Key
 * hashes are swept after every write, against Postgres read after the write, so a retired
 * hash that a slow publisher re-wrote is removed again by that same publisher.
 *
 * Commands are sent one key at a time (no MULTI or multi-key DEL) so that this also works
 * against Redis Cluster, where snapshot keys and workspace keys live in different slots.
 */

export type RedisClient = Redis | Cluster;

export interface PublishResult {
  version: number;
  /** the config generation marker's generation, or null when it is missing: Redis lost the
   * config and a complete republish is due (the worker's config check runs it) */
  generation: string | null;
  /** key hashes whose snapshots were written */
  keyHashes: string[];
  /** key hashes whose snapshots were deleted (retired by rotation or deletion) */
  removedKeyHashes: string[];
}

export interface ResyncResult {
  version: number;
  workspaces: number;
  keySnapshots: number;
  /** stale snapshots deleted: key hashes and workspaces that no longer exist */
  removed: number;
  /** workspaces whose snapshots could not be compiled (e.g. invalid data); the rest went on */
  failed: Array<{ workspaceId: string; error: string }>;
}

// KEYS[1] = snapshot key; ARGV = json, version, expire-at in ms ("0" = never).
// Returns 1 when written, 0 when Redis already holds a newer version.
const SET_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' then
    local currentVersion = tonumber(decoded['version'])
    if currentVersion and currentVersion > tonumber(ARGV[2]) then
      return 0
    end
  end
end
if ARGV[3] ~= '0' then
  redis.call('SET', KEYS[1], ARGV[1], 'PXAT', ARGV[3])
else
  redis.call('SET', KEYS[1], ARGV[1])
end
return 1
`;

async function setIfNewer(
  redis: RedisClient,
  key: string,
  snapshot: { version: number },
  expiresAt: Date | null,
): Promise<boolean> {
  const written = await redis.eval(
    SET_IF_NEWER,
    1,
    key,
    JSON.stringify(snapshot),
    String(snapshot.version),
    expiresAt ? String(expiresAt.getTime()) : "0",
  );
  return written === 1;
}

/** Validates and PUBLISHes one ConfigInvalidation. */
export async function publishInvalidation(
  redis: RedisClient,
  message: ConfigInvalidation,
): Promise<void> {
  await redis.publish(
    RedisKeys.configChannel,
    JSON.stringify(ConfigInvalidationSchema.parse(message)),
  );
}

async function writeKeySnapshots(
  redis: RedisClient,
  workspaceId: string,
  compiled: CompiledKeySnapshot[],
): Promise<void> {
  if (compiled.length === 0) return;
  await Promise.all(
    compiled.map((entry) =>
      setIfNewer(redis, RedisKeys.keySnapshot(entry.keyHash), entry.snapshot, entry.expiresAt),
    ),
  );
  // Register only after the SET: the sweep finds every snapshot through this set.
  await redis.sadd(
    RedisKeys.workspaceKeyHashes(workspaceId),
    ...compiled.map((entry) => entry.keyHash),
  );
}

/**
 * Deletes the snapshots of hashes registered for the workspace that Postgres no longer
 * considers valid (rotated out past their grace period, or deleted keys). Reads Redis
 * first and Postgres second: a hash registered by a concurrent publisher was committed to
 * Postgres before it was registered, so it is never mistaken for a stale one.
 */
async function sweepKeyHashes(db: Db, redis: RedisClient, workspaceId: string): Promise<string[]> {
  const setKey = RedisKeys.workspaceKeyHashes(workspaceId);
  const registered = await redis.smembers(setKey);
  if (registered.length === 0) return [];
  const valid = await validKeyHashes(db, workspaceId);
  const stale = registered.filter((hash) => !valid.has(hash));
  if (stale.length === 0) return [];
  await Promise.all(stale.map((hash) => redis.del(RedisKeys.keySnapshot(hash))));
  await redis.srem(setKey, ...stale);
  return stale;
}

/** Compiles and writes one workspace and all of its keys; no invalidation message. */
async function writeWorkspace(db: Db, redis: RedisClient, workspaceId: string, version: number) {
  const snapshot = await compileWorkspaceSnapshot(db, workspaceId, version);
  if (!snapshot) return null;
  const keys = await db.virtualKey.findMany({ where: { workspaceId } });
  const now = new Date();
  const compiled = keys.flatMap((key) => keySnapshotsOf(key, version, now));
  await setIfNewer(redis, RedisKeys.workspaceSnapshot(workspaceId), snapshot, null);
  await writeKeySnapshots(redis, workspaceId, compiled);
  const removedKeyHashes = await sweepKeyHashes(db, redis, workspaceId);
  return { keyHashes: compiled.map((entry) => entry.keyHash), removedKeyHashes };
}

/**
 * Writes the workspace snapshot and every key snapshot of the workspace, deletes retired key
 * hashes, then announces the change: one "workspace" message, and a "key" message for every
 * key hash written or deleted (so a proxy that caches key snapshots by hash drops them too).
 * A workspace that no longer exists is unpublished.
 */
export async function publishWorkspace(
  db: Db,
  redis: RedisClient,
  workspaceId: string,
): Promise<PublishResult> {
  const version = nextVersion();
  // budget spend first: a budget set in the middle of a period starts from what the period
  // has already spent (PostgreSQL), not from 0, before any proxy sees it
  await restoreBudgetSpend(db, redis, { workspaceId });
  const written = await writeWorkspace(db, redis, workspaceId, version);
  if (!written) {
    const removedKeyHashes = await unpublishWorkspace(redis, workspaceId, version);
    return {
      version,
      generation: await touchGeneration(redis, version),
      keyHashes: [],
      removedKeyHashes,
    };
  }
  // after the snapshots, before the announcement (never creates a missing marker)
  const generation = await touchGeneration(redis, version);
  await publishInvalidation(redis, { kind: "workspace", workspaceId, version });
  for (const keyHash of [...written.keyHashes, ...written.removedKeyHashes]) {
    await publishInvalidation(redis, { kind: "key", keyHash, version });
  }
  return { version, generation, ...written };
}

/**
 * Writes the snapshots of one key (after create, update, revoke or rotate), deletes its
 * retired hashes, then PUBLISHes a "key" message for each hash written or deleted.
 * Returns null when the key does not exist (after deleting a key, publish its workspace).
 */
export async function publishKey(
  db: Db,
  redis: RedisClient,
  keyId: string,
): Promise<PublishResult | null> {
  const version = nextVersion();
  const compiled = await compileKeySnapshots(db, keyId, version);
  const first = compiled[0];
  if (!first) return null;
  const workspaceId = first.snapshot.workspaceId;
  await restoreBudgetSpend(db, redis, { workspaceId });
  await writeKeySnapshots(redis, workspaceId, compiled);
  const removedKeyHashes = await sweepKeyHashes(db, redis, workspaceId);
  const keyHashes = compiled.map((entry) => entry.keyHash);
  const generation = await touchGeneration(redis, version);
  for (const keyHash of [...keyHashes, ...removedKeyHashes]) {
    await publishInvalidation(redis, { kind: "key", keyHash, version });
  }
  return { version, generation, keyHashes, removedKeyHashes };
}

/**
 * Removes a workspace's snapshots (after the workspace was deleted) and announces it.
 * Returns the key hashes whose snapshots were deleted.
 */
export async function unpublishWorkspace(
  redis: RedisClient,
  workspaceId: string,
  version: number = nextVersion(),
): Promise<string[]> {
  const removed = await deleteWorkspaceSnapshots(redis, workspaceId);
  await publishInvalidation(redis, { kind: "workspace", workspaceId, version });
  for (const keyHash of removed) {
    await publishInvalidation(redis, { kind: "key", keyHash, version });
  }
  return removed;
}

async function deleteWorkspaceSnapshots(
  redis: RedisClient,
  workspaceId: string,
): Promise<string[]> {
  const setKey = RedisKeys.workspaceKeyHashes(workspaceId);
  const hashes = await redis.smembers(setKey);
  await Promise.all(hashes.map((hash) => redis.del(RedisKeys.keySnapshot(hash))));
  await redis.del(setKey);
  await redis.del(RedisKeys.workspaceSnapshot(workspaceId));
  return hashes;
}

const PAGE_SIZE = 200;

/**
 * Rebuilds every snapshot from Postgres (after a Redis flush or failover, or to repair
 * drift), deletes snapshots of workspaces and key hashes that no longer exist, then
 * PUBLISHes one "all" message (unless `announce: false`: the complete republish in
 * ./republish.ts announces once, after the budget spend and the generation marker). A
 * workspace that fails to compile is reported in `failed` and does not stop the others.
 * Writes no generation marker: use republishAll / ensureConfigPublished after a Redis loss.
 */
export async function resyncAll(
  db: Db,
  redis: RedisClient,
  options: { announce?: boolean } = {},
): Promise<ResyncResult> {
  const result: ResyncResult = {
    version: 0,
    workspaces: 0,
    keySnapshots: 0,
    removed: 0,
    failed: [],
  };

  let cursor: string | undefined;
  for (;;) {
    const page = await db.workspace.findMany({
      select: { id: true },
      orderBy: { id: "asc" },
      take: PAGE_SIZE,
      ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    });
    for (const { id } of page) {
      try {
        const written = await writeWorkspace(db, redis, id, nextVersion());
        if (!written) continue;
        result.workspaces += 1;
        result.keySnapshots += written.keyHashes.length;
        result.removed += written.removedKeyHashes.length;
      } catch (error) {
        result.failed.push({
          workspaceId: id,
          error: error instanceof Error ? error.message : String(error),
        });
      }
    }
    if (page.length < PAGE_SIZE) break;
    cursor = page.at(-1)?.id;
  }

  result.removed += await removeOrphans(db, redis);
  result.version = nextVersion();
  if (options.announce !== false) {
    await publishInvalidation(redis, { kind: "all", version: result.version });
  }
  return result;
}

function masters(redis: RedisClient): Redis[] {
  return redis instanceof Cluster ? redis.nodes("master") : [redis];
}

async function* scanKeys(redis: RedisClient, pattern: string): AsyncGenerator<string[]> {
  for (const node of masters(redis)) {
    let cursor = "0";
    do {
      const [next, keys] = await node.scan(cursor, "MATCH", pattern, "COUNT", 500);
      cursor = next;
      if (keys.length > 0) yield keys;
    } while (cursor !== "0");
  }
}

/** Snapshots whose workspace or key hash is gone from Postgres. */
async function removeOrphans(db: Db, redis: RedisClient): Promise<number> {
  let removed = 0;

  for (const pattern of [RedisKeys.workspaceSnapshot("*"), RedisKeys.workspaceKeyHashes("*")]) {
    for await (const keys of scanKeys(redis, pattern)) {
      const ids = [
        ...new Set(keys.map(workspaceIdOfKey).filter((id): id is string => id !== null)),
      ];
      const existing = await db.workspace.findMany({
        where: { id: { in: ids } },
        select: { id: true },
      });
      const alive = new Set(existing.map((workspace) => workspace.id));
      for (const id of ids) {
        if (alive.has(id)) continue;
        removed += (await deleteWorkspaceSnapshots(redis, id)).length + 1;
      }
    }
  }

  const keyPrefix = RedisKeys.keySnapshot("");
  const now = new Date();
  for await (const keys of scanKeys(redis, RedisKeys.keySnapshot("*"))) {
    const hashes = keys.map((key) => key.slice(keyPrefix.length));
    const rows = await db.virtualKey.findMany({
      where: { OR: [{ keyHash: { in: hashes } }, { previousKeyHash: { in: hashes } }] },
      select: { keyHash: true, previousKeyHash: true, previousKeyGraceUntil: true },
    });
    const valid = new Set<string>();
    for (const row of rows) {
      valid.add(row.keyHash);
      if (row.previousKeyHash && row.previousKeyGraceUntil && row.previousKeyGraceUntil > now) {
        valid.add(row.previousKeyHash);
      }
    }
    const stale = hashes.filter((hash) => !valid.has(hash));
    await Promise.all(stale.map((hash) => redis.del(RedisKeys.keySnapshot(hash))));
    removed += stale.length;
  }
  return removed;
}
