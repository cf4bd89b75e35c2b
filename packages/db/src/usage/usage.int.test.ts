import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing";
import {
  decodeCursor,
  insertSyntheticRequestLogs,
  listRequestLogs,
  rebuildRollupsFromLogs,
  spendByKey,
  usageExportRows,
  usageOverview,
  localDate,
  OTHER_GROUP,
} from "./index";

/**
 * The usage queries against request logs generated in the database: every figure the overview
 * derives from the rollups must equal the same figure computed from the raw logs.
 */

let testDb: TestDatabase;
const now = new Date();
const DAY = 86_400_000;
const keys = ["key_a", "key_b", "key_c"];
const models = ["gpt-4o", "gpt-4o-mini", "claude-sonnet", "m4", "m5", "m6", "m7", "m8", "m9"];
let workspaceId: string;
let otherWorkspaceId: string;

async function rawTotals(from: Date, to: Date, extra = "") {
  const rows = await testDb.prisma.$queryRawUnsafe<
    Array<{ requests: bigint; errors: bigint; cost: bigint; input: bigint }>
  >(
    `SELECT count(*)::int8 AS requests, count(*) FILTER (WHERE status >= 400)::int8 AS errors,
       COALESCE(sum(cost_nano_usd), 0)::int8 AS cost, COALESCE(sum(input_tokens), 0)::int8 AS input
     FROM request_logs WHERE workspace_id = $1 AND ts >= $2 AND ts < $3 ${extra}`,
    workspaceId,
    from,
    to,
  );
  const row = rows[0]!;
  return {
    requests: Number(row.requests),
    errors: Number(row.errors),
    cost: BigInt(row.cost),
    input: Number(row.input),
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase("db-usage");
  const db = testDb.prisma;
  // Asia/Kolkata: a half-hour offset, so local days are not UTC days
  workspaceId = (
    await db.workspace.create({ data: { name: "Usage", slug: "usage", timeZone: "Asia/Kolkata" } })
  ).id;
  otherWorkspaceId = (await db.workspace.create({ data: { name: "Other", slug: "other" } })).id;
  await insertSyntheticRequestLogs(db, {
    workspaceId,
    keyIds: keys,
    models,
    promptVersionIds: ["pv_1", "pv_2"],
    count: 20_000,
    idPrefix: "r",
    from: new Date(now.getTime() - 40 * DAY),
    to: now,
  });
  await insertSyntheticRequestLogs(db, {
    workspaceId: otherWorkspaceId,
    keyIds: ["other_key"],
    models: ["gpt-4o"],
    count: 500,
    idPrefix: "o",
    from: new Date(now.getTime() - 40 * DAY),
    to: now,
  });
  await rebuildRollupsFromLogs(db, workspaceId);
  await rebuildRollupsFromLogs(db, otherWorkspaceId);
});

afterAll(async () => {
  await testDb?.drop();
});

describe("usage overview (from rollups)", () => {
  it("matches the raw logs over 24 hours, hour by hour", async () => {
    const from = new Date(now.getTime() - DAY);
    const overview = await usageOverview(testDb.prisma, {
      workspaceId,
      timeZone: "Asia/Kolkata",
      from,
      to: new Date(now.getTime() + 1),
      groupBy: "model",
    });
    expect(overview).toMatchObject({ source: "hourly", bucket: "hour" });
    // hourly rollups cover whole hours: compare against the logs from the first hour's start
    const hourStart = new Date(Math.floor(from.getTime() / 3_600_000) * 3_600_000);
    const raw = await rawTotals(hourStart, new Date(now.getTime() + 1));
    expect(overview.totals.requests).toBe(raw.requests);
    expect(overview.totals.errors).toBe(raw.errors);
    expect(overview.totals.costNanoUsd).toBe(raw.cost);
    expect(overview.totals.inputTokens).toBe(raw.input);
    expect(overview.series.length).toBeGreaterThanOrEqual(24);
    const seriesSum = overview.series.reduce((sum, p) => sum + p.requests, 0);
    expect(seriesSum).toBe(raw.requests);
    expect(overview.totals.latencyP50Ms).not.toBeNull();
    expect(overview.totals.latencyP95Ms!).toBeGreaterThanOrEqual(overview.totals.latencyP50Ms!);
  });

  it("matches the raw logs over 30 days by local day, with groups folded into Other", async () => {
    const from = new Date(now.getTime() - 30 * DAY);
    const overview = await usageOverview(testDb.prisma, {
      workspaceId,
      timeZone: "Asia/Kolkata",
      from,
      to: now,
      groupBy: "model",
      maxGroups: 5,
    });
    expect(overview).toMatchObject({ source: "daily", bucket: "day" });
    expect(overview.series[0]!.bucket).toBe(localDate(from, "Asia/Kolkata"));
    // daily rollups cover whole local days: from local midnight of the first day
    const first = await testDb.prisma.$queryRaw<Array<{ start: Date }>>`
      SELECT (${localDate(from, "Asia/Kolkata")}::date::timestamp AT TIME ZONE 'Asia/Kolkata') AS start`;
    const raw = await rawTotals(first[0]!.start, new Date(now.getTime() + DAY));
    expect(overview.totals.requests).toBe(raw.requests);
    expect(overview.totals.costNanoUsd).toBe(raw.cost);
    expect(overview.groups).toHaveLength(5);
    expect(overview.groups.at(-1)!.id).toBe(OTHER_GROUP);
    const groupCost = overview.groups.reduce((sum, g) => sum + g.costNanoUsd, 0n);
    expect(groupCost).toBe(raw.cost);
    const stacked = overview.series.reduce(
      (sum, p) => sum + Object.values(p.costByGroup).reduce((a, b) => a + b, 0n),
      0n,
    );
    expect(stacked).toBe(raw.cost);
    // top keys: every key, most spend first, summing to the total
    expect(overview.topKeys.map((k) => k.id).sort()).toEqual([...keys].sort());
    expect(overview.topKeys.reduce((sum, k) => sum + k.costNanoUsd, 0n)).toBe(raw.cost);
    const costs = overview.topKeys.map((k) => k.costNanoUsd);
    expect([...costs].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))).toEqual(costs);
  });

  it("matches the raw logs over 7 days by local day (whole days from the daily rollups)", async () => {
    // the same logs seen from a whole-hour time zone: the hybrid daily + hourly read
    await testDb.prisma.workspace.update({
      where: { id: workspaceId },
      data: { timeZone: "Europe/Berlin" },
    });
    await rebuildRollupsFromLogs(testDb.prisma, workspaceId);
    try {
      const from = new Date(now.getTime() - 7 * DAY);
      const overview = await usageOverview(testDb.prisma, {
        workspaceId,
        timeZone: "Europe/Berlin",
        from,
        to: now,
        groupBy: "key",
      });
      expect(overview).toMatchObject({ source: "hourly", bucket: "day" });
      expect(overview.series).toHaveLength(8);
      const hourStart = new Date(Math.floor(from.getTime() / 3_600_000) * 3_600_000);
      const raw = await rawTotals(hourStart, now);
      expect(overview.totals.requests).toBe(raw.requests);
      expect(overview.totals.costNanoUsd).toBe(raw.cost);
      const days = await testDb.prisma.$queryRaw<Array<{ day: string; n: bigint }>>`
        SELECT to_char((ts AT TIME ZONE 'Europe/Berlin')::date, 'YYYY-MM-DD') AS day,
          count(*)::int8 AS n
        FROM request_logs WHERE workspace_id = ${workspaceId} AND ts >= ${hourStart} AND ts < ${now}
        GROUP BY 1 ORDER BY 1`;
      expect(overview.series.map((p) => [p.bucket, p.requests])).toEqual(
        days.map((d) => [d.day, Number(d.n)]),
      );
    } finally {
      await testDb.prisma.workspace.update({
        where: { id: workspaceId },
        data: { timeZone: "Asia/Kolkata" },
      });
      await rebuildRollupsFromLogs(testDb.prisma, workspaceId);
    }
  });

  it("filters by key, model and prompt version", async () => {
    const from = new Date(now.getTime() - 7 * DAY);
    const overview = await usageOverview(testDb.prisma, {
      workspaceId,
      timeZone: "Asia/Kolkata",
      from,
      to: now,
      groupBy: "prompt",
      keyIds: ["key_b"],
      models: ["gpt-4o", "m5"],
      promptVersionIds: ["pv_2"],
    });
    const hourStart = new Date(Math.floor(from.getTime() / 3_600_000) * 3_600_000);
    const raw = await rawTotals(
      hourStart,
      now,
      "AND key_id = 'key_b' AND model IN ('gpt-4o', 'm5') AND prompt_version_id = 'pv_2'",
    );
    expect(raw.requests).toBeGreaterThan(0);
    expect(overview.totals.requests).toBe(raw.requests);
    expect(overview.totals.costNanoUsd).toBe(raw.cost);
    expect(overview.groups.map((g) => g.id)).toEqual(["pv_2"]);
    expect(overview.topKeys.map((k) => k.id)).toEqual(["key_b"]);
  });

  it("never counts another workspace's usage", async () => {
    const overview = await usageOverview(testDb.prisma, {
      workspaceId: otherWorkspaceId,
      timeZone: "UTC",
      from: new Date(now.getTime() - 90 * DAY),
      to: new Date(now.getTime() + 1),
      groupBy: "key",
    });
    expect(overview.totals.requests).toBe(500);
    expect(overview.topKeys.map((k) => k.id)).toEqual(["other_key"]);
  });
});

describe("request log", () => {
  it("pages newest first through every matching row exactly once", async () => {
    const filters = { keyIds: ["key_a"], status: "error" as const };
    const seen: string[] = [];
    let cursor: string | null = null;
    let previous: { ts: Date; id: string } | null = null;
    do {
      const page = await listRequestLogs(testDb.prisma, {
        workspaceId,
        filters,
        cursor: cursor ? decodeCursor(cursor) : null,
        limit: 37,
      });
      for (const item of page.items) {
        expect(item.keyId).toBe("key_a");
        expect(item.status).toBeGreaterThanOrEqual(400);
        if (previous) {
          const older =
            item.ts.getTime() < previous.ts.getTime() ||
            (item.ts.getTime() === previous.ts.getTime() && item.id < previous.id);
          expect(older).toBe(true);
        }
        previous = item;
        seen.push(item.id);
      }
      cursor = page.nextCursor;
    } while (cursor);
    const expected = await testDb.prisma.requestLog.count({
      where: { workspaceId, keyId: "key_a", status: { gte: 400 } },
    });
    expect(seen.length).toBe(expected);
    expect(new Set(seen).size).toBe(expected);
  });

  it("filters by minimum cost and latency", async () => {
    const page = await listRequestLogs(testDb.prisma, {
      workspaceId,
      filters: { minCostNanoUsd: 3_000_000n, minLatencyMs: 3_000 },
      limit: 200,
    });
    expect(page.items.length).toBeGreaterThan(0);
    for (const item of page.items) {
      expect(item.costNanoUsd >= 3_000_000n).toBe(true);
      expect(item.latencyMs).toBeGreaterThanOrEqual(3_000);
    }
  });

  it("rejects cursors it did not make", () => {
    expect(decodeCursor("garbage")).toBeNull();
  });
});

describe("spend and exports", () => {
  it("sums today's, this month's and lifetime spend per key from the daily rollups", async () => {
    const spend = await spendByKey(testDb.prisma, { workspaceId, timeZone: "Asia/Kolkata" });
    const lifetime = await rawTotals(new Date(0), new Date(now.getTime() + DAY));
    expect(spend.workspace.lifetimeNanoUsd).toBe(lifetime.cost);
    expect(spend.workspace.lifetimeRequests).toBe(lifetime.requests);
    const perKey = [...spend.keys.values()].reduce((sum, s) => sum + s.todayNanoUsd, 0n);
    expect(perKey).toBe(spend.workspace.todayNanoUsd);
    const today = localDate(now, "Asia/Kolkata");
    const rows = await testDb.prisma.$queryRaw<Array<{ cost: bigint }>>`
      SELECT COALESCE(sum(cost_nano_usd), 0)::int8 AS cost FROM request_logs
      WHERE workspace_id = ${workspaceId} AND key_id = 'key_c'
        AND (ts AT TIME ZONE 'Asia/Kolkata')::date = ${today}::date`;
    expect(spend.keys.get("key_c")!.todayNanoUsd).toBe(BigInt(rows[0]!.cost));
  });

  it("exports rollup rows grouped as asked", async () => {
    const fromDay = localDate(new Date(now.getTime() - 10 * DAY), "Asia/Kolkata");
    const toDay = localDate(now, "Asia/Kolkata");
    const full = await usageExportRows(testDb.prisma, {
      workspaceId,
      fromDay,
      toDay,
      groupBy: ["day", "key", "model", "prompt"],
    });
    const byKey = await usageExportRows(testDb.prisma, {
      workspaceId,
      fromDay,
      toDay,
      groupBy: ["key"],
    });
    expect(byKey.map((r) => r.keyId)).toEqual(keys);
    expect(byKey.every((r) => r.day === null && r.model === null)).toBe(true);
    const sum = (rows: typeof full) => rows.reduce((s, r) => s + r.costNanoUsd, 0n);
    expect(sum(byKey)).toBe(sum(full));
    expect(full[0]!.day).toBe(fromDay);
  });
});
