import { insertSyntheticRequestLogs, rebuildRollupsFromLogs } from "@gatehouse/db/usage";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "./root";
import { createInnerContext } from "./trpc";
import { keySpendForBearer, usageCsv, usd, workspaceKeySpend } from "./usage-http";

/**
 * The CSV export and the spend APIs: exact figures from the rollups, and nothing of another
 * workspace, whoever asks.
 */

const DAY = 86_400_000;
let testDb: TestDatabase;
let redis: Redis;
type User = Awaited<ReturnType<typeof createUser>>;
let owner: User;
let viewer: User;
let outsider: User;
let workspaceId: string;
let otherWorkspaceId: string;
const keys: Array<{ id: string; secret: string }> = [];
let otherKey: { id: string; secret: string };

function callerFor(user: User) {
  return createCaller(
    createInnerContext({
      db: testDb.prisma,
      session: sessionFor(user),
      redis,
      keyring: createTestKeyring(),
    }),
  );
}

async function sql<T>(query: string, ...args: unknown[]): Promise<T[]> {
  return testDb.prisma.$queryRawUnsafe<T[]>(query, ...args);
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-usage-http");
  redis = new Redis(testRedisUrl(3));
  owner = await createUser(testDb.prisma, "Owner");
  viewer = await createUser(testDb.prisma, "Viewer");
  outsider = await createUser(testDb.prisma, "Outsider");
  workspaceId = (
    await createWorkspace(testDb.prisma, "Finance", [
      { userId: owner.id, role: "owner" },
      { userId: viewer.id, role: "viewer" },
    ])
  ).id;
  otherWorkspaceId = (
    await createWorkspace(testDb.prisma, "Elsewhere", [{ userId: outsider.id, role: "owner" }])
  ).id;
  for (const [name, budget] of [
    ["Web, app", { budgetUsd: "10", budgetPeriod: "monthly" as const }],
    ["=cron", {}],
  ] as const) {
    const created = await callerFor(owner).key.create({ workspaceId, name, ...budget });
    keys.push({ id: created.key.id, secret: created.secret });
  }
  const created = await callerFor(outsider).key.create({
    workspaceId: otherWorkspaceId,
    name: "Theirs",
  });
  otherKey = { id: created.key.id, secret: created.secret };
  await insertSyntheticRequestLogs(testDb.prisma, {
    workspaceId,
    keyIds: keys.map((k) => k.id),
    models: ["gpt-4o", "gpt-4o-mini"],
    count: 2_000,
    idPrefix: "f_",
    from: new Date(Date.now() - 10 * DAY),
    to: new Date(),
  });
  await insertSyntheticRequestLogs(testDb.prisma, {
    workspaceId: otherWorkspaceId,
    keyIds: [otherKey.id],
    models: ["secret-model-of-elsewhere"],
    count: 300,
    idPrefix: "e_",
    from: new Date(Date.now() - 10 * DAY),
    to: new Date(),
  });
  await rebuildRollupsFromLogs(testDb.prisma, workspaceId);
  await rebuildRollupsFromLogs(testDb.prisma, otherWorkspaceId);
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

function parseCsv(text: string): string[][] {
  // enough for our output: quoted cells never contain line breaks
  return text
    .trimEnd()
    .split("\r\n")
    .map((line) => {
      const cells: string[] = [];
      const re = /("(?:[^"]|"")*"|[^,]*)(,|$)/g;
      let m: RegExpExecArray | null;
      while ((m = re.exec(line)) && m[0] !== "") {
        const cell = m[1]!;
        cells.push(cell.startsWith('"') ? cell.slice(1, -1).replace(/""/g, '"') : cell);
        if (m[2] === "") break;
      }
      return cells;
    });
}

describe("usage.csv", () => {
  it("exports every rollup row with exact dollar costs that add up to the logs", async () => {
    const from = new Date(Date.now() - 15 * DAY).toISOString().slice(0, 10);
    const to = new Date().toISOString().slice(0, 10);
    const response = await usageCsv(
      testDb.prisma,
      viewer.id,
      workspaceId,
      new URLSearchParams({ from, to }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(response.headers.get("content-disposition")).toContain(`-${from}-${to}.csv`);
    const [header, ...rows] = parseCsv(await response.text());
    expect(header).toEqual([
      "date",
      "key_id",
      "key_name",
      "model",
      "prompt_version_id",
      "prompt_version",
      "requests",
      "errors",
      "input_tokens",
      "output_tokens",
      "cached_input_tokens",
      "cost_usd",
      "cache_write_5m_tokens",
      "cache_write_1h_tokens",
      "reasoning_tokens",
    ]);
    const raw = await sql<{ n: bigint; cost: bigint }>(
      `SELECT count(*)::int8 AS n, sum(cost_nano_usd)::int8 AS cost FROM request_logs WHERE workspace_id = $1`,
      workspaceId,
    );
    expect(rows.reduce((sum, r) => sum + Number(r[6]), 0)).toBe(Number(raw[0]!.n));
    // exact decimals: summing them as nano-USD integers gives the logs' sum to the nano-dollar
    const nano = rows.reduce((sum, r) => {
      const [whole, fraction = ""] = r[11]!.split(".");
      return sum + BigInt(whole!) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0"));
    }, 0n);
    expect(nano).toBe(BigInt(raw[0]!.cost));
    // cache writes by TTL and reasoning tokens add up to the logs' too
    const [logged] = await sql<{ w5m: bigint; w1h: bigint; reasoning: bigint }>(
      `SELECT sum(cache_write_5m_tokens)::int8 AS w5m, sum(cache_write_1h_tokens)::int8 AS w1h,
              sum(reasoning_tokens)::int8 AS reasoning
         FROM request_logs WHERE workspace_id = $1`,
      workspaceId,
    );
    const column = (i: number) => rows.reduce((sum, r) => sum + BigInt(r[i]!), 0n);
    expect([column(12), column(13), column(14)]).toEqual([
      BigInt(logged!.w5m),
      BigInt(logged!.w1h),
      BigInt(logged!.reasoning),
    ]);
    expect(column(12) > 0n && column(13) > 0n && column(14) > 0n).toBe(true);
    // names with commas are quoted; a name that looks like a formula is defused
    expect(rows.some((r) => r[2] === "Web, app")).toBe(true);
    expect(rows.some((r) => r[2] === "'=cron")).toBe(true);
    expect(rows.some((r) => r.includes("secret-model-of-elsewhere"))).toBe(false);
  });

  it("groups by the dimensions asked for", async () => {
    const response = await usageCsv(
      testDb.prisma,
      owner.id,
      workspaceId,
      new URLSearchParams({ groupBy: "model" }),
    );
    const [header, ...rows] = parseCsv(await response.text());
    expect(header!.slice(0, 2)).toEqual(["model", "requests"]);
    expect(rows.map((r) => r[0])).toEqual(["gpt-4o", "gpt-4o-mini"]);
  });

  it("refuses the signed-out (401), non-members (404) and bad parameters (400)", async () => {
    const params = new URLSearchParams();
    expect((await usageCsv(testDb.prisma, null, workspaceId, params)).status).toBe(401);
    expect((await usageCsv(testDb.prisma, outsider.id, workspaceId, params)).status).toBe(404);
    const bad = await usageCsv(
      testDb.prisma,
      owner.id,
      workspaceId,
      new URLSearchParams({ groupBy: "day,password" }),
    );
    expect(bad.status).toBe(400);
    const reversed = await usageCsv(
      testDb.prisma,
      owner.id,
      workspaceId,
      new URLSearchParams({ from: "2026-02-01", to: "2026-01-01" }),
    );
    expect(reversed.status).toBe(400);
  });
});

describe("GET /api/v1/spend (virtual key auth)", () => {
  it("returns the key's own spend today, this period and in total, and its budget", async () => {
    const response = await keySpendForBearer(testDb.prisma, `Bearer ${keys[0]!.secret}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    const [lifetime] = await sql<{ cost: bigint; n: bigint }>(
      `SELECT sum(cost_nano_usd)::int8 AS cost, count(*)::int8 AS n FROM request_logs
       WHERE workspace_id = $1 AND key_id = $2`,
      workspaceId,
      keys[0]!.id,
    );
    const [month] = await sql<{ cost: bigint }>(
      `SELECT COALESCE(sum(cost_nano_usd), 0)::int8 AS cost FROM request_logs
       WHERE workspace_id = $1 AND key_id = $2 AND ts >= date_trunc('month', now(), 'UTC')`,
      workspaceId,
      keys[0]!.id,
    );
    expect(body).toMatchObject({
      keyId: keys[0]!.id,
      name: "Web, app",
      spend: {
        lifetimeUsd: usd(BigInt(lifetime!.cost)),
        lifetimeRequests: Number(lifetime!.n),
        thisPeriodUsd: usd(BigInt(month!.cost)),
      },
      budget: { amountUsd: "10.00", period: "monthly" },
    });
    expect(JSON.stringify(body)).not.toContain(keys[0]!.secret);
  });

  it("answers 401 to a missing, malformed, unknown or revoked key", async () => {
    expect((await keySpendForBearer(testDb.prisma, null)).status).toBe(401);
    expect((await keySpendForBearer(testDb.prisma, "Bearer nope")).status).toBe(401);
    const unknown = `gh_${"x".repeat(keys[1]!.secret.length - 3)}`;
    expect((await keySpendForBearer(testDb.prisma, `Bearer ${unknown}`)).status).toBe(401);
    await callerFor(owner).key.revoke({ workspaceId, keyId: keys[1]!.id });
    const revoked = await keySpendForBearer(testDb.prisma, `Bearer ${keys[1]!.secret}`);
    expect(revoked.status).toBe(401);
    expect(revoked.headers.get("www-authenticate")).toBe("Bearer");
  });

  it("shows another workspace's key only its own figures", async () => {
    const body = (await (
      await keySpendForBearer(testDb.prisma, `Bearer ${otherKey.secret}`)
    ).json()) as { keyId: string; spend: { lifetimeRequests: number } };
    expect(body.keyId).toBe(otherKey.id);
    expect(body.spend.lifetimeRequests).toBe(300);
  });
});

describe("GET /api/w/:id/keys/spend", () => {
  it("lists every key of the workspace for a viewer, and nothing for others", async () => {
    const response = await workspaceKeySpend(testDb.prisma, viewer.id, workspaceId);
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      keys: Array<{ keyId: string }>;
      workspace: { lifetimeRequests: number };
    };
    expect(body.keys.map((k) => k.keyId)).toEqual(keys.map((k) => k.id));
    expect(body.workspace.lifetimeRequests).toBe(2_000);
    expect(JSON.stringify(body)).not.toContain(otherKey.id);

    expect((await workspaceKeySpend(testDb.prisma, null, workspaceId)).status).toBe(401);
    expect((await workspaceKeySpend(testDb.prisma, outsider.id, workspaceId)).status).toBe(404);
  });
});
