import { readGeneration, type EnsureOutcome } from "@gatehouse/db";
import { createTestDatabase, testRedisUrl } from "@gatehouse/db/testing";
import { RedisKeys } from "@gatehouse/shared";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startWorkerApp } from "../app";
import { loadEnv } from "../env";
import { createLog } from "../log";
import { createWorkspaceWithKey } from "../usage/test-fixtures";
import { startConfigCheck, type ConfigCheck } from "./republish-check";

/** Redis db 4 is this package's (its integration tests run one file at a time and flush it). */
const REDIS_URL = testRedisUrl(4);
const silent = createLog("error");

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let redis: Redis;
let keyHash: string;

beforeAll(async () => {
  db = await createTestDatabase("worker_config_check");
  redis = new Redis(REDIS_URL);
  const { keyId } = await createWorkspaceWithKey(db.prisma, "Config");
  keyHash = (await db.prisma.virtualKey.findUniqueOrThrow({ where: { id: keyId } })).keyHash;
});

afterAll(async () => {
  redis?.disconnect();
  await db?.drop();
});

beforeEach(async () => {
  await redis.flushdb();
});

async function waitFor(what: string, probe: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe("the worker's config check", () => {
  it("two workers: the marker missing at boot and after a later flush is republished once each time", async () => {
    const outcomes: EnsureOutcome["action"][] = [];
    const checks: ConfigCheck[] = [0, 1].map(() =>
      startConfigCheck({
        databaseUrl: db.url,
        redisUrl: REDIS_URL,
        everyMs: 100,
        log: silent,
        onOutcome: (outcome) => outcomes.push(outcome.action),
      }),
    );
    try {
      await Promise.all(checks.map((c) => c.firstCheck));
      const republished = () => outcomes.filter((a) => a === "republished").length;
      expect(republished()).toBe(1);
      const first = await readGeneration(redis);
      expect(first).not.toBeNull();
      expect(await redis.exists(RedisKeys.keySnapshot(keyHash))).toBe(1);

      // Redis loses everything while both keep running: the periodic check notices
      await redis.flushdb();
      await waitFor(
        "a republish after the flush",
        async () => (await readGeneration(redis)) !== null,
      );
      await waitFor("both checks to see the marker again", () => {
        const tail = outcomes.slice(-2);
        return tail.length === 2 && tail.every((a) => a === "present");
      });
      expect(republished()).toBe(2);
      expect(await readGeneration(redis)).not.toBe(first);
      expect(await redis.exists(RedisKeys.keySnapshot(keyHash))).toBe(1);
    } finally {
      await Promise.all(checks.map((c) => c.close()));
    }
    expect(await redis.exists(RedisKeys.configRepublishLock)).toBe(0);
  });

  it("runs by default in the worker app and republishes at boot", async () => {
    expect(loadEnv({}).GATEHOUSE_WORKER_CONSUMERS.has("config")).toBe(true);
    const app = await startWorkerApp(
      {
        DATABASE_URL: db.url,
        REDIS_URL,
        GATEHOUSE_WORKER_HOST: "127.0.0.1",
        GATEHOUSE_WORKER_PORT: 0,
        GATEHOUSE_WORKER_CONCURRENCY: 1,
        GATEHOUSE_WORKER_STALLED_INTERVAL_MS: 30_000,
        GATEHOUSE_WORKER_CONSUMERS: new Set(["config"]),
        GATEHOUSE_RETENTION_INTERVAL_MS: 3_600_000,
        GATEHOUSE_RETENTION_BATCH_SIZE: 5_000,
        GATEHOUSE_CONFIG_CHECK_INTERVAL_MS: 100,
      },
      silent,
    );
    try {
      await waitFor("the boot-time republish", async () => (await readGeneration(redis)) !== null);
      expect(await redis.exists(RedisKeys.keySnapshot(keyHash))).toBe(1);
    } finally {
      await app.close();
    }
  });
});
