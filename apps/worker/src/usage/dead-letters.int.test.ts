import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Queue, type Worker } from "bullmq";
import { Redis } from "ioredis";
import { createTestDatabase, testRedisUrl } from "@gatehouse/db/testing";
import { countDeadLetters, listDeadLetters, retryDeadLetter } from "@gatehouse/db/dead-letters";
import { JobName, QUEUE_PREFIX, QueueName, USAGE_BATCH_JOB_OPTIONS } from "@gatehouse/shared";
import { startUsageConsumer } from "../consumers/usage";
import { counterValue, createWorkerMetrics } from "../metrics";
import { createWorkspaceWithKey, usageEvent } from "./test-fixtures";

/**
 * Retries with backoff and the dead-letter set, against a real failure: the request_logs table
 * is renamed away (as if Postgres lost it) and brought back.
 */

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let redis: Redis;
let queue: Queue;
let worker: Worker;
const metrics = createWorkerMetrics();
let x: { workspaceId: string; keyId: string };
let y: { workspaceId: string; keyId: string };

const breakIngestion = () => pool.query("ALTER TABLE request_logs RENAME TO request_logs_away");
const repairIngestion = () => pool.query("ALTER TABLE request_logs_away RENAME TO request_logs");

async function until(what: string, check: () => Promise<boolean> | boolean, timeoutMs = 15_000) {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const logsOf = async (owner: typeof x) =>
  (
    await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM request_logs WHERE workspace_id = $1",
      [owner.workspaceId],
    )
  ).rows[0]!.n;

beforeAll(async () => {
  db = await createTestDatabase("worker_dead_letters");
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  x = await createWorkspaceWithKey(db.prisma, "X");
  y = await createWorkspaceWithKey(db.prisma, "Y");
  redis = new Redis(testRedisUrl(4), { maxRetriesPerRequest: null });
  await redis.flushdb();
  queue = new Queue(QueueName.usage, { connection: redis, prefix: QUEUE_PREFIX });
  worker = startUsageConsumer({ connection: redis, pool, concurrency: 2, metrics });
});

afterAll(async () => {
  await worker?.close();
  await queue?.close();
  await redis?.quit();
  await pool?.end();
  await db?.drop();
});

describe("usage job retries and dead letters", () => {
  it("retries a failing batch with backoff and ingests it once Postgres is back", async () => {
    await breakIngestion();
    const events = Array.from({ length: 3 }, () => usageEvent(x));
    // the producer's options, with a backoff long enough to observe the delayed state
    const job = await queue.add(
      JobName.usageBatch,
      { events },
      { ...USAGE_BATCH_JOB_OPTIONS, backoff: { type: "exponential", delay: 1_000 } },
    );
    await until(
      "the first failed attempt",
      async () => (await counterValue(metrics.failedJobs)) >= 1,
    );
    await until("the backoff", async () => (await job.getState()) === "delayed");
    expect(await counterValue(metrics.deadLetteredJobs)).toBe(0);
    await repairIngestion();
    await until("the retry", async () => (await job.getState()) === "completed");
    expect(await logsOf(x)).toBe(3);
    const done = (await queue.getJob(job.id!))!;
    expect(done.attemptsStarted).toBe(2);
    expect(done.returnvalue).toEqual({ received: 3, inserted: 3 });
  });

  it("keeps jobs that ran out of attempts as dead letters, lists them and retries one", async () => {
    await breakIngestion();
    const opts = { attempts: 2, backoff: { type: "fixed" as const, delay: 50 } };
    const first = await queue.add(
      JobName.usageBatch,
      { events: [usageEvent(x), usageEvent(x)] },
      opts,
    );
    await until("the first dead letter", async () => (await first.getState()) === "failed");
    const second = await queue.add(
      JobName.usageBatch,
      { events: [usageEvent(y), usageEvent(x), usageEvent(y)] },
      opts,
    );
    await until("the second dead letter", async () => (await second.getState()) === "failed");
    // the worker counts a dead letter when its "failed" event fires, just after the state changes
    await until(
      "both dead letters counted",
      async () => (await counterValue(metrics.deadLetteredJobs)) === 2,
    );
    await repairIngestion();

    expect(await countDeadLetters(redis)).toBe(2);
    const letters = await listDeadLetters(redis, { limit: 10 });
    expect(letters.map((l) => l.jobId)).toEqual([second.id, first.id]);
    expect(letters[0]).toMatchObject({
      queue: "usage",
      name: JobName.usageBatch,
      attemptsMade: 2,
      eventCount: 3,
      workspaceIds: [x.workspaceId, y.workspaceId].sort(),
    });
    expect(letters[0]!.failedReason).toMatch(/request_logs/);
    expect(letters[0]!.enqueuedAt).toBeInstanceOf(Date);
    expect(letters[0]!.failedAt!.getTime()).toBeGreaterThanOrEqual(
      letters[0]!.enqueuedAt.getTime(),
    );
    expect(await listDeadLetters(redis, { limit: 1 })).toHaveLength(1);
    const onlyY = await listDeadLetters(redis, { workspaceId: y.workspaceId, limit: 10 });
    expect(onlyY.map((l) => l.jobId)).toEqual([second.id]);
    expect(await listDeadLetters(redis, { workspaceId: "ws_none", limit: 10 })).toEqual([]);

    expect(await retryDeadLetter(redis, second.id!)).toBe("retried");
    await until("the retried job", async () => (await second.getState()) === "completed");
    expect(await logsOf(y)).toBe(2);
    expect(await retryDeadLetter(redis, second.id!)).toBe("not_failed");
    expect(await retryDeadLetter(redis, "no-such-job")).toBe("not_found");
    expect((await listDeadLetters(redis)).map((l) => l.jobId)).toEqual([first.id]);
  });
});
