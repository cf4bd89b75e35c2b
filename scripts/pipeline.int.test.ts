import { spawn, type ChildProcess } from "node:child_process";
import Anthropic from "@anthropic-ai/sdk";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrismaClient, publishWorkspace, seedDemo, type SeedDemoResult } from "@gatehouse/db";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import {
  MODEL_PRICES,
  QUEUE_PREFIX,
  QueueName,
  costNanoUsd,
  type TokenPrice,
} from "@gatehouse/shared";
import { generateEncryptionKey } from "@gatehouse/shared/server";
import { startFakeProvider, type FakeProvider } from "@gatehouse/testkit";
import { quietModelDeprecations, runTraffic, type TrafficResult } from "./traffic.mjs";

// The usage pipeline end to end, every part of ours for real: the seed's demo workspace (three
// keys, four routes) published to Redis, the proxy and the worker as processes (from source,
// through tsx), requests from the official OpenAI and Anthropic SDKs (the traffic generator:
// JSON and streams, prompt-cache hits, injected upstream errors), the rollups in Postgres.
// Only the LLM is fake. Redis db 11 (CONTRIBUTING.md).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REDIS_URL = testRedisUrl(11);
const ENCRYPTION_KEYS = generateEncryptionKey("e2e");
const N = 200;
const CLI_N = 40;
const CRASH_N = 120;

type Proc = { child: ChildProcess; output: () => string; exited: Promise<number | null> };

let db: TestDatabase;
let pool: pg.Pool;
let redis: Redis;
let fake: FakeProvider;
let seed: SeedDemoResult;
let keys: string[];
let proxyUrl: string;
let worker: Proc;
const procs = new Set<Proc>();

function startProcess(app: "proxy" | "worker", env: Record<string, string>): Proc {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
    cwd: join(ROOT, "apps", app),
    env: { ...process.env, REDIS_URL, GATEHOUSE_LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolveExit) =>
    child.once("exit", (code) => resolveExit(code)),
  );
  const proc = { child, output: () => output, exited };
  procs.add(proc);
  void exited.then(() => procs.delete(proc));
  return proc;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 20_000,
  everyMs = 50,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

async function listening(proc: Proc, marker: string): Promise<string> {
  const line = await waitFor(
    `${marker} in the output`,
    () => proc.output(),
    (out) => out.includes(marker) || proc.child.exitCode !== null,
    30_000,
  );
  const url = /"url":"(http:\/\/[^"]+)"/.exec(line.slice(line.indexOf(marker)))?.[1];
  if (!url) throw new Error(`no URL after "${marker}" in:\n${line}`);
  return url;
}

function startWorker(): Proc {
  return startProcess("worker", {
    DATABASE_URL: db.url,
    GATEHOUSE_WORKER_HOST: "127.0.0.1",
    GATEHOUSE_WORKER_PORT: "0",
    GATEHOUSE_WORKER_CONCURRENCY: "2",
    GATEHOUSE_WORKER_CONSUMERS: "usage",
    // a batch held by a killed worker is handed back after about a second
    GATEHOUSE_WORKER_STALLED_INTERVAL_MS: "1000",
  });
}

async function totals() {
  const { rows } = await pool.query<{
    requests: number;
    errors: number;
    streamed: number;
    input: number;
    output: number;
    cached: number;
    cost: string;
  }>(
    `SELECT COALESCE(sum(requests), 0)::int AS requests, COALESCE(sum(errors), 0)::int AS errors,
            COALESCE(sum(streamed_requests), 0)::int AS streamed,
            COALESCE(sum(input_tokens), 0)::int AS input, COALESCE(sum(output_tokens), 0)::int AS output,
            COALESCE(sum(cached_input_tokens), 0)::int AS cached,
            COALESCE(sum(cost_nano_usd), 0)::text AS cost
       FROM usage_daily WHERE workspace_id = $1`,
    [seed.workspaceId],
  );
  return rows[0]!;
}

/**
 * The model that answered each request, by request id, from the request log. A request can be
 * answered by another model than the one it named: an injected 429 puts gpt-4o-mini's
 * deployment in its cooldown, and the requests after it take the route's fallback to
 * claude-haiku-4-5, which bills at its own price.
 */
async function servedModels(results: readonly TrafficResult[]): Promise<Map<string, string>> {
  const ids = results.flatMap((r) => (r.usage && r.requestId ? [r.requestId] : []));
  const { rows } = await pool.query<{ id: string; upstream_model: string | null }>(
    `SELECT id, upstream_model FROM request_logs WHERE id = ANY($1::text[])`,
    [ids],
  );
  return new Map(rows.flatMap((r) => (r.upstream_model ? [[r.id, r.upstream_model]] : [])));
}

/**
 * What the rollups must show for these responses, from the usage the SDKs saw and the price
 * table for the model that answered (or the given price for every model).
 */
function expected(
  results: readonly TrafficResult[],
  served: ReadonlyMap<string, string>,
  priceOf?: (model: string) => TokenPrice,
) {
  let cost = 0n;
  let input = 0;
  let output = 0;
  let cached = 0;
  for (const r of results) {
    if (!r.usage) continue;
    const model = (r.requestId && served.get(r.requestId)) || r.model;
    const price = priceOf?.(model) ?? MODEL_PRICES[model as keyof typeof MODEL_PRICES];
    if (!price) throw new Error(`no built-in price for ${model}`);
    cost += BigInt(costNanoUsd(price, r.usage));
    input += r.usage.inputTokens;
    output += r.usage.outputTokens;
    cached += r.usage.cachedInputTokens;
  }
  return {
    requests: results.length,
    errors: results.filter((r) => r.status >= 400).length,
    streamed: results.filter((r) => r.stream).length,
    input,
    output,
    cached,
    cost: String(cost),
  };
}

type Totals = Awaited<ReturnType<typeof totals>>;

function add(a: Totals, b: Totals): Totals {
  return {
    requests: a.requests + b.requests,
    errors: a.errors + b.errors,
    streamed: a.streamed + b.streamed,
    input: a.input + b.input,
    output: a.output + b.output,
    cached: a.cached + b.cached,
    cost: String(BigInt(a.cost) + BigInt(b.cost)),
  };
}

beforeAll(async () => {
  quietModelDeprecations();
  db = await createTestDatabase("pipeline_e2e");
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  await redis.flushdb();
  fake = await startFakeProvider();
  seed = await seedDemo(db.prisma, redis, {
    fakeProviderUrl: fake.url,
    encryptionKeys: ENCRYPTION_KEYS,
    extraKeys: 2,
  });
  keys = [seed.key, ...seed.extraKeys.map((k) => k.key)];
  // the rest of the test reads Postgres through its own pool; closing Prisma's now keeps its
  // connections from being cut by the DROP DATABASE at the end
  await db.prisma.$disconnect();
  const proxy = startProcess("proxy", {
    GATEHOUSE_PROXY_HOST: "127.0.0.1",
    GATEHOUSE_PROXY_PORT: "0",
    GATEHOUSE_ENCRYPTION_KEYS: ENCRYPTION_KEYS,
  });
  worker = startWorker();
  [proxyUrl] = await Promise.all([
    listening(proxy, "gatehouse proxy listening"),
    listening(worker, "worker listening"),
  ]);
}, 90_000);

afterAll(async () => {
  for (const proc of procs) {
    proc.child.kill("SIGKILL");
    await proc.exited;
  }
  await fake?.close();
  redis?.disconnect();
  await pool?.end();
  await db?.drop();
});

describe("usage pipeline, end to end", () => {
  it(`${N} requests through the proxy: within 2 s the rollups show exactly ${N} requests and the summed cost`, async () => {
    const { results, summary } = await runTraffic({
      proxyUrl,
      keys,
      requests: N,
      concurrency: 8,
      seed: 20261122,
      errorRate: 0.06,
    });
    const lastResponseAt = performance.now();
    expect(summary.firstErrors).toEqual([]);
    // the mix the generator promises: every key and model, both SDKs, streams, errors, cache hits
    expect(Object.keys(summary.byKey).sort()).toEqual(["key1", "key2", "key3"]);
    expect(Object.keys(summary.byModel)).toHaveLength(4);
    expect(summary.byApi.openai).toBeGreaterThan(0);
    expect(summary.byApi.anthropic).toBeGreaterThan(0);
    expect(summary.streamed).toBeGreaterThan(0);
    expect(summary.injectedErrors).toBeGreaterThan(0);
    expect(summary.tokens.cachedInput).toBeGreaterThan(0);

    // the acceptance criterion of the pipeline (issue 5): visible within 2 s of the last response
    const got = await waitFor(
      `${N} requests in the rollups`,
      totals,
      (t) => t.requests >= N,
      2_000,
      10,
    );
    const visibleAfterMs = performance.now() - lastResponseAt;
    console.log(
      `pipeline: ${N} requests visible in the rollups ${visibleAfterMs.toFixed(0)} ms after the last response`,
    );
    const served = await servedModels(results);
    expect(served.size).toBe(results.filter((r) => r.usage).length);
    const want = expected(results, served);
    expect(BigInt(want.cost)).toBeGreaterThan(0n);
    expect(got).toEqual(want);

    // per key, the same split the generator made
    const { rows } = await pool.query<{ key_id: string; requests: number }>(
      `SELECT key_id, sum(requests)::int AS requests FROM usage_daily
        WHERE workspace_id = $1 GROUP BY key_id`,
      [seed.workspaceId],
    );
    const keyIds = [seed.keyId, ...seed.extraKeys.map((k) => k.keyId)];
    const perKey = Object.fromEntries(rows.map((r) => [r.key_id, r.requests]));
    expect(perKey).toEqual(
      Object.fromEntries(
        keyIds.map((id, i) => [id, results.filter((r) => r.keyIndex === i).length]),
      ),
    );
    // one request log per request id the proxy returned
    const ids = results.map((r) => r.requestId).filter((id): id is string => id !== null);
    expect(ids).toHaveLength(N);
    const { rows: logged } = await pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM request_logs WHERE id = ANY($1)",
      [ids],
    );
    expect(logged[0]!.n).toBe(N);
  }, 60_000);

  it("npm run traffic (the CLI) sends its mix and the worker records all of it", async () => {
    const cli = spawn(
      process.execPath,
      [
        join(ROOT, "scripts", "traffic.mjs"),
        "--proxy-url",
        proxyUrl,
        "--keys",
        keys.slice(0, 2).join(","),
        "--requests",
        String(CLI_N),
        "--concurrency",
        "4",
        "--seed",
        "5",
        "--json",
      ],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    cli.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
    cli.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
    const code = await new Promise<number | null>((r) => cli.once("exit", r));
    expect(stderr).toBe("");
    expect(code).toBe(0);
    const summary = JSON.parse(stdout.trim()) as {
      requests: number;
      unexpected: number;
      byKey: Record<string, number>;
      ok: number;
      injectedErrors: number;
    };
    expect(summary.requests).toBe(CLI_N);
    expect(summary.unexpected).toBe(0);
    expect(summary.ok + summary.injectedErrors).toBe(CLI_N);
    expect(Object.keys(summary.byKey).sort()).toEqual(["key1", "key2"]);
    // the secrets never appear in what it prints
    for (const key of keys) expect(stdout).not.toContain(key);

    await waitFor("the CLI's requests in the rollups", totals, (t) => t.requests >= N + CLI_N);
    expect((await totals()).requests).toBe(N + CLI_N);
  }, 60_000);

  it("SIGKILL the worker mid-batch and restart it: still exactly every request, once", async () => {
    const before = await totals();
    expect(before.requests).toBe(N + CLI_N);
    // hold the virtual keys' rows: the worker's ingest statements block inside Postgres
    // (logs inserted, not committed) until the lock goes
    const locker = await pool.connect();
    let results: TrafficResult[] = [];
    try {
      await locker.query("BEGIN");
      await locker.query("SELECT 1 FROM virtual_keys WHERE workspace_id = $1 FOR UPDATE", [
        seed.workspaceId,
      ]);
      ({ results } = await runTraffic({
        proxyUrl,
        keys,
        requests: CRASH_N,
        concurrency: 8,
        seed: 99,
      }));
      expect(results.filter((r) => r.unexpected)).toEqual([]);
      const blocked = await waitFor(
        "two blocked ingest statements",
        async () =>
          (
            await pool.query<{ pid: number }>(
              `SELECT pid FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'
                  AND query LIKE '%INSERT INTO request_logs%' ORDER BY pid`,
            )
          ).rows.map((r) => r.pid),
        (pids) => pids.length === 2,
      );
      worker.child.kill("SIGKILL");
      await worker.exited;
      // one orphaned statement rolls back (as if Postgres restarted), the other commits with
      // no worker left to acknowledge its job
      await pool.query("SELECT pg_terminate_backend($1)", [blocked[0]]);
      await locker.query("ROLLBACK");
    } finally {
      locker.release();
    }
    const queue = new Queue(QueueName.usage, { connection: redis, prefix: QUEUE_PREFIX });
    try {
      expect(await queue.getActiveCount()).toBe(2);
      worker = startWorker();
      await listening(worker, "worker listening");
      // exactly what was there before, plus exactly this run
      await waitFor(
        "every request in the rollups",
        totals,
        (t) => t.requests >= before.requests + results.length,
        30_000,
      );
      // settle: the stalled batches' re-runs must not add anything
      await waitFor(
        "the queue to drain",
        () => queue.getJobCounts("waiting", "active", "delayed", "failed"),
        (c) => c.waiting === 0 && c.active === 0 && c.delayed === 0,
        30_000,
      );
      const want = add(before, expected(results, await servedModels(results)));
      expect(await totals()).toEqual(want);
      expect(await queue.getFailedCount()).toBe(0);
      const { rows } = await pool.query<{ n: number }>(
        "SELECT count(*)::int AS n FROM request_logs WHERE workspace_id = $1",
        [seed.workspaceId],
      );
      expect(rows[0]!.n).toBe(want.requests);
    } finally {
      await queue.close();
    }
  }, 90_000);

  it("a workspace price override (Postgres → snapshot → proxy) prices the next requests, cached input included", async () => {
    const override = {
      inputMicroUsdPerMTok: 1_000_000,
      outputMicroUsdPerMTok: 2_000_000,
      cachedInputMicroUsdPerMTok: 100_000,
    };
    const prisma = createPrismaClient(db.url, { poolSize: 1 });
    try {
      // what the dashboard's price override does: a row, then the workspace is republished
      await prisma.workspaceModelPrice.create({
        data: { workspaceId: seed.workspaceId, model: "gpt-4o-mini", ...override },
      });
      await publishWorkspace(prisma, redis, seed.workspaceId);
    } finally {
      await prisma.$disconnect();
    }
    const only = { models: [{ model: "gpt-4o-mini", weight: 1 }], errorRate: 0 };
    // the proxies pick the new snapshot up through pub/sub; probe until one request is priced by it
    await waitFor(
      "the override to reach the proxy",
      async () => {
        const { results } = await runTraffic({ proxyUrl, keys, requests: 1, seed: 1, ...only });
        const probe = results[0]!;
        const logged = await waitFor(
          "the probe's request log",
          async () =>
            (
              await pool.query<{ cost: string }>(
                "SELECT cost_nano_usd::text AS cost FROM request_logs WHERE id = $1",
                [probe.requestId],
              )
            ).rows[0],
          (row) => row !== undefined,
        );
        return logged!.cost === String(costNanoUsd(override, probe.usage!));
      },
      (applied) => applied,
      10_000,
      100,
    );
    await waitFor(
      "the queue to drain",
      async () => (await totals()).requests,
      () => true,
    );
    const before = await totals();

    const { results } = await runTraffic({
      proxyUrl,
      keys,
      requests: 30,
      seed: 4242,
      cacheRate: 0.6,
      ...only,
    });
    expect(results.filter((r) => r.unexpected)).toEqual([]);
    expect(results.some((r) => r.usage && r.usage.cachedInputTokens > 0)).toBe(true);
    const want = add(
      before,
      expected(results, new Map(), () => override),
    );
    await waitFor("the requests in the rollups", totals, (t) => t.requests >= want.requests);
    expect(await totals()).toEqual(want);
    // and that is not what the built-in price would have charged
    const served = await servedModels(results);
    expect(expected(results, served).cost).not.toBe(expected(results, served, () => override).cost);
  }, 60_000);

  it("an Anthropic exchange that writes the prompt cache: the request log and the rollups bill each write at its TTL's price, to the nano-dollar", async () => {
    const rollup = async (table: "usage_daily" | "usage_hourly") =>
      (
        await pool.query<{ w5m: number; w1h: number; cost: string }>(
          `SELECT COALESCE(sum(cache_write_5m_tokens), 0)::int AS w5m,
                  COALESCE(sum(cache_write_1h_tokens), 0)::int AS w1h,
                  COALESCE(sum(cost_nano_usd), 0)::text AS cost
             FROM ${table} WHERE workspace_id = $1`,
          [seed.workspaceId],
        )
      ).rows[0]!;
    const before = { daily: await rollup("usage_daily"), hourly: await rollup("usage_hourly") };
    const client = new Anthropic({ baseURL: proxyUrl, apiKey: keys[0]!, maxRetries: 0 });
    const { data, response } = await client.messages
      .create({
        model: "claude-sonnet-4-5",
        max_tokens: 32,
        system: [
          {
            type: "text",
            text: "You answer questions about our return policy. ".repeat(30),
            cache_control: { type: "ephemeral", ttl: "1h" },
          },
        ],
        messages: [
          {
            role: "user",
            content: "Can I return it? [[fake:cached=400,cache_write=1000,cache_write_1h=3000]]",
          },
        ],
      })
      .withResponse();
    const { input_tokens: uncached, output_tokens: output } = data.usage;
    // claude-sonnet-4-5 per 1M tokens: $3 input, $0.30 cache read, $3.75 5-minute write, $6 1-hour
    // write, $15 output; each n × $/1M is n × (micro-USD / 1000) nano-USD
    const cost = uncached * 3_000 + 400 * 300 + 1_000 * 3_750 + 3_000 * 6_000 + output * 15_000;
    const logged = await waitFor(
      "the request log",
      async () =>
        (
          await pool.query(
            `SELECT input_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
                    output_tokens, cost_nano_usd::text AS cost
               FROM request_logs WHERE id = $1`,
            [response.headers.get("x-request-id")],
          )
        ).rows[0],
      (row) => row !== undefined,
    );
    expect(logged).toEqual({
      input_tokens: uncached + 400 + 1_000 + 3_000,
      cached_input_tokens: 400,
      cache_write_5m_tokens: 1_000,
      cache_write_1h_tokens: 3_000,
      output_tokens: output,
      cost: String(cost),
    });
    for (const table of ["usage_daily", "usage_hourly"] as const) {
      const was = table === "usage_daily" ? before.daily : before.hourly;
      expect(await rollup(table)).toEqual({
        w5m: was.w5m + 1_000,
        w1h: was.w1h + 3_000,
        cost: String(BigInt(was.cost) + BigInt(cost)),
      });
    }
  }, 30_000);
});
