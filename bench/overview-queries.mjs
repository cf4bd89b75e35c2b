#!/usr/bin/env node
// Overview queries bench: the dashboard's usage queries (packages/db/src/usage, the same module
// the tRPC routers call) against a workspace with millions of request logs.
//
// It (re)creates the database gatehouse_bench_overview (migrated), one workspace (Europe/Berlin)
// with --keys virtual keys, generates --logs request logs over --days days inside PostgreSQL
// (generate_series, in chunks; the three secondary indexes of request_logs are dropped during
// the load and re-created after, with their schema definitions), builds usage_daily and
// usage_hourly from them with INSERT … SELECT (the worker's aggregates), runs ANALYZE, then
// times every query --runs times after 3 warm-up runs and prints medians and p95s.
//
//   npm run bench:overview -- [--logs=5000000] [--days=90] [--keys=50] [--models=10]
//                             [--runs=25] [--reuse]
//
// --reuse skips the load when the database already holds a workspace of the same shape.
// Environment: BENCH_DATABASE_URL (server; the database name is replaced).
// Target (DESIGN.md): overview for 90 days at 5 M request logs < 100 ms median.
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import pg from "pg";
import { createPrismaClient } from "@gatehouse/db";
import { migrate } from "@gatehouse/db/migrate";
import {
  insertSyntheticRequestLogs,
  listRequestLogs,
  rebuildRollupsFromLogs,
  spendByKey,
  usageOverview,
} from "@gatehouse/db/usage";

const args = Object.fromEntries(
  process.argv.slice(2).map((arg) => {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}`);
    return [m[1], m[2] ?? "true"];
  }),
);
const known = new Set(["logs", "days", "keys", "models", "runs", "reuse"]);
for (const name of Object.keys(args)) {
  if (!known.has(name)) throw new Error(`unknown option --${name}`);
}
const LOGS = Number(args.logs ?? 5_000_000);
const DAYS = Number(args.days ?? 90);
const KEYS = Number(args.keys ?? 50);
const MODELS = Number(args.models ?? 10);
const RUNS = Number(args.runs ?? 25);
const REUSE = args.reuse === "true";
const CHUNK = 500_000;
const DB_NAME = "gatehouse_bench_overview";
const TIME_ZONE = "Europe/Berlin";
const DAY_MS = 86_400_000;

const serverUrl = (name) => {
  const url = new URL(
    process.env.BENCH_DATABASE_URL ??
      process.env.DATABASE_URL ??
      "postgresql://postgres@127.0.0.1:5432/postgres",
  );
  url.pathname = `/${name}`;
  return url.toString();
};

const log = (line) => process.stdout.write(`${line}\n`);
const seconds = (t0) => `${((performance.now() - t0) / 1000).toFixed(1)} s`;

async function admin(sql) {
  const client = new pg.Client({ connectionString: serverUrl("postgres") });
  await client.connect();
  try {
    return await client.query(sql);
  } finally {
    await client.end();
  }
}

const keyIds = Array.from({ length: KEYS }, (_, i) => `bench_key_${String(i).padStart(3, "0")}`);
const models = Array.from({ length: MODELS }, (_, i) => `bench-model-${i}`);
const promptVersionIds = Array.from({ length: 6 }, (_, i) => `bench_pv_${i}`);

async function load(db, workspaceId, end) {
  const start = new Date(end.getTime() - DAYS * DAY_MS);
  const indexes = await db.$queryRaw`
    SELECT indexname, indexdef FROM pg_indexes
    WHERE tablename = 'request_logs' AND indexname <> 'request_logs_pkey'`;
  for (const { indexname } of indexes) await db.$executeRawUnsafe(`DROP INDEX "${indexname}"`);
  let t0 = performance.now();
  for (let offset = 0; offset < LOGS; offset += CHUNK) {
    await insertSyntheticRequestLogs(db, {
      workspaceId,
      keyIds,
      models,
      promptVersionIds,
      count: Math.min(CHUNK, LOGS - offset),
      offset,
      total: LOGS,
      idPrefix: "bench_",
      from: start,
      to: end,
    });
    process.stdout.write(
      `\r  request logs: ${Math.min(offset + CHUNK, LOGS).toLocaleString("en")}`,
    );
  }
  log(` (${seconds(t0)})`);
  t0 = performance.now();
  for (const { indexdef } of indexes) await db.$executeRawUnsafe(indexdef);
  log(`  indexes re-created: ${indexes.map((i) => i.indexname).join(", ")} (${seconds(t0)})`);
  t0 = performance.now();
  const built = await rebuildRollupsFromLogs(db, workspaceId);
  log(`  rollups: ${built.daily} daily rows, ${built.hourly} hourly rows (${seconds(t0)})`);
  t0 = performance.now();
  await db.$executeRawUnsafe("ANALYZE");
  await db.$executeRawUnsafe("VACUUM (ANALYZE) request_logs");
  log(`  ANALYZE + VACUUM (${seconds(t0)})`);
}

async function time(label, fn, notes) {
  for (let i = 0; i < 3; i++) await fn();
  const samples = [];
  let result;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    result = await fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  const median = samples[Math.floor(samples.length / 2)];
  const p95 = samples[Math.min(samples.length - 1, Math.ceil(samples.length * 0.95) - 1)];
  const detail = notes ? notes(result) : "";
  log(
    `  ${label.padEnd(44)} median ${median.toFixed(1).padStart(6)} ms   p95 ${p95.toFixed(1).padStart(6)} ms${detail ? `   ${detail}` : ""}`,
  );
  return { label, median, p95 };
}

async function main() {
  const existing = await admin(`SELECT 1 FROM pg_database WHERE datname = '${DB_NAME}'`);
  const url = serverUrl(DB_NAME);
  let db;
  let workspaceId;
  let end;
  if (REUSE && existing.rowCount > 0) {
    db = createPrismaClient(url, { poolSize: 4 });
    const ws = await db.workspace.findFirst({ where: { slug: "bench-overview" } });
    const count = ws ? await db.requestLog.count({ where: { workspaceId: ws.id } }) : 0;
    if (ws && count === LOGS) {
      workspaceId = ws.id;
      const last = await db.requestLog.findFirst({
        where: { workspaceId },
        orderBy: { ts: "desc" },
        select: { ts: true },
      });
      end = new Date(last.ts.getTime() + 1);
      log(`reusing ${DB_NAME}: ${count.toLocaleString("en")} request logs`);
    } else {
      await db.$disconnect();
      db = undefined;
    }
  }
  if (!db) {
    log(`creating ${DB_NAME} …`);
    await admin(`DROP DATABASE IF EXISTS ${DB_NAME} WITH (FORCE)`);
    await admin(`CREATE DATABASE ${DB_NAME}`);
    await migrate(url);
    db = createPrismaClient(url, { poolSize: 4 });
    const workspace = await db.workspace.create({
      data: { name: "Bench", slug: "bench-overview", timeZone: TIME_ZONE },
    });
    workspaceId = workspace.id;
    await db.virtualKey.createMany({
      data: keyIds.map((id, i) => ({
        id,
        workspaceId,
        name: `Bench key ${i}`,
        keyHash: `bench-hash-${i}`,
        prefix: `gh_b${i}`,
        ...(i % 5 === 0 ? { budgetAmountNanoUsd: 50_000_000_000n, budgetPeriod: "monthly" } : {}),
      })),
    });
    end = new Date();
    log(
      `generating ${LOGS.toLocaleString("en")} request logs over ${DAYS} days, ${KEYS} keys × ${MODELS} models …`,
    );
    await load(db, workspaceId, end);
  }

  const [{ daily, hourly }] = await db.$queryRaw`
    SELECT (SELECT count(*) FROM usage_daily)::int AS daily, (SELECT count(*) FROM usage_hourly)::int AS hourly`;
  const overview =
    (days, extra = {}) =>
    () =>
      usageOverview(db, {
        workspaceId,
        timeZone: TIME_ZONE,
        from: new Date(end.getTime() - days * DAY_MS),
        to: end,
        groupBy: "model",
        ...extra,
      });
  const totals = (r) =>
    `${r.totals.requests.toLocaleString("en")} requests, ${r.series.length} points`;

  log("");
  log(
    `Overview queries — ${LOGS.toLocaleString("en")} request logs over ${DAYS} days, ${KEYS} keys × ${MODELS} models; ` +
      `rollups: ${daily.toLocaleString("en")} daily / ${hourly.toLocaleString("en")} hourly rows; ` +
      `${RUNS} runs each (after 3 warm-ups), PostgreSQL ${(await db.$queryRaw`SHOW server_version`)[0].server_version}, Node ${process.version}`,
  );
  log(
    `  load average at start: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(" ")} (2 cores shared)`,
  );
  const results = [];
  // the floor in the same run: one bare pass over the same 90 days of daily rollup rows
  const firstDay = new Date(end.getTime() - 90 * DAY_MS).toISOString().slice(0, 10);
  results.push(
    await time(
      "baseline: sum(cost) over the 90 d daily rows",
      () =>
        db.$queryRaw`SELECT count(*)::int AS n, sum(cost_nano_usd)::int8 AS cost FROM usage_daily
        WHERE workspace_id = ${workspaceId} AND day >= ${firstDay}::date`,
    ),
  );
  results.push(await time("overview 90 d by model (daily rollups)", overview(90), totals));
  results.push(await time("overview 90 d by key", overview(90, { groupBy: "key" }), totals));
  results.push(await time("overview 90 d by prompt", overview(90, { groupBy: "prompt" }), totals));
  results.push(
    await time(
      "overview 90 d, one key + one model",
      overview(90, { keyIds: [keyIds[3]], models: [models[10 % MODELS] ?? models[0]] }),
      totals,
    ),
  );
  results.push(await time("overview 30 d by model", overview(30), totals));
  results.push(await time("overview 7 d by model (daily + hourly edges)", overview(7), totals));
  results.push(await time("overview 24 h by model (hourly points)", overview(1), totals));
  results.push(
    await time("budgets (spend per key: today/week/month/total)", () =>
      spendByKey(db, { workspaceId, timeZone: TIME_ZONE, now: end }),
    ),
  );
  const page = (filters) => () => listRequestLogs(db, { workspaceId, filters, limit: 50 });
  const rows = (r) => `${r.items.length} rows`;
  results.push(await time("request log page 1, unfiltered", page({}), rows));
  results.push(await time("request log page 1, one key", page({ keyIds: [keyIds[7]] }), rows));
  results.push(await time("request log page 1, one model", page({ models: [models[2]] }), rows));
  results.push(await time("request log page 1, errors only", page({ status: "error" }), rows));
  results.push(
    await time("request log page 1, min cost $0.005", page({ minCostNanoUsd: 5_000_000n }), rows),
  );
  const deep = await listRequestLogs(db, {
    workspaceId,
    filters: {},
    cursor: { ts: new Date(end.getTime() - 45 * DAY_MS), id: "~" },
    limit: 50,
  });
  results.push(
    await time(
      "request log page deep (45 days back, by cursor)",
      () =>
        listRequestLogs(db, {
          workspaceId,
          filters: {},
          cursor: { ts: deep.items[0].ts, id: deep.items[0].id },
          limit: 50,
        }),
      rows,
    ),
  );

  const target = results[1].median;
  log("");
  log(
    `target: overview for 90 days < 100 ms median → ${target.toFixed(1)} ms ${target < 100 ? "✓" : "✗ (missed)"}` +
      ` (${(target / results[0].median).toFixed(1)}× the bare pass over its rows; load average now ${loadavg()[0].toFixed(1)})`,
  );
  await db.$disconnect();
  if (target >= 100) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
