import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import OpenAI from "openai";
import pg from "pg";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { publishWorkspace, seedDemo, type SeedDemoResult } from "@gatehouse/db";
import { createTestDatabase, type TestDatabase } from "@gatehouse/db/testing";
import { RedisKeys } from "@gatehouse/shared";
import { generateEncryptionKey } from "@gatehouse/shared/server";
import { startFakeProvider, type FakeProvider } from "@gatehouse/testkit";
import { quietModelDeprecations } from "./traffic.mjs";

// What a new user sees after `npm start` (issue 14, item 9): the seed's demo workspace, the
// proxy and the worker as processes (from source), the official OpenAI SDK with its own retries
// off, only the LLM fake. A transient upstream failure is retried by the default policy; three
// in a row on gpt-4o-mini fall back to its Anthropic deployment, translated; the request log
// shows every attempt, and `npm run traffic` counts what retries and fallbacks saved.
// Redis: a private redis-server (every shared db number is taken).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ENCRYPTION_KEYS = generateEncryptionKey("e2e");

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const procs = new Set<Proc>();
let redisUrl: string;
let redis: Redis;
let db: TestDatabase;
let pool: pg.Pool;
let fake: FakeProvider;
let seed: SeedDemoResult;
let proxyUrl: string;

function startProcess(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Proc {
  let output = "";
  const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((done) => child.once("exit", (code) => done(code)));
  const proc = { child, output: () => output, exited };
  procs.add(proc);
  void exited.then(() => procs.delete(proc));
  return proc;
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T> | T,
  done: (value: T) => boolean,
  timeoutMs = 30_000,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > until) {
      throw new Error(`timed out waiting for ${what} (last: ${JSON.stringify(value)})`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function freePort(): Promise<number> {
  return new Promise((done) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

function startApp(app: "proxy" | "worker", env: Record<string, string>): Proc {
  return startProcess(
    process.execPath,
    ["--import", "tsx", "src/main.ts"],
    join(ROOT, "apps", app),
    {
      ...process.env,
      REDIS_URL: redisUrl,
      GATEHOUSE_ENCRYPTION_KEYS: ENCRYPTION_KEYS,
      GATEHOUSE_LOG_LEVEL: "info",
      ...env,
    },
  );
}

/** The request log row of one request, once the worker has written it. */
async function logged(requestId: string) {
  const row = await waitFor(
    `request ${requestId} in the request log`,
    async () =>
      (
        await pool.query<{ status: number; provider: string; attempts: unknown }>(
          "SELECT status, provider, attempts FROM request_logs WHERE id = $1",
          [requestId],
        )
      ).rows[0],
    (found) => found !== undefined,
  );
  return row!;
}

async function queueFaults(count: number): Promise<void> {
  const res = await fetch(`${fake.url}/_fake/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status: 503, count }),
  });
  expect(res.ok).toBe(true);
}

beforeAll(async () => {
  quietModelDeprecations();
  const redisPort = await freePort();
  redisUrl = `redis://127.0.0.1:${redisPort}`;
  const server = startProcess(
    "redis-server",
    ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    ROOT,
    process.env,
  );
  await waitFor(
    "redis-server to answer",
    () => server.output(),
    (out) => out.includes("Ready to accept connections") || server.child.exitCode !== null,
  );
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  db = await createTestDatabase("traffic_routing");
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  fake = await startFakeProvider();
  seed = await seedDemo(db.prisma, redis, {
    fakeProviderUrl: fake.url,
    encryptionKeys: ENCRYPTION_KEYS,
  });
  const worker = startApp("worker", {
    DATABASE_URL: db.url,
    GATEHOUSE_WORKER_HOST: "127.0.0.1",
    GATEHOUSE_WORKER_PORT: "0",
    GATEHOUSE_WORKER_CONSUMERS: "usage,config",
    GATEHOUSE_CONFIG_CHECK_INTERVAL_MS: "200",
  });
  const proxy = startApp("proxy", { GATEHOUSE_PROXY_HOST: "127.0.0.1", GATEHOUSE_PROXY_PORT: "0" });
  const out = await waitFor(
    "the proxy to listen",
    () => proxy.output(),
    (o) => o.includes("gatehouse proxy listening") || proxy.child.exitCode !== null,
  );
  proxyUrl = /"msg":"gatehouse proxy listening"[^\n]*"url":"([^"]+)"/.exec(out)?.[1] ?? "";
  if (!proxyUrl) throw new Error(`the proxy did not start:\n${out}\n${worker.output()}`);
  // the seed's publish leaves no generation marker: the worker's config check republishes
  await waitFor(
    "the proxy to be ready",
    async () => (await fetch(`${proxyUrl}/readyz`)).status,
    (status) => status === 200,
  );
}, 120_000);

afterAll(async () => {
  for (const proc of procs) {
    proc.child.kill("SIGKILL");
    await proc.exited;
  }
  redis?.disconnect();
  await fake?.close();
  await pool?.end();
  await db?.drop();
});

/** Every deployment healthy again: the shared cooldowns and failure windows cleared. */
async function clearHealth(): Promise<void> {
  const deployments = await db.prisma.modelDeployment.findMany({
    where: { workspaceId: seed.workspaceId },
    select: { id: true },
  });
  await redis.del(
    ...deployments.flatMap((d) => [
      RedisKeys.deploymentCooldown(seed.workspaceId, d.id),
      RedisKeys.deploymentFailures(seed.workspaceId, d.id),
    ]),
  );
}

describe("routing in the demo workspace, as a new user sees it", () => {
  const client = () => new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: seed.key, maxRetries: 0 });

  beforeEach(() => {
    // a test that failed must not leave its queued failures to the next
    fake.faults.clear();
  });

  it("a transient 503 is retried: the client gets the answer, the request log both attempts", async () => {
    await queueFaults(1);
    const { data, response } = await client()
      .chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
      })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    const row = await logged(response.headers.get("x-request-id")!);
    expect(row.status).toBe(200);
    expect(row.attempts).toMatchObject([
      { kind: "first", status: 503, provider: "openai" },
      { kind: "retry", status: 200, provider: "openai" },
    ]);
  }, 30_000);

  it("three failures in a row fall back to Anthropic, translated, in JSON and in a stream", async () => {
    await queueFaults(3);
    const { data, response } = await client()
      .chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
      })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.choices[0]?.message.content).toBeTruthy();
    const row = await logged(response.headers.get("x-request-id")!);
    expect(row).toMatchObject({ status: 200, provider: "anthropic" });
    expect(
      (row.attempts as { kind: string; provider: string }[]).map((a) => [a.kind, a.provider]),
    ).toEqual([
      ["first", "openai"],
      ["retry", "openai"],
      ["retry", "openai"],
      ["fallback", "anthropic"],
    ]);

    await queueFaults(3);
    const { data: stream, response: streamed } = await client()
      .chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "hi" }],
        stream: true,
      })
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    expect(await logged(streamed.headers.get("x-request-id")!)).toMatchObject({
      status: 200,
      provider: "anthropic",
    });
  }, 30_000);

  it("npm run traffic queues transient failures, the client sees none, and the summary counts what was saved", async () => {
    // which request a queued failure hits is up to the race between lanes; keep the shared
    // cooldown (a separate rule, tested with the proxy) from taking deployments out meanwhile
    await pool.query(
      `UPDATE model_routes SET policy = '{"cooldown":{"failures":1000}}'
        WHERE workspace_id = $1 AND alias = 'gpt-4o-mini'`,
      [seed.workspaceId],
    );
    await publishWorkspace(db.prisma, redis, seed.workspaceId);
    await clearHealth();
    const cli = spawn(
      process.execPath,
      [
        join(ROOT, "scripts", "traffic.mjs"),
        ...["--proxy-url", proxyUrl, "--keys", seed.key, "--provider-url", fake.url],
        ...["--database-url", db.url, "--models", "gpt-4o-mini", "--requests", "30"],
        ...["--concurrency", "2", "--error-rate", "0", "--transient-rate", "0.3", "--seed", "7"],
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
      ok: number;
      unexpected: number;
      transientFailures: number;
      routing: { logged: number; savedByRetry: number; savedByFallback: number };
    };
    expect(summary).toMatchObject({ requests: 30, ok: 30, unexpected: 0 });
    expect(summary.transientFailures).toBeGreaterThan(0);
    expect(summary.routing.logged).toBe(30);
    // every queued failure hit some request, and a retry or a fallback absorbed it
    expect(summary.routing.savedByRetry + summary.routing.savedByFallback).toBeGreaterThan(0);
    expect(summary.routing.savedByRetry + summary.routing.savedByFallback).toBeLessThanOrEqual(
      summary.transientFailures,
    );
  }, 60_000);
});
