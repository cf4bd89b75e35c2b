import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createTestDatabase, testRedisUrl } from "@gatehouse/db/testing";
import { QUEUE_PREFIX, QueueName, type UsageEvent } from "@gatehouse/shared";
import { ingestUsageBatch } from "../usage/ingest";
import { createWorkspaceWithKey, usageEvent } from "../usage/test-fixtures";
import { counterValue, createWorkerMetrics } from "../metrics";
import { RETENTION_SCHEDULER_ID, startRetentionConsumer } from "../consumers/retention";
import { deleteExpiredRequestLogs } from "./retention";

const DAY = 86_400_000;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let a: { workspaceId: string; keyId: string };
let b: { workspaceId: string; keyId: string };

const ago = (days: number) => new Date(Date.now() - days * DAY).toISOString();

/** n events of `owner`, `days` old, with payloads (as when payload logging is on) */
const events = (owner: typeof a, days: number, n: number): UsageEvent[] =>
  Array.from({ length: n }, () =>
    usageEvent(owner, { ts: ago(days), payload: { request: "{}", response: "ok" } }),
  );

async function counts(owner: typeof a) {
  const { rows } = await pool.query<{
    logs: number;
    payloads: number;
    old: number;
    rollup: number;
  }>(
    `SELECT (SELECT count(*)::int FROM request_logs WHERE workspace_id = $1) AS logs,
            (SELECT count(*)::int FROM request_payloads p JOIN request_logs l ON l.id = p.request_id
              WHERE l.workspace_id = $1) AS payloads,
            (SELECT count(*)::int FROM request_logs WHERE workspace_id = $1
              AND ts < now() - interval '9 days') AS old,
            (SELECT sum(requests)::int FROM usage_daily WHERE workspace_id = $1) AS rollup`,
    [owner.workspaceId],
  );
  return rows[0]!;
}

const orphanPayloads = async () =>
  (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM request_payloads p
        WHERE NOT EXISTS (SELECT 1 FROM request_logs l WHERE l.id = p.request_id)`,
    )
  ).rows[0]!.n;

async function seed() {
  await pool.query("DELETE FROM request_logs");
  // A keeps 30 days (the default), B keeps 7
  await ingestUsageBatch(pool, [...events(a, 45, 12), ...events(a, 10, 4), ...events(a, 1, 3)]);
  await ingestUsageBatch(pool, [...events(b, 45, 5), ...events(b, 10, 6), ...events(b, 1, 2)]);
}

beforeAll(async () => {
  db = await createTestDatabase("worker_retention");
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  a = await createWorkspaceWithKey(db.prisma, "KeepsMonth");
  b = await createWorkspaceWithKey(db.prisma, "KeepsWeek");
  await db.prisma.workspace.update({ where: { id: b.workspaceId }, data: { retentionDays: 7 } });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("retention", () => {
  it("deletes logs and payloads older than each workspace's retention, in small batches", async () => {
    await seed();
    expect(await counts(a)).toMatchObject({ logs: 19, payloads: 19 });
    const rollupsBefore = [(await counts(a)).rollup, (await counts(b)).rollup];

    const result = await deleteExpiredRequestLogs(pool, { batchSize: 5 });
    // A: 12 rows older than 30 days (3 statements: 5 + 5 + 2); B: 11 older than 7 days (5 + 5 + 1)
    expect(result).toEqual({ workspaces: 2, deleted: 23, statements: 6 });
    expect(await counts(a)).toMatchObject({ logs: 7, payloads: 7, old: 4 });
    expect(await counts(b)).toMatchObject({ logs: 2, payloads: 2, old: 0 });
    expect(await orphanPayloads()).toBe(0);
    // rollups (what the charts read) are kept
    expect([(await counts(a)).rollup, (await counts(b)).rollup]).toEqual(rollupsBefore);

    // nothing left to do
    expect(await deleteExpiredRequestLogs(pool, { batchSize: 5 })).toEqual({
      workspaces: 2,
      deleted: 0,
      statements: 2,
    });
  });

  it("limits a pass to one workspace when the job names one", async () => {
    await seed();
    const result = await deleteExpiredRequestLogs(pool, {
      workspaceId: b.workspaceId,
      batchSize: 5_000,
    });
    expect(result).toEqual({ workspaces: 1, deleted: 11, statements: 1 });
    expect(await counts(a)).toMatchObject({ logs: 19 });
  });

  it("never blocks ingestion or reads while it deletes (row locks only)", async () => {
    await seed();
    // an open transaction holding one expired row makes a DELETE statement wait mid-pass,
    // still holding the locks it took
    const holder = await pool.connect();
    let pass: Promise<{ deleted: number }> | null = null;
    try {
      await holder.query("BEGIN");
      await holder.query(
        `SELECT id FROM request_logs WHERE workspace_id = $1 AND ts < now() - interval '30 days'
          ORDER BY id LIMIT 1 FOR UPDATE`,
        [a.workspaceId],
      );
      pass = deleteExpiredRequestLogs(pool, { batchSize: 5 });
      for (let i = 0; ; i++) {
        const { rows } = await pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock'
              AND query LIKE '%DELETE FROM request_logs%'`,
        );
        if (rows[0]!.n === 1) break;
        if (i > 200) throw new Error("the retention statement never waited on the held row");
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      // meanwhile ingestion and dashboard reads of the same table go on
      expect((await ingestUsageBatch(pool, events(a, 0, 3))).inserted).toBe(3);
      const { rows: recent } = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM request_logs
          WHERE workspace_id = $1 AND ts > now() - interval '2 days'`,
        [a.workspaceId],
      );
      expect(recent[0]!.n).toBe(6);
    } finally {
      await holder.query("ROLLBACK");
      holder.release();
    }
    expect((await pass!).deleted).toBe(23);
    expect(await counts(a)).toMatchObject({ logs: 10, old: 4 });
  });

  it("runs as a scheduled BullMQ job of the retention consumer", async () => {
    await seed();
    const connection = new Redis(testRedisUrl(4), { maxRetriesPerRequest: null });
    await connection.flushdb();
    const metrics = createWorkerMetrics();
    const consumer = startRetentionConsumer({
      connection,
      pool,
      everyMs: 60_000,
      batchSize: 4,
      metrics,
    });
    const queue = new Queue(QueueName.maintenance, { connection, prefix: QUEUE_PREFIX });
    try {
      await consumer.scheduled;
      for (let i = 0; (await counterValue(metrics.retentionRuns)) < 1; i++) {
        if (i > 200) throw new Error("the scheduled retention pass never ran");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(await counterValue(metrics.retentionDeletedLogs)).toBe(23);
      expect(await counts(a)).toMatchObject({ logs: 7 });
      expect(await counts(b)).toMatchObject({ logs: 2 });
      const schedulers = await queue.getJobSchedulers();
      expect(schedulers.map((s) => [s.key, s.every])).toEqual([[RETENTION_SCHEDULER_ID, 60_000]]);
    } finally {
      await consumer.close();
      await queue.close();
      await connection.quit();
    }
  });
});
