import { restoreBudgetSpend, type BudgetRestoreResult } from "./budget-spend";
import { nextVersion, type Db } from "./compile";
import {
  acquireRepublishLock,
  newGeneration,
  readGeneration,
  releaseRepublishLock,
  renewRepublishLock,
  writeGeneration,
} from "./generation";
import { publishInvalidation, resyncAll, type RedisClient, type ResyncResult } from "./publish";

/**
 * A complete republish of the config: every snapshot from PostgreSQL, then each budget's
 * period spend, then a new generation marker, then one "all" invalidation. The marker goes
 * last so that a proxy which sees it can trust that a missing snapshot means "no such key".
 *
 * Who runs it: the worker's config check (apps/worker/src/config) as soon as it finds the
 * marker missing, `npm run resync` on demand, and `npm run db:seed` when the marker is missing.
 * Several replicas may notice at once; the republish lock lets one of them do it.
 */

export interface RepublishResult extends ResyncResult {
  /** the generation the marker now holds */
  generation: string;
  budgetSpend: BudgetRestoreResult;
}

export type EnsureOutcome =
  /** the marker was there: nothing to do */
  | { action: "present"; generation: string }
  /** another replica holds the republish lock */
  | { action: "busy" }
  /** Redis lost the lock during the republish (flushed again): the next check starts over */
  | { action: "interrupted" }
  | { action: "republished"; result: RepublishResult };

/** longer than a renewal interval plus a slow Redis round trip; a dead holder's lock lapses after it */
const LOCK_TTL_MS = 30_000;
const LOCK_RENEW_MS = LOCK_TTL_MS / 3;

/** Republishes everything if the marker is missing and no other replica is doing it. */
export async function ensureConfigPublished(
  db: Db,
  redis: RedisClient,
  options: { signal?: AbortSignal } = {},
): Promise<EnsureOutcome> {
  const current = await readGeneration(redis);
  if (current !== null) return { action: "present", generation: current };
  const token = await acquireRepublishLock(redis, LOCK_TTL_MS);
  if (token === null) return { action: "busy" };
  return holding(redis, token, options.signal, async (held) => {
    // the replica that held the lock a moment ago may just have finished
    const now = await readGeneration(redis);
    if (now !== null) return { action: "present", generation: now };
    const result = await republish(db, redis, token, held);
    return result ? { action: "republished", result } : { action: "interrupted" };
  });
}

/**
 * Republishes everything now, marker or not (`npm run resync`). Waits while another replica
 * holds the lock, and starts over if Redis is flushed again in the middle (up to 3 times).
 */
export async function republishAll(
  db: Db,
  redis: RedisClient,
  options: { waitMs?: number } = {},
): Promise<RepublishResult> {
  const waitMs = options.waitMs ?? 2 * LOCK_TTL_MS;
  const until = Date.now() + waitMs;
  for (let attempt = 1; ;) {
    const token = await acquireRepublishLock(redis, LOCK_TTL_MS);
    if (token === null) {
      if (Date.now() > until) {
        throw new Error(
          `another replica has held the republish lock for over ${Math.round(waitMs / 1000)} s`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
      continue;
    }
    const result = await holding(redis, token, undefined, (held) =>
      republish(db, redis, token, held),
    );
    if (result) return result;
    if (++attempt > 3) {
      throw new Error("Redis lost its data again during each of 3 republishes; giving up");
    }
  }
}

/** The republish itself, under the lock; null when the lock was lost (nothing claimed). */
async function republish(
  db: Db,
  redis: RedisClient,
  token: string,
  held: () => boolean,
): Promise<RepublishResult | null> {
  const resync = await resyncAll(db, redis, { announce: false });
  if (!held()) return null;
  const budgetSpend = await restoreBudgetSpend(db, redis);
  const generation = newGeneration(nextVersion());
  // checks the lock in the same script: a flush since we took it deleted it
  if (!held() || !(await writeGeneration(redis, token, generation))) return null;
  await publishInvalidation(redis, { kind: "all", version: resync.version });
  return { ...resync, budgetSpend, generation };
}

/** Runs `work` holding the lock: renewed until it ends, released after (or on abort). */
async function holding<T>(
  redis: RedisClient,
  token: string,
  signal: AbortSignal | undefined,
  work: (held: () => boolean) => Promise<T>,
): Promise<T> {
  let held = true;
  let released: Promise<void> | null = null;
  const release = () => {
    held = false;
    if (released) return released;
    clearInterval(renewal);
    signal?.removeEventListener("abort", release);
    released = releaseRepublishLock(redis, token).catch(() => undefined);
    return released;
  };
  const renewal = setInterval(() => {
    renewRepublishLock(redis, token, LOCK_TTL_MS).then(
      (ok) => {
        if (!ok) held = false;
      },
      () => undefined, // Redis away: the TTL decides; the marker script checks again anyway
    );
  }, LOCK_RENEW_MS);
  renewal.unref();
  // a worker shutting down hands the lock back at once instead of letting it lapse
  signal?.addEventListener("abort", release, { once: true });
  try {
    return await work(() => held && !signal?.aborted);
  } finally {
    await release();
  }
}
