import type { RedisClient } from "@gatehouse/db";
import { Redis } from "ioredis";
import { getEnv } from "~/env";

// One client per server process; kept on globalThis so dev-mode reloads don't leak connections.
const globalForRedis = globalThis as typeof globalThis & { gatehouseRedis?: RedisClient };

/** The app's Redis client (config publishing), created on first use, never at import. */
export function getRedis(): RedisClient {
  globalForRedis.gatehouseRedis ??= new Redis(getEnv().REDIS_URL, {
    // A publish that cannot reach Redis fails the request quickly instead of queueing forever.
    maxRetriesPerRequest: 2,
  });
  return globalForRedis.gatehouseRedis;
}
