import { periodStart, RedisKeys } from "@gatehouse/shared";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "../testing";
import { localDate } from "../usage/time";
import { restoreBudgetSpend } from "./budget-spend";
import { publishKey, publishWorkspace } from "./publish";

/** After Redis lost its data, a resync puts each budget's period spend back from the rollups. */
describe("restoreBudgetSpend", () => {
  let db: TestDatabase;
  let redis: Redis;
  let workspaceId: string;
  let keyId: string;
  const TZ = "America/New_York";
  const now = new Date();

  beforeAll(async () => {
    db = await createTestDatabase("budget-spend");
    redis = new Redis(testRedisUrl(1));
    const ws = await db.prisma.workspace.create({
      data: {
        name: "Spend",
        slug: `spend-${Date.now()}`,
        timeZone: TZ,
        budgetAmountNanoUsd: 100_000_000_000n,
        budgetPeriod: "monthly",
      },
    });
    workspaceId = ws.id;
    const key = await db.prisma.virtualKey.create({
      data: {
        workspaceId,
        name: "k",
        keyHash: `h_${Date.now()}`,
        prefix: "gh_t",
        budgetAmountNanoUsd: 5_000_000_000n,
        budgetPeriod: "daily",
      },
    });
    keyId = key.id;
    const today = localDate(now, TZ);
    const monthStart = localDate(periodStart("monthly", now, TZ), TZ);
    const row = (day: string, cost: bigint) => ({
      workspaceId,
      day: new Date(`${day}T00:00:00.000Z`),
      keyId,
      model: "gpt-4o-mini",
      costNanoUsd: cost,
      requests: 1,
    });
    // today (in the workspace's zone) and, when it differs, the first day of the month
    await db.prisma.usageDaily.create({ data: row(today, 700_000n) });
    if (monthStart !== today)
      await db.prisma.usageDaily.create({ data: row(monthStart, 300_000n) });
    // last month: outside both periods
    const lastMonth = localDate(
      new Date(periodStart("monthly", now, TZ).getTime() - 86_400_000),
      TZ,
    );
    await db.prisma.usageDaily.create({ data: row(lastMonth, 999_999n) });
  });

  afterAll(async () => {
    redis?.disconnect();
    await db?.drop();
  });

  const budgetKey = (scope: "ws" | "key", id: string, period: "daily" | "monthly") =>
    RedisKeys.budget(workspaceId, scope, id, periodStart(period, now, TZ).toISOString());

  it("writes the period spend of the workspace and key budgets into an empty Redis, and never lowers a higher figure", async () => {
    const wsKey = budgetKey("ws", workspaceId, "monthly");
    const kKey = budgetKey("key", keyId, "daily");
    await redis.del(wsKey, kKey);
    const first = await restoreBudgetSpend(db.prisma, redis, { workspaceId, now });
    expect(first).toEqual({ budgets: 2, raised: 2 });
    const monthTotal =
      localDate(periodStart("monthly", now, TZ), TZ) === localDate(now, TZ) ? 700_000 : 1_000_000;
    expect(await redis.hget(wsKey, "spent")).toBe(String(monthTotal));
    expect(await redis.hget(kKey, "spent")).toBe("700000");
    expect(await redis.pttl(kKey)).toBeGreaterThan(0);

    // proxies settled more since the worker's last rollup: left alone
    await redis.hset(kKey, "spent", 900_000);
    const second = await restoreBudgetSpend(db.prisma, redis, { workspaceId, now });
    expect(second).toEqual({ budgets: 2, raised: 0 });
    expect(await redis.hget(kKey, "spent")).toBe("900000");
  });

  it("marks the workspace restored once its spend is back, also a workspace without budgets", async () => {
    const marker = RedisKeys.budgetSpendRestored(workspaceId);
    await redis.del(marker);
    await restoreBudgetSpend(db.prisma, redis, { workspaceId, now });
    expect(Number(await redis.get(marker))).toBeGreaterThan(0);
    expect(await redis.pttl(marker)).toBe(-1);

    const plain = await db.prisma.workspace.create({
      data: { name: "No budgets", slug: `plain-${Date.now()}` },
    });
    await restoreBudgetSpend(db.prisma, redis, { workspaceId: plain.id, now });
    expect(await redis.exists(RedisKeys.budgetSpendRestored(plain.id))).toBe(1);
  });

  it("a publish seeds a budget set in the middle of a period with the period's spend, and writes the mark", async () => {
    const key = await db.prisma.virtualKey.create({
      data: { workspaceId, name: "late budget", keyHash: `late_${Date.now()}`, prefix: "gh_l" },
    });
    await db.prisma.usageDaily.create({
      data: {
        workspaceId,
        day: new Date(`${localDate(now, TZ)}T00:00:00.000Z`),
        keyId: key.id,
        model: "gpt-4o-mini",
        costNanoUsd: 123_456n,
        requests: 3,
      },
    });
    await db.prisma.virtualKey.update({
      where: { id: key.id },
      data: { budgetAmountNanoUsd: 1_000_000n, budgetPeriod: "daily" },
    });
    // Redis as after a flush: no spend, no mark
    await redis.del(budgetKey("key", key.id, "daily"), RedisKeys.budgetSpendRestored(workspaceId));
    await publishKey(db.prisma, redis, key.id);
    expect(await redis.hget(budgetKey("key", key.id, "daily"), "spent")).toBe("123456");
    expect(await redis.exists(RedisKeys.budgetSpendRestored(workspaceId))).toBe(1);

    await redis.del(RedisKeys.budgetSpendRestored(workspaceId));
    await publishWorkspace(db.prisma, redis, workspaceId);
    expect(await redis.exists(RedisKeys.budgetSpendRestored(workspaceId))).toBe(1);
  });
});
