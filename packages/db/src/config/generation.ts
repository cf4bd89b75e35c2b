import { randomBytes } from "node:crypto";
import { CONFIG_GENERATION_FIELD, RedisKeys } from "@gatehouse/shared";
import type { Cluster, Redis } from "ioredis";

/**
 * The config generation marker (RedisKeys.configGeneration) and the republish lock.
 *
 * The marker says "this Redis holds the whole config". Only a complete republish writes it
 * (after every snapshot and the budget spend), with a new generation each time; incremental
 * publishes only refresh it when it is there (`touchGeneration`). A proxy that finds it missing
 * answers 503 instead of reading an absent snapshot as "no such key"; one that sees a new
 * generation revalidates its cache.
 *
 * The lock lets one control-plane replica republish at a time. It is also the republish's
 * proof that Redis was not flushed meanwhile: the marker is written only while the lock is
 * still held by the same token, in one script (both keys share a hash tag).
 */

/** (publish.ts's RedisClient, declared here too: publish.ts imports this module) */
type RedisClient = Redis | Cluster;

// ARGV: lastPublishVersion, lastPublishAt. Returns the current generation, or false (missing).
const TOUCH_LUA = `
local generation = redis.call('HGET', KEYS[1], '${CONFIG_GENERATION_FIELD}')
if not generation then return false end
redis.call('HSET', KEYS[1], 'lastPublishVersion', ARGV[1], 'lastPublishAt', ARGV[2])
return generation
`;

// KEYS: marker, lock; ARGV: token, generation, completedAt. 1 = written, 0 = lock lost.
const WRITE_LUA = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], '${CONFIG_GENERATION_FIELD}', ARGV[2], 'completedAt', ARGV[3])
return 1
`;

// KEYS: lock; ARGV: token, ttl ms. 1 = still ours (renewed), 0 = gone or someone else's.
const RENEW_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

const RELEASE_LUA = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('DEL', KEYS[1])
return 1
`;

/** The current generation, or null when the marker is missing. */
export async function readGeneration(redis: RedisClient): Promise<string | null> {
  return redis.hget(RedisKeys.configGeneration, CONFIG_GENERATION_FIELD);
}

/**
 * Records an incremental publish on the marker, if it is there; never creates it (one
 * workspace's snapshots do not make the whole config). Returns the generation, or null when
 * the marker is missing (a complete republish is due; the worker's check runs it).
 */
export async function touchGeneration(redis: RedisClient, version: number): Promise<string | null> {
  const generation = await redis.eval(
    TOUCH_LUA,
    1,
    RedisKeys.configGeneration,
    String(version),
    new Date().toISOString(),
  );
  return typeof generation === "string" ? generation : null;
}

/** A new generation id: the republish's version (ms) plus randomness, never reused. */
export function newGeneration(version: number): string {
  return `${version}-${randomBytes(4).toString("hex")}`;
}

/** Writes the marker if `token` still holds the lock; false when the lock was lost. */
export async function writeGeneration(
  redis: RedisClient,
  token: string,
  generation: string,
): Promise<boolean> {
  const written = await redis.eval(
    WRITE_LUA,
    2,
    RedisKeys.configGeneration,
    RedisKeys.configRepublishLock,
    token,
    generation,
    new Date().toISOString(),
  );
  return written === 1;
}

/** Takes the republish lock; its token, or null when another replica holds it. */
export async function acquireRepublishLock(
  redis: RedisClient,
  ttlMs: number,
): Promise<string | null> {
  const token = randomBytes(12).toString("hex");
  const ok = await redis.set(RedisKeys.configRepublishLock, token, "PX", ttlMs, "NX");
  return ok === "OK" ? token : null;
}

export async function renewRepublishLock(
  redis: RedisClient,
  token: string,
  ttlMs: number,
): Promise<boolean> {
  return (
    (await redis.eval(RENEW_LUA, 1, RedisKeys.configRepublishLock, token, String(ttlMs))) === 1
  );
}

export async function releaseRepublishLock(redis: RedisClient, token: string): Promise<void> {
  await redis.eval(RELEASE_LUA, 1, RedisKeys.configRepublishLock, token);
}
