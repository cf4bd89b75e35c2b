import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { periodEnd, periodStart, RedisKeys } from "@gatehouse/shared";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";

/**
 * budget.status reads the live state the proxies keep in Redis (apps/proxy/src/limits): the
 * per-period hash {spent, reserved, alerted} and the reservation set scored by expiry.
 */

let testDb: TestDatabase;
let redis: Redis;
let viewer: Awaited<ReturnType<typeof createUser>>;
let workspaceId: string;
let keyId: string;

function caller(client: Redis = redis) {
  return createCaller(
    createInnerContext({
      db: testDb.prisma,
      session: sessionFor(viewer),
      redis: client,
      keyring: createTestKeyring(),
    }),
  );
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-budget");
  redis = new Redis(testRedisUrl(3));
  viewer = await createUser(testDb.prisma, "Viewer");
  workspaceId = (
    await createWorkspace(testDb.prisma, "Budgets", [{ userId: viewer.id, role: "viewer" }])
  ).id;
  await testDb.prisma.workspace.update({
    where: { id: workspaceId },
    data: {
      budgetAmountNanoUsd: 10_000_000_000n,
      budgetPeriod: "monthly",
      budgetAlertThresholdPct: 80,
      timeZone: "Europe/Paris",
    },
  });
  const key = await testDb.prisma.virtualKey.create({
    data: {
      workspaceId,
      name: "Backend",
      keyHash: `hash_${Date.now()}`,
      prefix: "gh_test",
      budgetAmountNanoUsd: 1_000_000_000n,
      budgetPeriod: "daily",
      budgetAlertThresholdPct: 50,
    },
  });
  keyId = key.id;
  await testDb.prisma.virtualKey.create({
    data: { workspaceId, name: "No budget", keyHash: `hash2_${Date.now()}`, prefix: "gh_test2" },
  });
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

describe("budget.status", () => {
  it("shows spent, live reservations, remaining, period and reset of each budget, and the threshold", async () => {
    const now = new Date();
    const wsStart = periodStart("monthly", now, "Europe/Paris");
    const keyStart = periodStart("daily", now, "Europe/Paris");
    await redis.hset(RedisKeys.budget(workspaceId, "ws", workspaceId, wsStart.toISOString()), {
      spent: 8_500_000_000,
      reserved: 100,
      alerted: Date.now(),
    });
    await redis.hset(RedisKeys.budget(workspaceId, "key", keyId, keyStart.toISOString()), {
      spent: 200_000_000,
      reserved: 70_000_000,
    });
    const reservations = RedisKeys.budgetReservations(workspaceId, "key", keyId);
    await redis.del(reservations);
    await redis.zadd(
      reservations,
      Date.now() + 60_000,
      `req_a:${keyStart.getTime()}:30000000`,
      Date.now() + 60_000,
      `req_b:${keyStart.getTime()}:40000000`,
      // expired (a crashed proxy's): not counted
      Date.now() - 1_000,
      `req_c:${keyStart.getTime()}:999`,
      // another period's: not counted
      Date.now() + 60_000,
      `req_d:${keyStart.getTime() - 86_400_000}:555`,
    );

    const { source, budgets } = await caller().budget.status({ workspaceId });
    expect(source).toBe("redis");
    expect(budgets).toHaveLength(2);
    expect(budgets[0]).toEqual({
      scope: "workspace",
      scopeId: workspaceId,
      name: "Budgets",
      period: "monthly",
      amountNanoUsd: 10_000_000_000,
      spentNanoUsd: 8_500_000_000,
      reservedNanoUsd: 0,
      remainingNanoUsd: 1_500_000_000,
      percent: 85,
      periodStart: wsStart,
      resetsAt: periodEnd("monthly", now, "Europe/Paris"),
      alertThresholdPct: 80,
      thresholdReached: true,
      alertFired: true,
    });
    expect(budgets[1]).toMatchObject({
      scope: "key",
      scopeId: keyId,
      name: "Backend",
      period: "daily",
      spentNanoUsd: 200_000_000,
      reservedNanoUsd: 70_000_000,
      remainingNanoUsd: 730_000_000,
      percent: 20,
      periodStart: keyStart,
      thresholdReached: false,
      alertFired: false,
    });
  });

  it("falls back to the usage rollups when Redis cannot be read", async () => {
    const down = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    down.on("error", () => undefined);
    const { source, budgets } = await caller(down).budget.status({ workspaceId });
    expect(source).toBe("rollups");
    expect(budgets.map((b) => [b.scope, b.spentNanoUsd, b.reservedNanoUsd])).toEqual([
      ["workspace", 0, 0],
      ["key", 0, 0],
    ]);
    down.disconnect();
  });
});
