import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { createTestDatabase, testRedisUrl } from "@gatehouse/db/testing";
import {
  JobName,
  QUEUE_PREFIX,
  QueueName,
  USAGE_BATCH_JOB_OPTIONS,
  type UsageEvent,
} from "@gatehouse/shared";
import { createWorkspaceWithKey, usageEvent } from "./test-fixtures";

/**
 * Kills the real worker process (SIGKILL, no graceful shutdown) while two batches are in flight,
 * restarts it and checks that every event is counted exactly once. To make "mid-batch"
 * deterministic, the test holds a row lock on the virtual key: the worker's ingest statements
 * block inside Postgres (request logs inserted, not yet committed) until the lock is released.
 * After the kill, one of the two orphaned statements is terminated (it rolls back, like a
 * Postgres restart) and the other is let through (it commits, but its job is never acked:
 * the crash-between-commit-and-ack case). BullMQ's stalled-job check then re-runs both batches
 * in the restarted worker.
 */

const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const BATCHES = 20;
const PER_BATCH = 50;
const N = BATCHES * PER_BATCH;
const FIRST = 5; // batches ingested before the crash
const CONCURRENCY = 2;
const STALLED_MS = 1_000;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let redis: Redis;
let queue: Queue;
let workspaceId: string;
let keyId: string;
const children = new Set<ChildProcess>();

function event(i: number): UsageEvent {
  const failed = i % 17 === 0;
  return usageEvent(
    { workspaceId, keyId },
    {
      ts: new Date(Date.UTC(2026, 10, 20, 10, 0, 0) + i * 1_000).toISOString(),
      model: i % 2 === 0 ? "gpt-4o-mini" : "gpt-4o",
      inputTokens: 100 + i,
      outputTokens: failed ? 0 : 20 + (i % 7),
      cachedInputTokens: 0,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
      costNanoUsd: failed ? 0 : 27_001 + i * 13,
      status: failed ? 502 : 200,
      errorType: failed ? "upstream_error" : null,
      streamed: i % 3 === 0,
      latencyMs: 100 + (i % 50),
      ttfbMs: failed ? null : 40,
    },
  );
}

function startWorker(): ChildProcess {
  // the worker's source through tsx, so the test never runs a stale dist/ bundle
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: WORKER_DIR,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      REDIS_URL: testRedisUrl(4),
      GATEHOUSE_WORKER_HOST: "127.0.0.1",
      GATEHOUSE_WORKER_PORT: "0",
      GATEHOUSE_WORKER_CONCURRENCY: String(CONCURRENCY),
      GATEHOUSE_WORKER_CONSUMERS: "usage",
      GATEHOUSE_WORKER_STALLED_INTERVAL_MS: String(STALLED_MS),
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once("exit", () => resolve()));
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > until)
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const logCount = async () =>
  (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM request_logs")).rows[0]!.n;

/** The worker's ingest statements that are waiting on a lock. */
const blockedIngests = async () =>
  (
    await pool.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND state = 'active' AND wait_event_type = 'Lock'
          AND query LIKE '%INSERT INTO request_logs%'
        ORDER BY pid`,
    )
  ).rows.map((row) => row.pid);

const runningIngests = async () =>
  (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND state = 'active' AND query LIKE '%INSERT INTO request_logs%'`,
    )
  ).rows[0]!.n;

beforeAll(async () => {
  db = await createTestDatabase("worker_crash");
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  ({ workspaceId, keyId } = await createWorkspaceWithKey(db.prisma, "Crash"));
  redis = new Redis(testRedisUrl(4), { maxRetriesPerRequest: null });
  await redis.flushdb();
  queue = new Queue(QueueName.usage, { connection: redis, prefix: QUEUE_PREFIX });
});

afterAll(async () => {
  for (const child of children) {
    child.kill("SIGKILL");
    await exited(child);
  }
  await queue?.close();
  await redis?.quit();
  await pool?.end();
  await db?.drop();
});

describe("worker crash", () => {
  it("SIGKILL mid-batch and restart: every event counted exactly once", async () => {
    const batches = Array.from({ length: BATCHES }, (_, b) =>
      Array.from({ length: PER_BATCH }, (_, i) => event(b * PER_BATCH + i)),
    );
    const events = batches.flat();
    const expectedCost = events.reduce((sum, e) => sum + BigInt(e.costNanoUsd), 0n);
    const expectedErrors = events.filter((e) => e.status >= 400).length;
    // the proxy's job options (the queue contract's)
    const opts = { ...USAGE_BATCH_JOB_OPTIONS, backoff: { ...USAGE_BATCH_JOB_OPTIONS.backoff } };
    const enqueue = (list: UsageEvent[][]) =>
      queue.addBulk(
        list.map((batch) => ({ name: JobName.usageBatch, data: { events: batch }, opts })),
      );

    // 1. the first batches go through a running worker
    await enqueue(batches.slice(0, FIRST));
    const first = startWorker();
    await waitFor("the first batches", logCount, (n) => n === FIRST * PER_BATCH);

    // 2. block ingestion inside Postgres, enqueue the rest, wait until both slots are stuck
    const locker = await pool.connect();
    try {
      await locker.query("BEGIN");
      await locker.query("SELECT 1 FROM virtual_keys WHERE id = $1 FOR UPDATE", [keyId]);
      await enqueue(batches.slice(FIRST));
      const blocked = await waitFor(
        "blocked ingests",
        blockedIngests,
        (pids) => pids.length === CONCURRENCY,
      );

      // 3. crash: no graceful shutdown, the two jobs stay active with their locks
      first.kill("SIGKILL");
      await exited(first);
      expect(await queue.getActiveCount()).toBe(CONCURRENCY);

      // 4. one orphaned statement rolls back, the other commits without anyone to ack its job
      await pool.query("SELECT pg_terminate_backend($1)", [blocked[0]]);
      await locker.query("ROLLBACK");
    } finally {
      locker.release();
    }
    await waitFor("the orphaned statement", runningIngests, (n) => n === 0);
    expect(await logCount()).toBe((FIRST + 1) * PER_BATCH);

    // 5. restart: the stalled check hands both in-flight batches back, then the rest run
    startWorker();
    const counts = await waitFor(
      "the queue to drain",
      () => queue.getJobCounts("waiting", "active", "delayed", "failed", "completed"),
      (c) => c.completed === BATCHES || c.failed! > 0,
      40_000,
    );
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: BATCHES });

    // exactly N: nothing lost, nothing counted twice
    expect(await logCount()).toBe(N);
    const { rows } = await pool.query(
      `SELECT sum(requests)::int AS requests, sum(errors)::int AS errors,
              sum(cost_nano_usd)::text AS cost FROM usage_daily WHERE workspace_id = $1`,
      [workspaceId],
    );
    expect(rows[0]).toEqual({ requests: N, errors: expectedErrors, cost: String(expectedCost) });
    const { rows: hourly } = await pool.query(
      `SELECT sum(requests)::int AS requests, sum(cost_nano_usd)::text AS cost
         FROM usage_hourly WHERE workspace_id = $1`,
      [workspaceId],
    );
    expect(hourly[0]).toEqual({ requests: N, cost: String(expectedCost) });
    // the re-runs of the two in-flight batches were recorded as jobs with no new events
    const completed = await queue.getCompleted(0, BATCHES);
    const results = completed.map(
      (job) => job.returnvalue as { received: number; inserted: number },
    );
    expect(results.reduce((sum, r) => sum + r.inserted, 0)).toBe(N - PER_BATCH);
    expect(results.filter((r) => r.inserted === 0)).toHaveLength(1);
  }, 60_000);
});
