#!/usr/bin/env node
// Worker ingestion bench: usage events from the BullMQ queue into PostgreSQL, for real.
//
// For each concurrency: a fresh database (dropped and re-created, migrated), one workspace and a
// few virtual keys, Redis db 7 flushed and pre-filled with N events as `usage-batch` jobs of 500
// (the proxy's job options) while no worker runs; then the built worker (apps/worker/dist/main.js)
// is started and timed until request_logs holds N rows. The rollups are then checked against
// the generated events: usage_daily and usage_hourly must sum to exactly N requests and the
// exact summed cost.
//
//   node bench/worker-ingest.mjs [--events=200000] [--concurrency=2,4] [--batch=500] [--keys=5]
//
// Environment: BENCH_DATABASE_URL (server; the database name is replaced by
// gatehouse_bench_worker), BENCH_REDIS_URL (default redis://127.0.0.1:6379/7),
// BENCH_WORKER (default apps/worker/dist/main.js) to compare builds, BENCH_VERBOSE=1 for the
// worker's logs.
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// bullmq, ioredis and pg come from the repository's node_modules (the worker's dependencies)
const require = createRequire(path.join(root, "apps/worker/package.json"));
const { Queue } = require("bullmq");
const { Redis } = require("ioredis");
const pg = require("pg");

// ── options ──────────────────────────────────────────────────────────────────────────────
const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}`);
    return [m[1], m[2] ?? "true"];
  }),
);
const known = new Set(["events", "concurrency", "batch", "keys"]);
for (const name of Object.keys(args))
  if (!known.has(name)) throw new Error(`unknown option --${name}`);
const N = Number(args.events ?? 200_000);
const BATCH = Number(args.batch ?? 500);
const KEYS = Number(args.keys ?? 5);
const CONCURRENCIES = String(args.concurrency ?? "2,4")
  .split(",")
  .map(Number);
if (!(N > 0) || !(BATCH > 0) || !(KEYS > 0) || CONCURRENCIES.some((c) => !(c > 0))) {
  throw new Error("--events, --batch, --keys and --concurrency must be positive");
}
const VERBOSE = process.env.BENCH_VERBOSE === "1";

const DB_NAME = "gatehouse_bench_worker";
const serverUrl = (name) => {
  const url = new URL(
    process.env.BENCH_DATABASE_URL ??
      process.env.DATABASE_URL ??
      "postgresql://postgres@127.0.0.1:5432/postgres",
  );
  url.pathname = `/${name}`;
  return url.toString();
};
const DATABASE_URL = serverUrl(DB_NAME);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/7";
const QUEUE_PREFIX = "{gh-bull}"; // @gatehouse/shared QUEUE_PREFIX
const QUEUE = "usage";
const JOB = "usage-batch";
// the proxy's job options (apps/proxy/src/usage/emitter.ts)
const JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: "exponential", delay: 1000 },
  removeOnComplete: { count: 1000 },
  removeOnFail: { count: 10_000 },
};
const WORKER = path.resolve(
  process.env.BENCH_WORKER ?? path.join(root, "apps/worker/dist/main.js"),
);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const fmt = (n) => Math.round(n).toLocaleString("en-US");

// ── data ─────────────────────────────────────────────────────────────────────────────────
// deterministic pseudo-random numbers, so every run ingests the same mix
const SEED = 0x9e3779b9;
let seed = SEED;
function rand() {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
}
const pick = (list) => list[Math.floor(rand() * list.length)];
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));

const MODELS = [
  // [client model, provider, upstream model, format, weight]
  ["gpt-4o-mini", "openai", "gpt-4o-mini", "openai", 40],
  ["gpt-4o", "openai", "gpt-4o-2024-08-06", "openai", 15],
  ["claude-sonnet-4", "anthropic", "claude-sonnet-4-20250514", "anthropic", 20],
  ["claude-3-5-haiku", "anthropic", "claude-3-5-haiku-20241022", "anthropic", 15],
  ["gemini-2.0-flash", "gemini", "gemini-2.0-flash", "openai", 10],
];
const MODEL_WEIGHTS = MODELS.reduce((sum, m) => sum + m[4], 0);
function pickModel() {
  let r = rand() * MODEL_WEIGHTS;
  for (const m of MODELS) if ((r -= m[4]) < 0) return m;
  return MODELS[0];
}
const ERRORS = [
  [429, "rate_limited"],
  [502, "upstream_error"],
  [504, "upstream_timeout"],
  [400, "invalid_request"],
];

/** One event of a batch that the proxy flushed at `tsMs` (events of a batch are close in time). */
function makeEvent(workspaceId, keyIds, promptVersionIds, tsMs) {
  const [model, provider, upstreamModel, format] = pickModel();
  const failed = rand() < 0.05;
  const [status, errorType] = failed ? pick(ERRORS) : [200, null];
  const streamed = rand() < 0.4;
  const inputTokens = failed && status === 400 ? 0 : int(20, 4000);
  const outputTokens = failed ? 0 : int(1, 1200);
  const cachedInputTokens = rand() < 0.2 ? Math.floor(inputTokens * rand()) : 0;
  const costNanoUsd = failed ? 0 : inputTokens * int(150, 3000) + outputTokens * int(600, 15000);
  const latencyMs = Math.round(int(80, failed ? 30_000 : 8_000) * 10 * rand()) / 10;
  const ts = new Date(tsMs).toISOString();
  const deploymentId = `dep_${provider}`;
  const credentialId = `cred_${provider}`;
  const attempt = (st, err, ms) => ({
    deploymentId,
    credentialId,
    provider,
    upstreamModel,
    status: st,
    errorType: err,
    startedAt: ts,
    latencyMs: ms,
  });
  // most requests: one clean attempt; some errors and fallbacks carry their attempts
  const attempts =
    failed && status !== 400
      ? [attempt(status === 504 ? null : status, errorType, latencyMs)]
      : rand() < 0.03
        ? [attempt(503, "upstream_error", 12.5), attempt(200, null, latencyMs)]
        : [attempt(200, null, latencyMs)];
  const promptVersionId = rand() < 0.2 ? pick(promptVersionIds) : null;
  return {
    id: `req_${randomUUID().replace(/-/g, "")}`,
    ts,
    workspaceId,
    keyId: pick(keyIds),
    endpoint: format === "anthropic" ? "messages" : "chat.completions",
    clientFormat: format,
    model,
    routeId: `route_${model}`,
    deploymentId: status === 400 ? null : deploymentId,
    credentialId: status === 400 ? null : credentialId,
    provider: status === 400 ? null : provider,
    upstreamModel: status === 400 ? null : upstreamModel,
    promptId: promptVersionId === null ? null : "prompt_bench",
    promptVersionId,
    attempts: status === 400 ? [] : attempts,
    inputTokens,
    outputTokens,
    cachedInputTokens,
    costNanoUsd,
    status,
    errorType,
    streamed,
    clientAborted: streamed && rand() < 0.01,
    latencyMs,
    ttfbMs: failed ? null : Math.round(latencyMs * (streamed ? 0.1 : 0.95) * 10) / 10,
    payload: null,
  };
}

// ── setup ────────────────────────────────────────────────────────────────────────────────
async function freshDatabase() {
  const admin = new pg.Client({ connectionString: serverUrl("postgres") });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${DB_NAME}" WITH (FORCE)`);
  await admin.query(`CREATE DATABASE "${DB_NAME}"`);
  await admin.end();
  const migrated = spawnSync("npm", ["run", "-s", "migrate", "-w", "@gatehouse/db"], {
    cwd: root,
    env: { ...process.env, DATABASE_URL },
    encoding: "utf8",
  });
  if (migrated.status !== 0) {
    throw new Error(`migrate failed:\n${migrated.stdout}\n${migrated.stderr}`);
  }
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  const workspaceId = `ws_bench_${randomUUID().slice(0, 8)}`;
  await client.query(
    `INSERT INTO workspaces (id, name, slug, time_zone, updated_at)
     VALUES ($1, 'Bench', 'bench', 'Europe/Berlin', now())`,
    [workspaceId],
  );
  const keyIds = [];
  for (let i = 0; i < KEYS; i++) {
    const id = `key_bench_${i}`;
    await client.query(
      `INSERT INTO virtual_keys (id, workspace_id, name, key_hash, prefix, updated_at)
       VALUES ($1, $2, $3, $4, 'gh_bench', now())`,
      [id, workspaceId, `bench key ${i}`, randomUUID().replace(/-/g, "") + i],
    );
    keyIds.push(id);
  }
  return { client, workspaceId, keyIds };
}

/** Enqueues N events as batches; returns the expected totals. */
async function prefill(queue, workspaceId, keyIds) {
  const promptVersionIds = ["pv_bench_1", "pv_bench_2", "pv_bench_3"];
  // a proxy at ~2,000 requests/s: the N events span N/2000 seconds ending now, so batches
  // cross hour (and sometimes day) boundaries like real traffic
  const spanMs = (N / 2000) * 1000;
  const start = Date.now() - spanMs;
  let costSum = 0n;
  let errors = 0;
  let streamed = 0;
  let batches = 0;
  let pending = [];
  for (let done = 0; done < N;) {
    const size = Math.min(BATCH, N - done);
    const events = [];
    for (let i = 0; i < size; i++) {
      const event = makeEvent(
        workspaceId,
        keyIds,
        promptVersionIds,
        start + ((done + i) * spanMs) / N,
      );
      costSum += BigInt(event.costNanoUsd);
      if (event.status >= 400) errors++;
      if (event.streamed) streamed++;
      events.push(event);
    }
    done += size;
    batches++;
    pending.push({ name: JOB, data: { events }, opts: JOB_OPTIONS });
    if (pending.length === 20 || done === N) {
      await queue.addBulk(pending);
      pending = [];
    }
  }
  return { costSum, errors, streamed, batches };
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

function startWorker(port, concurrency) {
  const child = spawn(process.execPath, [WORKER], {
    cwd: path.join(root, "apps/worker"),
    env: {
      ...process.env,
      DATABASE_URL,
      REDIS_URL,
      GATEHOUSE_WORKER_HOST: "127.0.0.1",
      GATEHOUSE_WORKER_PORT: String(port),
      GATEHOUSE_WORKER_CONCURRENCY: String(concurrency),
      GATEHOUSE_WORKER_CONSUMERS: "usage",
    },
    stdio: ["ignore", VERBOSE ? "inherit" : "ignore", "inherit"],
  });
  return child;
}

/** CPU seconds (user+system) of a process from /proc/<pid>/stat, or null off Linux. */
async function cpuSeconds(pid) {
  try {
    const { readFile } = await import("node:fs/promises");
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks
  } catch {
    return null;
  }
}

// ── one run ──────────────────────────────────────────────────────────────────────────────
async function run(concurrency) {
  seed = SEED; // the same events' mix (and cost) for every concurrency
  const { client, workspaceId, keyIds } = await freshDatabase();
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  await redis.flushdb();
  const queue = new Queue(QUEUE, { connection: redis, prefix: QUEUE_PREFIX });
  const t0 = performance.now();
  const expected = await prefill(queue, workspaceId, keyIds);
  const prefillS = (performance.now() - t0) / 1000;
  const waiting = await queue.getWaitingCount();
  if (waiting !== expected.batches)
    throw new Error(`expected ${expected.batches} waiting jobs, found ${waiting}`);
  console.log(
    `\nconcurrency ${concurrency}: ${fmt(N)} events in ${fmt(expected.batches)} batches queued in ${prefillS.toFixed(1)} s`,
  );

  const port = await freePort();
  const started = performance.now();
  const worker = startWorker(port, concurrency);
  let exited = null;
  worker.on("exit", (code, signal) => (exited = signal ?? code));
  // ready = the health endpoint answers (the consumer starts before the server listens)
  let ready = null;
  let count = 0;
  try {
    for (;;) {
      if (exited !== null) throw new Error(`worker exited early (${exited})`);
      if (ready === null) {
        try {
          const res = await fetch(`http://127.0.0.1:${port}/healthz`);
          if (res.ok) ready = performance.now();
        } catch {
          /* not listening yet */
        }
      }
      // count(*) on the growing table costs a little; poll every 100 ms
      const { rows } = await client.query("SELECT count(*)::int AS n FROM request_logs");
      count = rows[0].n;
      if (count >= N) break;
      const failedJobs = await queue.getFailedCount();
      if (failedJobs > 0) {
        const [job] = await queue.getFailed(0, 0);
        throw new Error(`${failedJobs} job(s) failed: ${job?.failedReason}`);
      }
      await sleep(100);
    }
    const done = performance.now();
    const cpu = await cpuSeconds(worker.pid);
    const fromSpawn = (done - started) / 1000;
    const fromReady = (done - (ready ?? started)) / 1000;

    // verification: exact counts and cost, in logs and in both rollups
    const { rows: totals } = await client.query(
      `SELECT (SELECT count(*) FROM request_logs)::int AS logs,
              (SELECT COALESCE(sum(cost_nano_usd), 0)::text FROM request_logs) AS log_cost,
              (SELECT sum(requests)::int FROM usage_daily) AS daily_requests,
              (SELECT sum(errors)::int FROM usage_daily) AS daily_errors,
              (SELECT sum(streamed_requests)::int FROM usage_daily) AS daily_streamed,
              (SELECT sum(cost_nano_usd)::text FROM usage_daily) AS daily_cost,
              (SELECT count(*)::int FROM usage_daily) AS daily_rows,
              (SELECT sum(requests)::int FROM usage_hourly) AS hourly_requests,
              (SELECT sum(cost_nano_usd)::text FROM usage_hourly) AS hourly_cost,
              (SELECT sum((SELECT sum(b) FROM unnest(latency_buckets) b))::int FROM usage_daily) AS bucketed`,
    );
    const t = totals[0];
    const queueCounts = await queue.getJobCounts("waiting", "active", "delayed", "failed");
    const checks = [
      ["request_logs rows", t.logs, N],
      ["request_logs cost", t.log_cost, String(expected.costSum)],
      ["usage_daily requests", t.daily_requests, N],
      ["usage_daily errors", t.daily_errors, expected.errors],
      ["usage_daily streamed", t.daily_streamed, expected.streamed],
      ["usage_daily cost", t.daily_cost, String(expected.costSum)],
      ["usage_daily latency buckets", t.bucketed, N],
      ["usage_hourly requests", t.hourly_requests, N],
      ["usage_hourly cost", t.hourly_cost, String(expected.costSum)],
      ["failed jobs", queueCounts.failed, 0],
    ];
    const failed = checks.filter(([, got, want]) => got !== want);

    const eps = N / fromReady;
    console.log(
      `  ${fmt(eps)} events/s (${fmt(N / fromSpawn)} from spawn) · ${fmt(expected.batches)} batches of ≤${BATCH}` +
        ` · ${fromReady.toFixed(2)} s from ready, ${fromSpawn.toFixed(2)} s from spawn` +
        ` · ${fmt(expected.batches / fromReady)} batches/s`,
    );
    if (cpu !== null) {
      console.log(`  worker CPU ${cpu.toFixed(2)} s (${((cpu / N) * 1e6).toFixed(1)} µs/event)`);
    }
    console.log(
      `  verified: request_logs ${fmt(t.logs)}, usage_daily requests ${fmt(t.daily_requests)} in ${t.daily_rows} rows,` +
        ` cost ${t.daily_cost} nano-USD (expected ${expected.costSum}), usage_hourly ${fmt(t.hourly_requests)}` +
        ` — ${failed.length === 0 ? "OK" : "MISMATCH"}`,
    );
    for (const [name, got, want] of failed)
      console.log(`  MISMATCH ${name}: got ${got}, expected ${want}`);
    return { concurrency, eps, batches: expected.batches, ok: failed.length === 0 };
  } finally {
    if (exited === null) {
      worker.kill("SIGTERM");
      await new Promise((resolve) => worker.once("exit", resolve));
    }
    await queue.close();
    await redis.quit();
    await client.end();
  }
}

// ── main ─────────────────────────────────────────────────────────────────────────────────
if (!existsSync(WORKER)) {
  console.log("building the worker (apps/worker/dist/main.js is missing)");
  const built = spawnSync("npm", ["run", "build", "-w", "@gatehouse/worker"], {
    cwd: root,
    stdio: "inherit",
  });
  if (built.status !== 0) process.exit(1);
}
console.log(
  `worker ingest bench: ${fmt(N)} events, batches of ${BATCH}, ${KEYS} keys, concurrency ${CONCURRENCIES.join(", ")}`,
);
const results = [];
for (const concurrency of CONCURRENCIES) results.push(await run(concurrency));
console.log("\nsummary");
for (const r of results) {
  console.log(
    `  concurrency ${r.concurrency}: ${fmt(r.eps)} events/s, ${r.batches} batches, ${r.ok ? "exact" : "MISMATCH"}`,
  );
}
process.exit(results.every((r) => r.ok) ? 0 : 1);
