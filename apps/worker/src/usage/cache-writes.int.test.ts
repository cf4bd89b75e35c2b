import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createTestDatabase } from "@gatehouse/db/testing";
import { rebuildRollupsFromLogs } from "@gatehouse/db/usage";
import { UsageBatchJobSchema } from "@gatehouse/shared";
import { ingestUsageBatch } from "./ingest";
import { createWorkspaceWithKey, usageEvent } from "./test-fixtures";

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let owner: { workspaceId: string; keyId: string };

beforeAll(async () => {
  db = await createTestDatabase("worker_cache_writes");
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  owner = await createWorkspaceWithKey(db.prisma, "Cachers");
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

const COUNTERS = `requests, input_tokens::int, cached_input_tokens::int,
  cache_write_5m_tokens::int, cache_write_1h_tokens::int, output_tokens::int,
  reasoning_tokens::int, cost_nano_usd::text, latency_buckets`;

async function rollups() {
  const daily = await pool.query(`SELECT ${COUNTERS} FROM usage_daily WHERE workspace_id = $1`, [
    owner.workspaceId,
  ]);
  const hourly = await pool.query(`SELECT ${COUNTERS} FROM usage_hourly WHERE workspace_id = $1`, [
    owner.workspaceId,
  ]);
  return { daily: daily.rows, hourly: hourly.rows };
}

describe("cache-write and reasoning counters", () => {
  it("land in the request log and both rollups, beside events of an older proxy that has none", async () => {
    const anthropic = usageEvent(owner, {
      model: "claude-sonnet-4-5",
      inputTokens: 1_110,
      cachedInputTokens: 100,
      cacheWrite5mTokens: 300,
      cacheWrite1hTokens: 700,
      outputTokens: 20,
      costNanoUsd: 7_158_000,
    });
    const reasoned = usageEvent(owner, {
      model: "claude-sonnet-4-5",
      inputTokens: 10,
      cachedInputTokens: 0,
      outputTokens: 500,
      reasoningTokens: 450,
      costNanoUsd: 7_530_000,
    });
    // an event queued before the counters existed: the worker's schema fills in 0
    const { cacheWrite5mTokens, cacheWrite1hTokens, reasoningTokens, ...old } = usageEvent(owner, {
      model: "claude-sonnet-4-5",
    });
    expect([cacheWrite5mTokens, cacheWrite1hTokens, reasoningTokens]).toEqual([0, 0, 0]);
    const { events } = UsageBatchJobSchema.parse(
      JSON.parse(JSON.stringify({ events: [anthropic, reasoned, old] })),
    );
    expect(await ingestUsageBatch(pool, events)).toEqual({ received: 3, inserted: 3 });

    const { rows: logs } = await pool.query(
      `SELECT id, cache_write_5m_tokens, cache_write_1h_tokens, reasoning_tokens
         FROM request_logs WHERE workspace_id = $1 ORDER BY id`,
      [owner.workspaceId],
    );
    const byId = new Map(logs.map((row) => [row.id, row]));
    expect(byId.get(anthropic.id)).toMatchObject({
      cache_write_5m_tokens: 300,
      cache_write_1h_tokens: 700,
      reasoning_tokens: 0,
    });
    expect(byId.get(reasoned.id)).toMatchObject({ reasoning_tokens: 450 });
    expect(byId.get(old.id)).toMatchObject({
      cache_write_5m_tokens: 0,
      cache_write_1h_tokens: 0,
      reasoning_tokens: 0,
    });

    const sums = {
      requests: 3,
      input_tokens: 1_110 + 10 + 100,
      cached_input_tokens: 100 + 0 + 10,
      cache_write_5m_tokens: 300,
      cache_write_1h_tokens: 700,
      output_tokens: 20 + 500 + 20,
      reasoning_tokens: 450,
      cost_nano_usd: String(7_158_000 + 7_530_000 + 27_001),
    };
    const ingested = await rollups();
    expect(ingested.daily).toEqual([expect.objectContaining(sums)]);
    expect(ingested.hourly).toEqual([expect.objectContaining(sums)]);

    // the rebuild from logs runs the same rollup SQL: it arrives at the same rows
    await rebuildRollupsFromLogs(db.prisma, owner.workspaceId);
    expect(await rollups()).toEqual(ingested);
  });
});
