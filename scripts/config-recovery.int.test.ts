import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import Anthropic from "@anthropic-ai/sdk";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishKey, seedDemo, type SeedDemoResult } from "@gatehouse/db";
import { createTestDatabase, type TestDatabase } from "@gatehouse/db/testing";
import { RedisKeys } from "@gatehouse/shared";
import { generateEncryptionKey, generateVirtualKey } from "@gatehouse/shared/server";
import { startFakeProvider, type FakeProvider } from "@gatehouse/testkit";
import { quietModelDeprecations } from "./traffic.mjs";

// "Redis restarted empty locks everyone out", end to end: the seed's demo workspace in
// PostgreSQL, the proxy and the worker as processes (from source, through tsx), the official
// SDKs as clients, only the LLM fake. Redis is a private redis-server (no persistence) that this
// file flushes and restarts: every shared db number is taken, and a restart drops every
// connection, which a FLUSHDB does not. Nobody runs `npm run resync`: the worker's config check
// notices the missing generation marker and republishes on its own.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ENCRYPTION_KEYS = generateEncryptionKey("e2e");
const OPENAI_MODEL = "gpt-4o-mini";
const ANTHROPIC_MODEL = "claude-haiku-4-5";

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const procs = new Set<Proc>();
let redisPort: number;
let redisUrl: string;
let redisServer: Proc;
let redis: Redis;
let db: TestDatabase;
let fake: FakeProvider;
let seed: SeedDemoResult;
let worker: Proc | null = null;
let proxy: Proc;
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

async function stop(proc: Proc, signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
  if (proc.child.exitCode !== null || proc.child.signalCode !== null) return;
  proc.child.kill(signal);
  await proc.exited;
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

async function startRedis(): Promise<void> {
  redisServer = startProcess(
    "redis-server",
    ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    ROOT,
    process.env,
  );
  await waitFor(
    "redis-server to answer",
    () => redisServer.output(),
    (out) => out.includes("Ready to accept connections") || redisServer.child.exitCode !== null,
  );
  if (redisServer.child.exitCode !== null) {
    throw new Error(`redis-server did not start:\n${redisServer.output()}`);
  }
}

function startWorker(): Proc {
  return startApp("worker", {
    DATABASE_URL: db.url,
    GATEHOUSE_WORKER_HOST: "127.0.0.1",
    GATEHOUSE_WORKER_PORT: "0",
    GATEHOUSE_WORKER_CONSUMERS: "config",
    GATEHOUSE_CONFIG_CHECK_INTERVAL_MS: "200",
  });
}

async function startProxy(): Promise<void> {
  proxy = startApp("proxy", { GATEHOUSE_PROXY_HOST: "127.0.0.1", GATEHOUSE_PROXY_PORT: "0" });
  const out = await waitFor(
    "the proxy to listen",
    () => proxy.output(),
    (o) => o.includes("gatehouse proxy listening") || proxy.child.exitCode !== null,
  );
  const url = /"msg":"gatehouse proxy listening"[^\n]*"url":"([^"]+)"/.exec(out)?.[1];
  if (!url) throw new Error(`the proxy did not start:\n${out}`);
  proxyUrl = url;
}

interface Outcome {
  status: number;
  body: unknown;
}

async function viaOpenai(key: string): Promise<Outcome> {
  const client = new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: key, maxRetries: 0 });
  try {
    await client.chat.completions.create({
      model: OPENAI_MODEL,
      messages: [{ role: "user", content: "hi" }],
    });
    return { status: 200, body: null };
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return { status: error.status ?? 0, body: error.error };
  }
}

async function viaAnthropic(key: string): Promise<Outcome> {
  const client = new Anthropic({ baseURL: proxyUrl, apiKey: key, maxRetries: 0 });
  try {
    await client.messages.create({
      model: ANTHROPIC_MODEL,
      max_tokens: 5,
      messages: [{ role: "user", content: "hi" }],
    });
    return { status: 200, body: null };
  } catch (error) {
    if (!(error instanceof Anthropic.APIError)) throw error;
    return { status: error.status ?? 0, body: error.error };
  }
}

const RESTORING = /configuration is being restored/;
const expectOpenai503 = (o: Outcome) =>
  expect(o).toMatchObject({
    status: 503,
    body: { message: expect.stringMatching(RESTORING), code: "unavailable" },
  });
const expectAnthropic503 = (o: Outcome) =>
  expect(o).toMatchObject({
    status: 503,
    body: {
      type: "error",
      error: { type: "overloaded_error", message: expect.stringMatching(RESTORING) },
    },
  });

const expectBudgetExceeded = (o: Outcome) =>
  expect(o).toMatchObject({
    status: 429,
    body: {
      code: "budget_exceeded",
      message: expect.stringContaining("lifetime budget of this key"),
    },
  });

async function readyz(): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${proxyUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const waitReady = (want: 200 | 503) => waitFor(`/readyz ${want}`, readyz, (r) => r.status === want);

beforeAll(async () => {
  quietModelDeprecations();
  redisPort = await freePort();
  redisUrl = `redis://127.0.0.1:${redisPort}`;
  await startRedis();
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  redis.on("error", () => undefined); // the file restarts Redis on purpose
  db = await createTestDatabase("config_recovery");
  fake = await startFakeProvider();
  seed = await seedDemo(db.prisma, redis, {
    fakeProviderUrl: fake.url,
    encryptionKeys: ENCRYPTION_KEYS,
    extraKeys: 5,
  });
  worker = startWorker();
  await startProxy();
  // the seed's own publish leaves no marker: the worker's check at boot republishes
  await waitReady(200);
}, 120_000);

afterAll(async () => {
  for (const proc of procs) {
    proc.child.kill("SIGKILL");
    await proc.exited;
  }
  redis?.disconnect();
  await fake?.close();
  await db?.drop();
});

describe("config recovery after Redis loses its data", () => {
  it("a genuinely unknown key is a 401 while the config is published", async () => {
    const unknown = generateVirtualKey().secret;
    expect(await viaOpenai(unknown)).toMatchObject({
      status: 401,
      body: { message: expect.stringMatching(/Invalid API key/) },
    });
    expect(await viaAnthropic(unknown)).toMatchObject({
      status: 401,
      body: { error: { type: "authentication_error" } },
    });
  });

  it("flushed mid-traffic: cold keys 503 (never 401), warm keys keep working, a spent budget stays shut, not ready, then the worker republishes on its own", async () => {
    const [warmA, warmB, coldA, coldB] = [seed.key, ...seed.extraKeys.map((k) => k.key)];
    expect((await viaOpenai(warmA!)).status).toBe(200);
    expect((await viaAnthropic(warmB!)).status).toBe(200);

    // a key whose lifetime budget is used up, per PostgreSQL's rollups (what the dashboard
    // shows); the proxy has it cached from its first refusal
    const spent = seed.extraKeys[4]!;
    await db.prisma.usageDaily.create({
      data: {
        workspaceId: seed.workspaceId,
        day: new Date("2020-01-01T00:00:00.000Z"),
        keyId: spent.keyId,
        model: OPENAI_MODEL,
        costNanoUsd: 1_000_000n,
        requests: 10,
      },
    });
    await db.prisma.virtualKey.update({
      where: { id: spent.keyId },
      data: { budgetAmountNanoUsd: 1_000_000n, budgetPeriod: "lifetime" },
    });
    await publishKey(db.prisma, redis, spent.keyId);
    expectBudgetExceeded(await viaOpenai(spent.key));
    const spentStatuses: number[] = [];

    // traffic on the warm keys for the whole test
    const statuses: number[] = [];
    let running = true;
    const traffic = (async () => {
      for (let i = 0; running; i++) {
        statuses.push((i % 2 === 0 ? await viaOpenai(warmA!) : await viaAnthropic(warmB!)).status);
      }
    })();
    // and the spent key keeps asking, the whole time
    const spentTraffic = (async () => {
      while (running) spentStatuses.push((await viaOpenai(spent.key)).status);
    })();
    await waitFor(
      "some traffic",
      () => statuses.length,
      (n) => n >= 4,
    );

    // Redis loses everything; the test holds the republish lock (as a replica in the middle of
    // its republish would) so the window before the republish can be looked at
    await redis
      .multi()
      .flushall()
      .set(RedisKeys.configRepublishLock, "test-hold", "PX", 60_000)
      .exec();

    const cold = await viaOpenai(coldA!);
    expectOpenai503(cold);
    expectAnthropic503(await viaAnthropic(coldB!));
    expectOpenai503(await viaOpenai(generateVirtualKey().secret));
    const notReady = await readyz();
    expect(notReady).toMatchObject({ status: 503, body: { configPublished: false } });
    // the spent key is cached, but its spend is gone from Redis: a retryable 503, never an
    // admission (until a publish in its workspace, or the republish, restores the spend)
    expect(await viaOpenai(spent.key)).toMatchObject({
      status: 503,
      body: { message: expect.stringMatching(/budget spend is being restored/) },
    });

    // the dashboard creates a key meanwhile: its own publish lands, and it works at once
    const created = generateVirtualKey();
    const row = await db.prisma.virtualKey.create({
      data: {
        workspaceId: seed.workspaceId,
        name: "made during the outage",
        keyHash: created.hash,
        prefix: created.prefix,
      },
    });
    await publishKey(db.prisma, redis, row.id);
    expect((await viaOpenai(created.secret)).status).toBe(200);
    // that publish restored the workspace's budget spend from PostgreSQL: shut again
    expectBudgetExceeded(await viaOpenai(spent.key));
    // another key whose publish is lost (written to Postgres only): the republish brings it
    const unpublished = generateVirtualKey();
    await db.prisma.virtualKey.create({
      data: {
        workspaceId: seed.workspaceId,
        name: "publish lost",
        keyHash: unpublished.hash,
        prefix: unpublished.prefix,
      },
    });
    expectOpenai503(await viaOpenai(unpublished.secret));

    // the replica is done (or died): the worker's periodic check republishes, nobody else acts
    await redis.del(RedisKeys.configRepublishLock);
    await waitReady(200);
    expect((await viaOpenai(coldA!)).status).toBe(200);
    expect((await viaAnthropic(coldB!)).status).toBe(200);
    expect((await viaOpenai(created.secret)).status).toBe(200);
    expect((await viaOpenai(unpublished.secret)).status).toBe(200);
    expect((await viaOpenai(generateVirtualKey().secret)).status).toBe(401);
    // the republish restored the spend from PostgreSQL: shut again, for the same reason
    expectBudgetExceeded(await viaOpenai(spent.key));

    running = false;
    await traffic;
    await spentTraffic;
    expect(statuses.length).toBeGreaterThan(4);
    expect(new Set(statuses)).toEqual(new Set([200]));
    // never a 401 (the key is known) and never admitted (the budget is spent)
    expect(spentStatuses.length).toBeGreaterThan(4);
    expect(spentStatuses.filter((status) => status !== 429 && status !== 503)).toEqual([]);
    expect(worker!.output()).toMatch(/republished the whole config/);
  });

  it("Redis restarted empty, then the proxy restarted against it: 503 and not ready until the worker republishes", async () => {
    const [warm, , , , other] = [seed.key, ...seed.extraKeys.map((k) => k.key)];
    expect((await viaOpenai(warm!)).status).toBe(200);
    // no worker for now, so the window before the republish stays open
    await stop(worker!);
    worker = null;

    await stop(redisServer, "SIGKILL");
    await startRedis();
    // the running proxy reconnects to the empty Redis and finds no marker: cached keys still
    // work, others cannot be checked
    await waitFor(
      "the proxy to see the empty Redis",
      readyz,
      (r) => r.body.configPublished === false,
    );
    expect((await viaOpenai(warm!)).status).toBe(200);
    expectOpenai503(await viaOpenai(other!));

    await stop(proxy);
    await startProxy();
    const notReady = await readyz();
    expect(notReady).toMatchObject({
      status: 503,
      body: { status: "not_ready", configPublished: false },
    });
    expectOpenai503(await viaOpenai(warm!));
    expectAnthropic503(await viaAnthropic(other!));

    worker = startWorker();
    await waitReady(200);
    expect((await viaOpenai(warm!)).status).toBe(200);
    expect((await viaAnthropic(other!)).status).toBe(200);
    expect((await viaOpenai(generateVirtualKey().secret)).status).toBe(401);
  });
});
