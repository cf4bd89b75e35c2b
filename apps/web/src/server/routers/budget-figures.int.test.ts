import { localDate } from "@gatehouse/db/usage";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { periodStart, RedisKeys } from "@gatehouse/shared";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";

/**
 * One "spent" figure per budget (issue 12 item 4): the keys page (key.list), the overview
 * (usage.budgets) and the banner and budget status (budget.status) show the same spend and
 * percentage — the whole period — and the proxies' counter is seeded with it when the budget
 * is set, so a budget set in the middle of a period does not start again from $0.
 */

const TZ = "Europe/Paris";
let testDb: TestDatabase;
let redis: Redis;

beforeAll(async () => {
  testDb = await createTestDatabase("web-budget-figures");
  redis = new Redis(testRedisUrl(3));
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

describe("budget figures", () => {
  it("a budget set mid-period shows the period's whole spend in every place, and the proxies' counter starts from it", async () => {
    const admin = await createUser(testDb.prisma, "Admin");
    const workspace = await createWorkspace(testDb.prisma, "Figures", [
      { userId: admin.id, role: "admin" },
    ]);
    const workspaceId = workspace.id;
    await testDb.prisma.workspace.update({ where: { id: workspaceId }, data: { timeZone: TZ } });
    const caller = createCaller(
      createInnerContext({
        db: testDb.prisma,
        session: sessionFor(admin),
        redis,
        keyring: createTestKeyring(),
      }),
    );
    const keyId = (await caller.key.create({ workspaceId, name: "Checkout" })).key.id;

    // spent earlier today, before there was any budget (the worker's rollups)
    const today = localDate(new Date(), TZ);
    await testDb.prisma.usageDaily.create({
      data: {
        workspaceId,
        day: new Date(`${today}T00:00:00.000Z`),
        keyId,
        model: "gpt-4o-mini",
        costNanoUsd: 1_090_000_000n,
        requests: 40,
      },
    });

    // now a $1.00 daily budget for the key and $10.00 monthly for the workspace
    await caller.key.update({ workspaceId, keyId, budgetUsd: "1", budgetPeriod: "daily" });
    const settings = await caller.workspace.settings({ workspaceId });
    await caller.workspace.updateSettings({
      workspaceId,
      timeZone: settings.timeZone,
      payloadLogging: settings.payloadLogging,
      retentionDays: settings.retentionDays,
      failMode: settings.failMode,
      rpmLimit: null,
      tpmLimit: null,
      parallelLimit: null,
      budgetUsd: "10",
      budgetPeriod: "monthly",
      budgetAlertThresholdPct: null,
      alertWebhookUrl: null,
    });

    const keyHash = RedisKeys.budget(
      workspaceId,
      "key",
      keyId,
      periodStart("daily", new Date(), TZ).toISOString(),
    );
    const wsHash = RedisKeys.budget(
      workspaceId,
      "ws",
      workspaceId,
      periodStart("monthly", new Date(), TZ).toISOString(),
    );
    // the proxies enforce from the same figure (not from $0)
    expect(await redis.hget(keyHash, "spent")).toBe("1090000000");
    expect(await redis.hget(wsHash, "spent")).toBe("1090000000");

    const read = async () => {
      const list = await caller.key.list({ workspaceId });
      const overview = await caller.usage.budgets({ workspaceId });
      const status = await caller.budget.status({ workspaceId });
      const row = list.find((k) => k.id === keyId)!;
      const over = overview.keys.find((k) => k.keyId === keyId)!;
      const live = status.budgets.find((b) => b.scopeId === keyId)!;
      const wsLive = status.budgets.find((b) => b.scope === "workspace")!;
      return {
        keysPage: { spentUsd: row.spentThisPeriodUsd, percent: row.budgetPercent },
        overview: { spent: over.spentNanoUsd, percent: over.percent },
        status: { spent: BigInt(live.spentNanoUsd), percent: live.percent },
        workspace: [overview.workspace!.spentNanoUsd, BigInt(wsLive.spentNanoUsd)],
        workspacePercent: [overview.workspace!.percent, wsLive.percent],
      };
    };

    expect(await read()).toEqual({
      keysPage: { spentUsd: "1.09", percent: 109 },
      overview: { spent: 1_090_000_000n, percent: 109 },
      status: { spent: 1_090_000_000n, percent: 109 },
      workspace: [1_090_000_000n, 1_090_000_000n],
      workspacePercent: [10.9, 10.9],
    });

    // the proxies settled more than the worker has rolled up yet: everywhere the newer figure
    await redis.hincrby(keyHash, "spent", 3_210_000);
    expect(await read()).toMatchObject({
      keysPage: { spentUsd: "1.09321", percent: 109.32 },
      overview: { spent: 1_093_210_000n, percent: 109.32 },
      status: { spent: 1_093_210_000n, percent: 109.32 },
    });
  });
});
