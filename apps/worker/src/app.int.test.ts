import { spawn, type ChildProcess } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { createTestDatabase, testRedisUrl } from "@gatehouse/db/testing";
import {
  JobName,
  MODEL_PRICES,
  QUEUE_PREFIX,
  QueueName,
  USAGE_BATCH_JOB_OPTIONS,
} from "@gatehouse/shared";
import { startWorkerApp, type WorkerApp, type WorkerEnv } from "./app";
import { createLog } from "./log";
import { counterValue, createWorkerMetrics, renderMetrics } from "./metrics";
import { createWorkspaceWithKey, usageEvent } from "./usage/test-fixtures";

const WORKER_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const REDIS_URL = testRedisUrl(4);
const silent = createLog("error");

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let redis: Redis;
let queue: Queue;
let queueEvents: QueueEvents;
let owner: { workspaceId: string; keyId: string };
const apps: WorkerApp[] = [];

function env(overrides: Partial<WorkerEnv> = {}): WorkerEnv {
  return {
    DATABASE_URL: db.url,
    REDIS_URL,
    GATEHOUSE_WORKER_HOST: "127.0.0.1",
    GATEHOUSE_WORKER_PORT: 0,
    GATEHOUSE_WORKER_CONCURRENCY: 2,
    GATEHOUSE_WORKER_STALLED_INTERVAL_MS: 30_000,
    GATEHOUSE_WORKER_CONSUMERS: new Set(["usage", "prices"]),
    GATEHOUSE_RETENTION_INTERVAL_MS: 3_600_000,
    GATEHOUSE_RETENTION_BATCH_SIZE: 5_000,
    ...overrides,
  };
}

async function start(overrides: Partial<WorkerEnv> = {}): Promise<WorkerApp> {
  const app = await startWorkerApp(env(overrides), silent);
  apps.push(app);
  return app;
}

/** Prometheus text → { "name{labels}": value } */
function parseMetrics(text: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line || line.startsWith("#")) continue;
    const at = line.lastIndexOf(" ");
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

beforeAll(async () => {
  db = await createTestDatabase("worker_app");
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  owner = await createWorkspaceWithKey(db.prisma, "Health");
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  await redis.flushdb();
  queue = new Queue(QueueName.usage, { connection: redis, prefix: QUEUE_PREFIX });
  queueEvents = new QueueEvents(QueueName.usage, {
    connection: redis.duplicate(),
    prefix: QUEUE_PREFIX,
  });
  await queueEvents.waitUntilReady();
});

afterAll(async () => {
  await Promise.allSettled(apps.map((app) => app.close()));
  await queueEvents?.close();
  await queue?.close();
  await redis?.quit();
  await pool?.end();
  await db?.drop();
});

describe("worker health, readiness and metrics", () => {
  it("is healthy and ready when Postgres and Redis answer, and syncs the price table at boot", async () => {
    const app = await start();
    const health = await fetch(`${app.url}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: "ready", postgres: "ok", redis: "ok" });
    expect((await fetch(`${app.url}/nope`)).status).toBe(404);

    await app.pricesSynced;
    const { rows } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM model_prices WHERE source = 'builtin'",
    );
    expect(rows[0]!.n).toBe(Object.keys(MODEL_PRICES).length);
    expect(await counterValue(app.metrics.priceSyncs)).toBe(1);
    await app.close();
    // closed: it no longer answers
    await expect(fetch(`${app.url}/healthz`)).rejects.toThrow();
  });

  it("is alive but not ready when Postgres is unreachable", async () => {
    const url = new URL(db.url);
    url.pathname = "/gh_test_does_not_exist";
    const app = await start({
      DATABASE_URL: url.toString(),
      GATEHOUSE_WORKER_CONSUMERS: new Set<string>(),
    });
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; postgres: string; redis: string };
    expect(body.status).toBe("unavailable");
    expect(body.redis).toBe("ok");
    expect(body.postgres).toMatch(/does not exist/);
    await app.close();
  });

  it("is alive but not ready when Redis is unreachable", async () => {
    const closed = await new Promise<number>((resolve) => {
      const probe = net.createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const app = await start({
      REDIS_URL: `redis://127.0.0.1:${closed}/4`,
      GATEHOUSE_WORKER_CONSUMERS: new Set(["usage", "retention"]),
    });
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
    const ready = await fetch(`${app.url}/readyz`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { status: string; postgres: string; redis: string };
    expect(body).toMatchObject({ status: "unavailable", postgres: "ok" });
    expect(body.redis).toMatch(/redis did not answer/);
    await app.close();
  });

  it("exposes batch sizes, events, lag, failures and queue depth in Prometheus text", async () => {
    const app = await start({ GATEHOUSE_WORKER_CONSUMERS: new Set(["usage"]) });
    const newest = Date.now() - 1_500;
    const small = Array.from({ length: 3 }, () =>
      usageEvent(owner, { ts: new Date(newest - 60_000).toISOString() }),
    );
    const big = Array.from({ length: 120 }, (_, i) =>
      usageEvent(owner, { ts: new Date(newest - i).toISOString() }),
    );
    for (const events of [small, big]) {
      const job = await queue.add(JobName.usageBatch, { events }, USAGE_BATCH_JOB_OPTIONS);
      await job.waitUntilFinished(queueEvents, 10_000);
    }
    const invalid = await queue.add(JobName.usageBatch, { events: [{ id: "x" }] });
    await expect(invalid.waitUntilFinished(queueEvents, 10_000)).rejects.toThrow(/invalid/);

    // the failure is counted when the worker's "failed" event fires, just after the job's state
    for (let i = 0; (await counterValue(app.metrics.deadLetteredJobs)) < 1; i++) {
      if (i > 200) throw new Error("the invalid job was never counted");
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const response = await fetch(`${app.url}/metrics`);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
    const m = parseMetrics(await response.text());
    expect(m.get("gatehouse_worker_usage_batches_total")).toBe(2);
    expect(m.get('gatehouse_worker_usage_events_total{result="received"}')).toBe(123);
    expect(m.get('gatehouse_worker_usage_events_total{result="inserted"}')).toBe(123);
    expect(m.get('gatehouse_worker_usage_batch_size_bucket{le="1"}')).toBe(0);
    expect(m.get('gatehouse_worker_usage_batch_size_bucket{le="10"}')).toBe(1);
    expect(m.get('gatehouse_worker_usage_batch_size_bucket{le="100"}')).toBe(1);
    expect(m.get('gatehouse_worker_usage_batch_size_bucket{le="250"}')).toBe(2);
    expect(m.get('gatehouse_worker_usage_batch_size_bucket{le="+Inf"}')).toBe(2);
    expect(m.get("gatehouse_worker_usage_batch_size_sum")).toBe(123);
    expect(m.get("gatehouse_worker_usage_batch_size_count")).toBe(2);
    expect(m.get("gatehouse_worker_failed_jobs_total")).toBe(1);
    expect(m.get("gatehouse_worker_dead_lettered_jobs_total")).toBe(1);
    expect(m.get("gatehouse_worker_invalid_jobs_total")).toBe(1);
    // the newest event of the last batch is 1.5 s old (plus however long the test took)
    expect(m.get("gatehouse_worker_usage_last_ingested_event_timestamp_seconds")).toBeCloseTo(
      newest / 1000,
      2,
    );
    expect(m.get("gatehouse_worker_usage_event_lag_seconds")).toBeGreaterThanOrEqual(1.5);
    expect(m.get("gatehouse_worker_usage_ingest_lag_seconds")).toBeGreaterThanOrEqual(1.5);
    expect(m.get('gatehouse_worker_queue_jobs{queue="usage",state="waiting"}')).toBe(0);
    expect(m.get('gatehouse_worker_queue_jobs{queue="usage",state="active"}')).toBe(0);
    expect(m.get('gatehouse_worker_queue_jobs{queue="usage",state="delayed"}')).toBe(0);
    expect(m.get('gatehouse_worker_queue_jobs{queue="usage",state="failed"}')).toBe(1);
    expect(m.get('gatehouse_worker_queue_oldest_waiting_age_seconds{queue="usage"}')).toBe(0);
    await app.close();
  });

  it("reports the age of the oldest waiting job", async () => {
    // no consumer runs: the jobs wait
    const enqueuedAt = Date.now() - 5_000;
    await queue.add(JobName.usageBatch, { events: [usageEvent(owner)] }, { timestamp: enqueuedAt });
    await queue.add(JobName.usageBatch, { events: [usageEvent(owner)] });
    const m = parseMetrics(await renderMetrics(createWorkerMetrics(), { usage: queue }));
    expect(m.get('gatehouse_worker_queue_jobs{queue="usage",state="waiting"}')).toBe(2);
    const age = m.get('gatehouse_worker_queue_oldest_waiting_age_seconds{queue="usage"}')!;
    expect(age).toBeGreaterThanOrEqual(5);
    expect(age).toBeLessThan(60);
    await queue.drain();
  });
});

describe("graceful shutdown", () => {
  it("SIGTERM lets the batch in flight finish and exits 0; nothing is lost", async () => {
    await redis.flushdb();
    const logCount = async () =>
      (await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM request_logs")).rows[0]!.n;
    const before = await logCount();
    const child: ChildProcess = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      cwd: WORKER_DIR,
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        REDIS_URL,
        GATEHOUSE_WORKER_HOST: "127.0.0.1",
        GATEHOUSE_WORKER_PORT: "0",
        GATEHOUSE_WORKER_CONCURRENCY: "1",
        GATEHOUSE_WORKER_CONSUMERS: "usage",
      },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let stdout = "";
    child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    try {
      for (let i = 0; !stdout.includes("worker listening"); i++) {
        if (i > 400) throw new Error("the worker did not start");
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      // hold a row lock the ingest statement needs: the batch blocks inside Postgres
      const locker = await pool.connect();
      try {
        await locker.query("BEGIN");
        await locker.query("SELECT 1 FROM virtual_keys WHERE id = $1 FOR UPDATE", [owner.keyId]);
        const events = Array.from({ length: 25 }, () => usageEvent(owner));
        await queue.add(JobName.usageBatch, { events }, USAGE_BATCH_JOB_OPTIONS);
        // a second batch that has not started when the signal arrives
        await queue.add(
          JobName.usageBatch,
          { events: Array.from({ length: 5 }, () => usageEvent(owner)) },
          USAGE_BATCH_JOB_OPTIONS,
        );
        for (let i = 0; (await queue.getActiveCount()) < 1; i++) {
          if (i > 400) throw new Error("the batch never became active");
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        child.kill("SIGTERM");
        for (let i = 0; !stdout.includes("worker stopping"); i++) {
          if (i > 400) throw new Error("the worker did not start stopping");
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        // still waiting for its batch: not exited
        expect(child.exitCode).toBeNull();
        await locker.query("ROLLBACK");
      } finally {
        locker.release();
      }
      expect(await exited).toBe(0);
      expect(stdout).toContain("worker stopped");
      // the in-flight batch committed and was acked; the unstarted one is still queued
      expect(await logCount()).toBe(before + 25);
      expect(await queue.getJobCounts("completed", "active", "waiting", "failed")).toEqual({
        completed: 1,
        active: 0,
        waiting: 1,
        failed: 0,
      });
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 60_000);
});
