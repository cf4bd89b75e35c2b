import {
  CONFIG_GENERATION_FIELD,
  ConfigInvalidationSchema,
  RedisKeys,
  type ConfigInvalidation,
} from "@gatehouse/shared";
import { generateVirtualKey } from "@gatehouse/shared/server";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "../testing";
import { readGeneration } from "./generation";
import { publishKey, publishWorkspace } from "./publish";
import { ensureConfigPublished, republishAll, type EnsureOutcome } from "./republish";

/**
 * The config generation marker: only a complete republish writes it, last; it is what tells a
 * proxy that a missing snapshot means "no such key". Redis db 1 is flushed here (the db
 * package's tests run one file at a time).
 */
describe("config republish and the generation marker", () => {
  let db: TestDatabase;
  let redis: Redis;
  let subscriber: Redis;
  const messages: ConfigInvalidation[] = [];
  /** the marker as it was when each "all" message arrived */
  const markerAtAll: (string | null)[] = [];

  beforeAll(async () => {
    db = await createTestDatabase("republish");
    redis = new Redis(testRedisUrl(1));
    subscriber = new Redis(testRedisUrl(1));
    subscriber.on("message", (_channel: string, message: string) => {
      const parsed = ConfigInvalidationSchema.parse(JSON.parse(message));
      messages.push(parsed);
      if (parsed.kind === "all") {
        void redis.hget(RedisKeys.configGeneration, CONFIG_GENERATION_FIELD).then((g) => {
          markerAtAll.push(g);
        });
      }
    });
    await subscriber.subscribe(RedisKeys.configChannel);
  });

  afterAll(async () => {
    subscriber?.disconnect();
    redis?.disconnect();
    await db?.drop();
  });

  beforeEach(async () => {
    await redis.flushdb();
    messages.length = 0;
    markerAtAll.length = 0;
  });

  let seq = 0;
  /** a workspace with a monthly budget and one key */
  async function fixture() {
    const n = ++seq;
    const workspace = await db.prisma.workspace.create({
      data: {
        name: `Republish ${n}`,
        slug: `republish-${n}-${Date.now()}`,
        budgetAmountNanoUsd: 10_000_000_000n,
        budgetPeriod: "monthly",
      },
    });
    const secret = generateVirtualKey();
    const key = await db.prisma.virtualKey.create({
      data: { workspaceId: workspace.id, name: "k", keyHash: secret.hash, prefix: secret.prefix },
    });
    return { workspace, key, secret };
  }

  const exists = async (key: string) => (await redis.exists(key)) === 1;

  it("writes every snapshot and the budget spend first, then the marker, then one 'all' message", async () => {
    const { workspace, secret } = await fixture();
    const monitor = await redis.monitor();
    const commands: string[] = [];
    monitor.on("monitor", (_time: string, args: string[], _source: string, database: string) => {
      if (database === "1") commands.push(args.join(" "));
    });
    const result = await republishAll(db.prisma, redis);
    await new Promise((resolve) => setTimeout(resolve, 50)); // MONITOR lines trail the replies
    monitor.disconnect();

    expect(await readGeneration(redis)).toBe(result.generation);
    expect(await exists(RedisKeys.workspaceSnapshot(workspace.id))).toBe(true);
    expect(await exists(RedisKeys.keySnapshot(secret.hash))).toBe(true);
    const markerAt = commands.findIndex(
      (c) => c.startsWith("HSET") && c.includes(RedisKeys.configGeneration),
    );
    const lastSnapshotAt = commands.findLastIndex(
      (c) =>
        c.startsWith("SET") &&
        (c.includes(RedisKeys.keySnapshot(secret.hash)) ||
          c.includes(RedisKeys.workspaceSnapshot(workspace.id))),
    );
    const lastBudgetAt = commands.findLastIndex(
      (c) => c.startsWith("HGET") && c.includes(`{ws:${workspace.id}}:budget:`),
    );
    // (commands sent by a client are lower case in MONITOR, those run by a script upper case)
    const allAt = commands.findIndex(
      (c) => c.toLowerCase().startsWith("publish ") && c.includes('"kind":"all"'),
    );
    expect(markerAt).toBeGreaterThan(-1);
    expect(lastSnapshotAt).toBeGreaterThan(-1);
    expect(lastBudgetAt).toBeGreaterThan(-1);
    expect(markerAt).toBeGreaterThan(lastSnapshotAt);
    expect(markerAt).toBeGreaterThan(lastBudgetAt);
    expect(allAt).toBeGreaterThan(markerAt);
    // one announcement, and the marker was already there when it arrived
    await waitUntil(() => markerAtAll.length === 1);
    expect(messages.filter((m) => m.kind === "all")).toHaveLength(1);
    expect(markerAtAll).toEqual([result.generation]);
    // the lock is handed back
    expect(await exists(RedisKeys.configRepublishLock)).toBe(false);
  });

  it("ensureConfigPublished does nothing while the marker is there and republishes when it is gone", async () => {
    const { secret } = await fixture();
    const first = await ensureConfigPublished(db.prisma, redis);
    expect(first.action).toBe("republished");
    const generation = await readGeneration(redis);
    expect(generation).not.toBeNull();

    // the marker vouches for the rest: a missing snapshot is not put back by a check
    await redis.del(RedisKeys.keySnapshot(secret.hash));
    expect(await ensureConfigPublished(db.prisma, redis)).toEqual({
      action: "present",
      generation,
    });
    expect(await exists(RedisKeys.keySnapshot(secret.hash))).toBe(false);

    await redis.flushdb();
    const again = await ensureConfigPublished(db.prisma, redis);
    expect(again.action).toBe("republished");
    expect(await exists(RedisKeys.keySnapshot(secret.hash))).toBe(true);
    const next = await readGeneration(redis);
    expect(next).not.toBeNull();
    expect(next).not.toBe(generation);
  });

  it("several replicas noticing at once: exactly one republishes", async () => {
    await fixture();
    const replicas = [0, 1, 2, 3].map(() => new Redis(testRedisUrl(1)));
    try {
      const outcomes: EnsureOutcome[] = await Promise.all(
        replicas.map((r) => ensureConfigPublished(db.prisma, r)),
      );
      const actions = outcomes.map((o) => o.action);
      expect(actions.filter((a) => a === "republished")).toHaveLength(1);
      expect(actions.every((a) => ["republished", "busy", "present"].includes(a))).toBe(true);
      await waitUntil(() => messages.some((m) => m.kind === "all"));
      expect(messages.filter((m) => m.kind === "all")).toHaveLength(1);
      expect(await readGeneration(redis)).not.toBeNull();
    } finally {
      for (const r of replicas) r.disconnect();
    }
  });

  it("a flush in the middle of a republish keeps that republish from writing the marker", async () => {
    const { workspace } = await fixture();
    // hold the rollups so the republish stops at the budget spend, after the snapshots
    const blocker = new pg.Client({ connectionString: db.url });
    await blocker.connect();
    try {
      await blocker.query("BEGIN");
      await blocker.query("LOCK TABLE usage_daily IN ACCESS EXCLUSIVE MODE");
      const outcome = ensureConfigPublished(db.prisma, redis);
      await waitUntilAsync(() => exists(RedisKeys.workspaceSnapshot(workspace.id)));
      await redis.flushdb(); // Redis lost its data again, lock included
      await blocker.query("COMMIT");
      expect((await outcome).action).toBe("interrupted");
      expect(await readGeneration(redis)).toBeNull();
      // the next check starts over and completes
      expect((await ensureConfigPublished(db.prisma, redis)).action).toBe("republished");
      expect(await readGeneration(redis)).not.toBeNull();
    } finally {
      await blocker.end();
    }
  });

  it("incremental publishes refresh the marker but never create it", async () => {
    const { workspace, key } = await fixture();
    expect((await publishWorkspace(db.prisma, redis, workspace.id)).generation).toBeNull();
    expect((await publishKey(db.prisma, redis, key.id))?.generation).toBeNull();
    expect(await readGeneration(redis)).toBeNull();

    const { generation } = await republishAll(db.prisma, redis);
    const published = await publishWorkspace(db.prisma, redis, workspace.id);
    expect(published.generation).toBe(generation);
    expect(await readGeneration(redis)).toBe(generation);
    expect(await redis.hget(RedisKeys.configGeneration, "lastPublishVersion")).toBe(
      String(published.version),
    );
  });
});

async function waitUntil(done: () => boolean): Promise<void> {
  await waitUntilAsync(async () => done());
}

async function waitUntilAsync(done: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await done()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("timed out");
}
