import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";

/**
 * key.list's "spend this period": the daily rollups since the start of each key's budget
 * period, counted in the workspace's time zone.
 */

const USD = 1_000_000_000n;
const TIME_ZONE = "Asia/Tokyo"; // UTC+9 all year: its calendar day differs from UTC's for 9 h

let testDb: TestDatabase;
let redis: Redis;

beforeAll(async () => {
  testDb = await createTestDatabase("web-key-spend");
  redis = new Redis(testRedisUrl(3));
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

/** A calendar day as the rollups store it (midnight UTC of the local date). */
function localDay(date: Date): Date {
  const day = new Intl.DateTimeFormat("en-CA", {
    timeZone: TIME_ZONE,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(date);
  return new Date(`${day}T00:00:00.000Z`);
}

function addDays(day: Date, days: number): Date {
  return new Date(day.getTime() + days * 24 * 60 * 60 * 1000);
}

describe("key.list spend this period", () => {
  it("sums the rollups of the key's current period in the workspace's time zone", async () => {
    const user = await createUser(testDb.prisma, "Spender");
    const workspace = await createWorkspace(testDb.prisma, "Spend", [
      { userId: user.id, role: "member" },
    ]);
    const other = await createWorkspace(testDb.prisma, "Elsewhere", []);
    await testDb.prisma.workspace.update({
      where: { id: workspace.id },
      data: { timeZone: TIME_ZONE },
    });
    const workspaceId = workspace.id;
    const caller = createCaller(
      createInnerContext({
        db: testDb.prisma,
        session: sessionFor(user),
        redis,
        keyring: createTestKeyring(),
      }),
    );
    const create = async (name: string, budgetPeriod?: "daily" | "monthly" | "lifetime") =>
      (
        await caller.key.create({
          workspaceId,
          name,
          ...(budgetPeriod ? { budgetUsd: "100", budgetPeriod } : {}),
        })
      ).key.id;
    const daily = await create("daily", "daily");
    const monthly = await create("monthly", "monthly");
    const lifetime = await create("lifetime", "lifetime");
    const unbudgeted = await create("no budget");

    const today = localDay(new Date());
    const monthStart = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));
    const rows: Array<{
      workspaceId?: string;
      keyId: string;
      day: Date;
      model: string;
      usd: bigint;
    }> = [
      { keyId: daily, day: today, model: "a", usd: 1n },
      { keyId: daily, day: addDays(today, -1), model: "a", usd: 5n },
      // another workspace's rows never count, even under the same key id
      { workspaceId: other.id, keyId: daily, day: today, model: "a", usd: 50n },
      { keyId: monthly, day: today, model: "a", usd: 1n },
      { keyId: monthly, day: monthStart, model: "b", usd: 2n },
      { keyId: monthly, day: addDays(monthStart, -1), model: "a", usd: 7n },
      { keyId: lifetime, day: today, model: "a", usd: 1n },
      { keyId: lifetime, day: new Date("2020-01-01T00:00:00.000Z"), model: "a", usd: 3n },
      { keyId: unbudgeted, day: today, model: "a", usd: 9n },
    ];
    await testDb.prisma.usageDaily.createMany({
      data: rows.map((row) => ({
        workspaceId: row.workspaceId ?? workspaceId,
        keyId: row.keyId,
        day: row.day,
        model: row.model,
        requests: 1,
        costNanoUsd: row.usd * USD,
      })),
    });

    const list = await caller.key.list({ workspaceId });
    const spent = Object.fromEntries(list.map((k) => [k.name, k.spentThisPeriodUsd]));
    expect(spent).toEqual({
      daily: "1.00",
      monthly: "3.00", // also when today is the 1st: two models on one day
      lifetime: "4.00",
      "no budget": null,
    });
  });
});
