import { insertSyntheticRequestLogs, rebuildRollupsFromLogs } from "@gatehouse/db/usage";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import {
  JobName,
  QUEUE_PREFIX,
  QueueName,
  RedisKeys,
  WorkspaceSnapshotSchema,
} from "@gatehouse/shared";
import { Queue, Worker } from "bullmq";
import { TRPCError } from "@trpc/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";

/**
 * The usage, request-log and price procedures against a workspace with generated traffic:
 * what the dashboard shows must equal what the request logs say.
 */

const DAY = 86_400_000;
let testDb: TestDatabase;
let redis: Redis;
let admin: Awaited<ReturnType<typeof createUser>>;
let workspaceId: string;
const keyIds: string[] = [];
let promptId: string;
let versionIds: string[] = [];

function caller() {
  return createCaller(
    createInnerContext({
      db: testDb.prisma,
      session: sessionFor(admin),
      redis,
      keyring: createTestKeyring(),
    }),
  );
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-usage");
  redis = new Redis(testRedisUrl(3));
  admin = await createUser(testDb.prisma, "Admin");
  workspaceId = (
    await createWorkspace(testDb.prisma, "Usage", [{ userId: admin.id, role: "admin" }])
  ).id;
  await testDb.prisma.workspace.update({
    where: { id: workspaceId },
    data: { budgetAmountNanoUsd: 1_000_000_000_000n, budgetPeriod: "monthly" },
  });
  for (const name of ["Backend", "Batch jobs"]) {
    const created = await caller().key.create({
      workspaceId,
      name,
      ...(name === "Backend" ? { budgetUsd: "5", budgetPeriod: "daily" as const } : {}),
    });
    keyIds.push(created.key.id);
  }
  const prompt = await testDb.prisma.prompt.create({
    data: { workspaceId, slug: "support-reply", name: "Support reply" },
  });
  promptId = prompt.id;
  versionIds = [];
  for (const version of [1, 2]) {
    const row = await testDb.prisma.promptVersion.create({
      data: { promptId, workspaceId, version, messages: [], variables: [] },
    });
    versionIds.push(row.id);
  }
  await insertSyntheticRequestLogs(testDb.prisma, {
    workspaceId,
    keyIds,
    models: ["gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5"],
    promptVersionIds: versionIds,
    count: 3_000,
    idPrefix: "req_",
    from: new Date(Date.now() - 20 * DAY),
    to: new Date(),
  });
  await rebuildRollupsFromLogs(testDb.prisma, workspaceId);
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

async function logTotals(where: string) {
  const rows = await testDb.prisma.$queryRawUnsafe<Array<{ n: bigint; cost: bigint }>>(
    `SELECT count(*)::int8 AS n, COALESCE(sum(cost_nano_usd), 0)::int8 AS cost FROM request_logs
     WHERE workspace_id = $1 ${where}`,
    workspaceId,
  );
  return { requests: Number(rows[0]!.n), cost: BigInt(rows[0]!.cost) };
}

describe("usage overview", () => {
  it("shows every request of the last 30 days, grouped by key with the keys' names", async () => {
    const overview = await caller().usage.overview({
      workspaceId,
      range: { kind: "preset", preset: "30d" },
      groupBy: "key",
    });
    const raw = await logTotals("");
    expect(overview.totals.requests).toBe(raw.requests);
    expect(overview.totals.costNanoUsd).toBe(raw.cost);
    expect(overview.groups.map((g) => g.label).sort()).toEqual(["Backend", "Batch jobs"]);
    expect(overview.topKeys.map((k) => k.label).sort()).toEqual(["Backend", "Batch jobs"]);
    expect(overview.series).toHaveLength(31);
  });

  it("filters by prompt (all its versions) and names versions when grouping by prompt", async () => {
    const overview = await caller().usage.overview({
      workspaceId,
      range: { kind: "preset", preset: "30d" },
      groupBy: "prompt",
      promptIds: [promptId],
    });
    const raw = await logTotals("AND prompt_version_id IS NOT NULL");
    expect(raw.requests).toBeGreaterThan(0);
    expect(overview.totals.requests).toBe(raw.requests);
    expect(overview.groups.map((g) => g.label).sort()).toEqual([
      "support-reply v1",
      "support-reply v2",
    ]);
    const v2 = await caller().usage.overview({
      workspaceId,
      range: { kind: "preset", preset: "30d" },
      groupBy: "model",
      promptVersionIds: [versionIds[1]!],
      models: ["gpt-4o"],
    });
    const rawV2 = await logTotals(
      `AND prompt_version_id = '${versionIds[1]}' AND model = 'gpt-4o'`,
    );
    expect(v2.totals.requests).toBe(rawV2.requests);
    expect(v2.groups.map((g) => g.label)).toEqual(["gpt-4o"]);
  });

  it("takes custom ranges as whole days and refuses a reversed one", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const weekAgo = new Date(Date.now() - 6 * DAY).toISOString().slice(0, 10);
    const overview = await caller().usage.overview({
      workspaceId,
      range: { kind: "custom", fromDay: weekAgo, toDay: today },
    });
    expect(overview.series[0]!.bucket).toBe(weekAgo);
    expect(overview.series.at(-1)!.bucket).toBe(today);
    expect(
      await code(
        caller().usage.overview({
          workspaceId,
          range: { kind: "custom", fromDay: today, toDay: weekAgo },
        }),
      ),
    ).toBe("BAD_REQUEST");
  });

  it("offers the keys, models and prompt versions in use as filters", async () => {
    const options = await caller().usage.filterOptions({ workspaceId });
    expect(options.hasTraffic).toBe(true);
    expect(options.models).toEqual(["claude-sonnet-4-5", "gpt-4o", "gpt-4o-mini"]);
    expect(options.keys.map((k) => k.name)).toEqual(["Backend", "Batch jobs"]);
    expect(options.prompts).toEqual([
      {
        id: promptId,
        slug: "support-reply",
        versions: [
          { id: versionIds[1], version: 2 },
          { id: versionIds[0], version: 1 },
        ],
      },
    ]);
  });

  it("shows budget progress for the workspace and each key with a budget", async () => {
    const budgets = await caller().usage.budgets({ workspaceId });
    const month = await testDb.prisma.$queryRaw<Array<{ cost: bigint }>>`
      SELECT COALESCE(sum(cost_nano_usd), 0)::int8 AS cost FROM request_logs
      WHERE workspace_id = ${workspaceId} AND ts >= date_trunc('month', now(), 'UTC')`;
    expect(budgets.workspace).toMatchObject({
      period: "monthly",
      budgetNanoUsd: 1_000_000_000_000n,
      spentNanoUsd: BigInt(month[0]!.cost),
    });
    const today = await testDb.prisma.$queryRaw<Array<{ cost: bigint }>>`
      SELECT COALESCE(sum(cost_nano_usd), 0)::int8 AS cost FROM request_logs
      WHERE workspace_id = ${workspaceId} AND key_id = ${keyIds[0]}
        AND ts >= date_trunc('day', now(), 'UTC')`;
    expect(budgets.keys).toEqual([
      expect.objectContaining({
        keyId: keyIds[0],
        name: "Backend",
        period: "daily",
        budgetNanoUsd: 5_000_000_000n,
        spentNanoUsd: BigInt(today[0]!.cost),
      }),
    ]);
  });
});

describe("request log", () => {
  it("lists newest first with key names and pages with a cursor", async () => {
    const first = await caller().requests.list({ workspaceId, limit: 10 });
    expect(first.items).toHaveLength(10);
    expect(first.items[0]!.keyName).toMatch(/Backend|Batch jobs/);
    const second = await caller().requests.list({
      workspaceId,
      limit: 10,
      cursor: first.nextCursor,
    });
    expect(second.items[0]!.ts.getTime()).toBeLessThanOrEqual(first.items[9]!.ts.getTime());
    expect(second.items.map((i) => i.id)).not.toContain(first.items[9]!.id);
    expect(await code(caller().requests.list({ workspaceId, cursor: "nonsense" }))).toBe(
      "BAD_REQUEST",
    );
  });

  it("filters by status code, minimum cost and latency", async () => {
    const page = await caller().requests.list({
      workspaceId,
      filters: { keyIds: [], models: [], status: "429", minCostUsd: "0.0001", minLatencyMs: 50 },
      limit: 200,
    });
    expect(page.items.length).toBeGreaterThan(0);
    for (const item of page.items) {
      expect(item.status).toBe(429);
      expect(item.costNanoUsd >= 100_000n).toBe(true);
      expect(item.latencyMs).toBeGreaterThanOrEqual(50);
    }
  });

  it("shows a request's details, attempts and payload when one was logged", async () => {
    await testDb.prisma.requestLog.update({
      where: { id: "req_1" },
      data: {
        attempts: [
          {
            deploymentId: "dep_a",
            credentialId: "cred_a",
            provider: "openai",
            upstreamModel: "gpt-4o",
            status: 503,
            errorType: "upstream_error",
            startedAt: new Date().toISOString(),
            latencyMs: 120,
          },
        ],
        payload: { create: { request: '{"messages":[]}', response: '{"choices":[]}' } },
        inputTokens: 3_100,
        cachedInputTokens: 100,
        cacheWrite5mTokens: 1_000,
        cacheWrite1hTokens: 2_000,
        outputTokens: 50,
        reasoningTokens: 20,
      },
    });
    const detail = await caller().requests.byId({ workspaceId, requestId: "req_1" });
    // the counters an invoice bills apart reach the detail panel
    expect(detail).toMatchObject({
      inputTokens: 3_100,
      cachedInputTokens: 100,
      cacheWrite5mTokens: 1_000,
      cacheWrite1hTokens: 2_000,
      outputTokens: 50,
      reasoningTokens: 20,
    });
    expect(detail.attempts).toHaveLength(1);
    expect(detail.attempts[0]).toMatchObject({ status: 503, errorType: "upstream_error" });
    expect(detail.payload).toEqual({ request: '{"messages":[]}', response: '{"choices":[]}' });
    expect(detail.key?.name).toMatch(/Backend|Batch jobs/);
    expect(await code(caller().requests.byId({ workspaceId, requestId: "nope" }))).toBe(
      "NOT_FOUND",
    );
  });
});

describe("prices", () => {
  it("lists built-in prices, and an override replaces one, is audited and reaches the proxy", async () => {
    const before = await caller().prices.list({ workspaceId });
    const builtin = before.find((p) => p.model === "gpt-4o-mini");
    expect(builtin?.override).toBeNull();
    expect(builtin?.effective.inputMicroUsdPerMTok).toBeGreaterThan(0);

    await caller().prices.upsertOverride({
      workspaceId,
      model: "gpt-4o-mini",
      inputUsdPerMTok: "0.125",
      outputUsdPerMTok: "0.5",
      cachedInputUsdPerMTok: "",
    });
    const after = (await caller().prices.list({ workspaceId })).find(
      (p) => p.model === "gpt-4o-mini",
    );
    expect(after?.effective).toEqual({
      inputMicroUsdPerMTok: 125_000,
      outputMicroUsdPerMTok: 500_000,
      cachedInputMicroUsdPerMTok: null,
    });
    expect(after?.builtin).toEqual(builtin?.builtin);

    const snapshot = WorkspaceSnapshotSchema.parse(
      JSON.parse((await redis.get(RedisKeys.workspaceSnapshot(workspaceId)))!),
    );
    expect(snapshot.priceOverrides).toEqual([
      {
        model: "gpt-4o-mini",
        inputMicroUsdPerMTok: 125_000,
        outputMicroUsdPerMTok: 500_000,
        cachedInputMicroUsdPerMTok: null,
      },
    ]);

    await caller().prices.deleteOverride({ workspaceId, model: "gpt-4o-mini" });
    const cleared = WorkspaceSnapshotSchema.parse(
      JSON.parse((await redis.get(RedisKeys.workspaceSnapshot(workspaceId)))!),
    );
    expect(cleared.priceOverrides).toEqual([]);
    expect(await code(caller().prices.deleteOverride({ workspaceId, model: "gpt-4o-mini" }))).toBe(
      "NOT_FOUND",
    );
    const audit = await testDb.prisma.auditLog.findMany({
      where: { workspaceId, targetType: "price_override" },
      orderBy: { createdAt: "asc" },
    });
    expect(audit.map((a) => a.action)).toEqual(["price_override.create", "price_override.delete"]);
  });

  it("refuses prices that are not dollar amounts", async () => {
    expect(
      await code(
        caller().prices.upsertOverride({
          workspaceId,
          model: "gpt-4o",
          inputUsdPerMTok: "-1",
          outputUsdPerMTok: "1e3",
        }),
      ),
    ).toBe("BAD_REQUEST");
  });
});

describe("dead letters", () => {
  it("lists this workspace's failed usage batches and retries one, audited", async () => {
    const other = await createWorkspace(testDb.prisma, "Other", [
      { userId: (await createUser(testDb.prisma, "OtherAdmin")).id, role: "owner" },
    ]);
    const connection = new Redis(testRedisUrl(3), { maxRetriesPerRequest: null });
    const queue = new Queue(QueueName.usage, { connection, prefix: QUEUE_PREFIX });
    const job = await queue.add(
      JobName.usageBatch,
      { events: [{ workspaceId }, { workspaceId: other.id }] },
      { attempts: 1, removeOnFail: false },
    );
    // a consumer that fails every attempt, like the worker while PostgreSQL is down
    const failed = new Promise<void>((resolve) => {
      const worker = new Worker(
        QueueName.usage,
        async () => {
          throw new Error("connect ECONNREFUSED 127.0.0.1:5432");
        },
        { connection, prefix: QUEUE_PREFIX, autorun: true },
      );
      worker.on("failed", (failedJob) => {
        if (failedJob?.id === job.id) void worker.close().then(resolve);
      });
    });
    await failed;
    try {
      const letters = await caller().usage.deadLetters({ workspaceId });
      const letter = letters.find((l) => l.jobId === job.id);
      expect(letter).toMatchObject({
        eventCount: 2,
        attemptsMade: 1,
        failedReason: "connect ECONNREFUSED 127.0.0.1:5432",
      });
      // a mixed batch never names the other workspace
      expect(JSON.stringify(letters)).not.toContain(other.id);

      expect(
        await code(caller().usage.retryDeadLetter({ workspaceId, jobId: "no-such-job" })),
      ).toBe("NOT_FOUND");
      await caller().usage.retryDeadLetter({ workspaceId, jobId: job.id! });
      expect(await (await queue.getJob(job.id!))?.getState()).toBe("waiting");
      expect((await caller().usage.deadLetters({ workspaceId })).map((l) => l.jobId)).not.toContain(
        job.id,
      );
      const audit = await testDb.prisma.auditLog.findFirst({
        where: { workspaceId, action: "usage_batch.retry" },
      });
      expect(audit?.targetId).toBe(job.id);
    } finally {
      await (await queue.getJob(job.id!))?.remove();
      await queue.close();
      connection.disconnect();
    }
  });
});
