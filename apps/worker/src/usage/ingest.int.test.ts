import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import { createTestDatabase, testRedisUrl } from "@gatehouse/db/testing";
import { JobName, QUEUE_PREFIX, QueueName, type UsageEvent } from "@gatehouse/shared";
import { ingestUsageBatch } from "./ingest";
import { startUsageConsumer } from "../consumers/usage";
import { counterValue, createWorkerMetrics } from "../metrics";
import { createWorkspaceWithKey, usageEvent } from "./test-fixtures";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let workspaceId: string;
let keyId: string;

const event = (overrides: Partial<UsageEvent> = {}) =>
  usageEvent({ workspaceId, keyId }, overrides);

async function daily() {
  const { rows } = await pool.query(
    `SELECT requests, errors, streamed_requests, input_tokens::int, output_tokens::int,
            cached_input_tokens::int, cost_nano_usd::text, latency_ms_sum::int, ttfb_requests,
            latency_buckets
       FROM usage_daily WHERE workspace_id = $1`,
    [workspaceId],
  );
  return rows;
}

beforeAll(async () => {
  db = await createTestDatabase("worker");
  pool = new pg.Pool({ connectionString: db.url, max: 4 });
  ({ workspaceId, keyId } = await createWorkspaceWithKey(db.prisma, "Acme"));
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("usage ingestion", () => {
  it("records logs and exact rollups, and a redelivered batch never counts twice", async () => {
    const batch = [
      event(),
      event({
        status: 502,
        errorType: "upstream_error",
        outputTokens: 0,
        costNanoUsd: 1,
        latencyMs: 3,
        ttfbMs: null,
      }),
      event({ streamed: true, latencyMs: 70_000 }),
    ];
    expect(await ingestUsageBatch(pool, batch)).toEqual({ received: 3, inserted: 3 });
    // the same batch again (a retried job), and once more mixed with one new event
    expect(await ingestUsageBatch(pool, batch)).toEqual({ received: 3, inserted: 0 });
    expect(await ingestUsageBatch(pool, [...batch, event()])).toEqual({ received: 4, inserted: 1 });

    const rows = await daily();
    expect(rows).toHaveLength(1);
    const row = rows[0];
    expect(row.requests).toBe(4);
    expect(row.errors).toBe(1);
    expect(row.streamed_requests).toBe(1);
    expect(row.input_tokens).toBe(400);
    expect(row.output_tokens).toBe(60);
    expect(row.cached_input_tokens).toBe(40);
    expect(row.cost_nano_usd).toBe(String(27_001 * 3 + 1));
    expect(row.ttfb_requests).toBe(3);
    // 120 ms ×2 → (100, 250] bucket 5; 3 ms → bucket 0; 70 s → the unbounded last bucket
    expect(row.latency_buckets).toEqual([1, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 1]);
    const { rows: logs } = await pool.query(
      "SELECT count(*)::int AS n FROM request_logs WHERE workspace_id = $1",
      [workspaceId],
    );
    expect(logs[0].n).toBe(4);
    const { rows: keys } = await pool.query("SELECT last_used_at FROM virtual_keys WHERE id = $1", [
      keyId,
    ]);
    expect(keys[0].last_used_at.toISOString()).toBe("2026-11-20T10:15:00.000Z");
  });

  it("consumes batches from the real BullMQ queue", async () => {
    const connection = new Redis(testRedisUrl(4), { maxRetriesPerRequest: null });
    await connection.flushdb();
    const queue = new Queue(QueueName.usage, { connection, prefix: QUEUE_PREFIX });
    const queueEvents = new QueueEvents(QueueName.usage, {
      connection: connection.duplicate(),
      prefix: QUEUE_PREFIX,
    });
    const metrics = createWorkerMetrics();
    const worker = startUsageConsumer({ connection, pool, concurrency: 2, metrics });
    try {
      const before = (await daily())[0]?.requests ?? 0;
      const job = await queue.add(JobName.usageBatch, {
        events: [event(), event({ ts: "2026-11-20T23:59:59.999Z" })],
      });
      const result = await job.waitUntilFinished(queueEvents, 10_000);
      expect(result).toEqual({ received: 2, inserted: 2 });
      expect((await daily())[0].requests).toBe(before + 2);
      // a malformed batch fails for good instead of being retried forever
      const bad = await queue.add(JobName.usageBatch, { events: [{ id: "x" }] }, { attempts: 5 });
      await expect(bad.waitUntilFinished(queueEvents, 10_000)).rejects.toThrow(
        /invalid usage batch/,
      );
      expect((await queue.getJob(bad.id!))?.attemptsMade).toBe(1);
      expect(await counterValue(metrics.invalidJobs)).toBe(1);
    } finally {
      await worker.close();
      await queueEvents.close();
      await queue.close();
      await connection.quit();
    }
  });

  it("drops events of a workspace that no longer exists instead of failing the batch", async () => {
    const result = await ingestUsageBatch(pool, [event({ workspaceId: "gone" }), event()]);
    expect(result).toEqual({ received: 2, inserted: 1 });
  });
});
