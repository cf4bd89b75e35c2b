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
import { createWorkspaceWithKey, usageEvent } from "../usage/test-fixtures";

/**
 * The worker's shutdown deadline against a batch stuck in PostgreSQL: another connection holds
 * a lock on request_logs, so the worker's ingest statement waits inside Postgres for as long as
 * the test wants. SIGTERM must still end the worker (the lock is held the whole time: before
 * the deadline bounded `pool.end()`, the worker waited for the lock's release), leave nothing
 * running in Postgres, and leave the batch to be redelivered: after the lock is released and a
 * worker started again, every event is recorded exactly once.
 */

const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const REDIS_URL = testRedisUrl(4);
const SHUTDOWN_TIMEOUT_MS = 2_000;
const STALLED_MS = 1_000;

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let redis: Redis;
let queue: Queue;
let owner: { workspaceId: string; keyId: string };
const children = new Set<ChildProcess>();

function startWorker(): { child: ChildProcess; output: () => string; exited: Promise<number> } {
  // the worker's source through tsx, so the test never runs a stale dist/ bundle
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: WORKER_DIR,
    env: {
      ...process.env,
      DATABASE_URL: db.url,
      REDIS_URL,
      GATEHOUSE_WORKER_HOST: "127.0.0.1",
      GATEHOUSE_WORKER_PORT: "0",
      GATEHOUSE_WORKER_CONCURRENCY: "1",
      GATEHOUSE_WORKER_CONSUMERS: "usage",
      GATEHOUSE_WORKER_STALLED_INTERVAL_MS: String(STALLED_MS),
      GATEHOUSE_WORKER_SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  children.add(child);
  const exited = new Promise<number>((resolve) =>
    child.once("exit", (code, signal) => {
      children.delete(child);
      resolve(code ?? (signal ? 128 : -1));
    }),
  );
  return { child, output: () => output, exited };
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
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

/** The worker's ingest statements still running in this database (blocked or not). */
const runningIngests = async () =>
  (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND state = 'active' AND query LIKE '%INSERT INTO request_logs%'`,
    )
  ).rows[0]!.n;

const blockedIngests = async () =>
  (
    await pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
          AND state = 'active' AND wait_event_type = 'Lock'
          AND query LIKE '%INSERT INTO request_logs%'`,
    )
  ).rows[0]!.n;

beforeAll(async () => {
  db = await createTestDatabase("worker_shutdown");
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  owner = await createWorkspaceWithKey(db.prisma, "Shutdown");
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  await redis.flushdb();
  queue = new Queue(QueueName.usage, { connection: redis, prefix: QUEUE_PREFIX });
});

afterAll(async () => {
  for (const child of children) child.kill("SIGKILL");
  await queue?.close();
  await redis?.quit();
  await pool?.end();
  await db?.drop();
});

describe("worker shutdown deadline", () => {
  it("SIGTERM with a batch stuck in PostgreSQL: exits while it is stuck, then every event lands exactly once", async () => {
    const stuck = Array.from({ length: 25 }, () => usageEvent(owner));
    const queued = Array.from({ length: 5 }, () => usageEvent(owner));
    const events: UsageEvent[] = [...stuck, ...queued];
    const expectedCost = events.reduce((sum, e) => sum + BigInt(e.costNanoUsd), 0n);

    const first = startWorker();
    await waitFor("the worker to listen", first.output, (out) => out.includes("worker listening"));

    const locker = await pool.connect();
    try {
      // inserts into request_logs wait for this lock (ROW EXCLUSIVE conflicts with EXCLUSIVE)
      await locker.query("BEGIN");
      await locker.query("LOCK TABLE request_logs IN EXCLUSIVE MODE");
      await queue.add(JobName.usageBatch, { events: stuck }, USAGE_BATCH_JOB_OPTIONS);
      // a second batch that has not started when the signal arrives
      await queue.add(JobName.usageBatch, { events: queued }, USAGE_BATCH_JOB_OPTIONS);
      await waitFor("the batch to block in PostgreSQL", blockedIngests, (n) => n === 1);

      const signalled = performance.now();
      first.child.kill("SIGTERM");
      // the lock is still held: the worker must end anyway, at its deadline (before, it waited
      // in pool.end() until the lock was released, i.e. forever here)
      const code = await Promise.race([
        first.exited,
        new Promise<string>((resolve) =>
          setTimeout(() => resolve("still running while its batch is stuck"), 30_000),
        ),
      ]);
      const tookMs = performance.now() - signalled;
      expect(code).toBe(0);
      // the batch got its part of the deadline (four fifths; the rest is kept for cancelling
      // its statement and closing connections), and the whole shutdown stayed within the
      // deadline: the margin is the signal's delivery and the process's exit, not more waiting
      expect(tookMs).toBeGreaterThanOrEqual(SHUTDOWN_TIMEOUT_MS * 0.8 - 100);
      expect(tookMs).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 1_000);
      expect(first.output()).toContain("shutdown deadline reached");
      expect(first.output()).toContain("worker stopped");
      // its statement did not linger in PostgreSQL (it was cancelled, and rolled back)
      expect(await runningIngests()).toBe(0);
      // neither acked nor failed: the stuck job is still active, the other still waiting
      expect(await queue.getJobCounts("active", "waiting", "completed", "failed")).toEqual({
        active: 1,
        waiting: 1,
        completed: 0,
        failed: 0,
      });
    } finally {
      await locker.query("ROLLBACK");
      locker.release();
    }
    expect(await logCount()).toBe(0);

    // a new worker: the stalled-job check hands the stuck batch back, then both run
    const second = startWorker();
    const counts = await waitFor(
      "the queue to drain",
      () => queue.getJobCounts("waiting", "active", "delayed", "failed", "completed"),
      (c) => c.completed === 2 || c.failed! > 0,
    );
    expect(counts).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0, completed: 2 });
    expect(await logCount()).toBe(events.length);
    const { rows } = await pool.query(
      `SELECT sum(requests)::int AS requests, sum(cost_nano_usd)::text AS cost
         FROM usage_daily WHERE workspace_id = $1`,
      [owner.workspaceId],
    );
    expect(rows[0]).toEqual({ requests: events.length, cost: String(expectedCost) });
    const { rows: hourly } = await pool.query(
      `SELECT sum(requests)::int AS requests FROM usage_hourly WHERE workspace_id = $1`,
      [owner.workspaceId],
    );
    expect(hourly[0]).toEqual({ requests: events.length });

    second.child.kill("SIGTERM");
    expect(await second.exited).toBe(0);
  }, 60_000);
});
