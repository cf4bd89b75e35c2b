import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo, type SeedDemoResult } from "@gatehouse/db";
import { createTestDatabase, type TestDatabase } from "@gatehouse/db/testing";
import { generateEncryptionKey } from "@gatehouse/shared/server";
import { startFakeProvider, type FakeProvider } from "@gatehouse/testkit";
import { Redis } from "ioredis";
import { describeGuardrailsDemo, runGuardrailsDemo } from "./lib/guardrails-demo.mjs";
import { quietModelDeprecations } from "./traffic.mjs";

// Issue 15, item 7: what a new user sees on the first start. The seed's demo workspace, the
// proxy as a process (from source), the official SDKs; only the LLM is fake. The demo prompts
// hold an e-mail address: the fake provider must have received `[EMAIL_1]`, the client must
// get the address back (JSON and streamed, OpenAI and Anthropic formats), and a prompt holding
// an AWS key must be refused naming the detector, never the key. Redis is a private
// redis-server on a free port (every shared db number is taken, CONTRIBUTING.md).

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const ENCRYPTION_KEYS = generateEncryptionKey("guardrails-demo");

type Proc = { child: ChildProcess; output: () => string; exited: Promise<number | null> };
const procs = new Set<Proc>();
let db: TestDatabase;
let redis: Redis;
let fake: FakeProvider;
let seed: SeedDemoResult;
let proxyUrl: string;

function start(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Proc {
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

async function waitForOutput(proc: Proc, marker: string): Promise<string> {
  const until = Date.now() + 30_000;
  while (!proc.output().includes(marker)) {
    if (proc.child.exitCode !== null || Date.now() > until) {
      throw new Error(`no "${marker}" in:\n${proc.output()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return proc.output();
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

beforeAll(async () => {
  quietModelDeprecations();
  const redisPort = await freePort();
  const redisUrl = `redis://127.0.0.1:${redisPort}`;
  const redisServer = start(
    "redis-server",
    ["--port", String(redisPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
    ROOT,
    process.env,
  );
  await waitForOutput(redisServer, "Ready to accept connections");
  redis = new Redis(redisUrl, { maxRetriesPerRequest: null });
  db = await createTestDatabase("guardrails_demo");
  fake = await startFakeProvider();
  seed = await seedDemo(db.prisma, redis, {
    fakeProviderUrl: fake.url,
    encryptionKeys: ENCRYPTION_KEYS,
  });
  await db.prisma.$disconnect();
  const proxy = start(
    process.execPath,
    ["--import", "tsx", "src/main.ts"],
    join(ROOT, "apps", "proxy"),
    {
      ...process.env,
      REDIS_URL: redisUrl,
      GATEHOUSE_ENCRYPTION_KEYS: ENCRYPTION_KEYS,
      GATEHOUSE_PROXY_HOST: "127.0.0.1",
      GATEHOUSE_PROXY_PORT: "0",
      GATEHOUSE_LOG_LEVEL: "info",
    },
  );
  const out = await waitForOutput(proxy, "gatehouse proxy listening");
  const url = /"url":"(http:\/\/[^"]+)"/.exec(out.slice(out.indexOf("gatehouse proxy listening")));
  if (!url?.[1]) throw new Error(`no proxy URL in:\n${out}`);
  proxyUrl = url[1];
}, 90_000);

afterAll(async () => {
  for (const proc of procs) {
    proc.child.kill("SIGKILL");
    await proc.exited;
  }
  redis?.disconnect();
  await fake?.close();
  await db?.drop();
});

describe("the demo workspace's guardrails, as `npm run traffic` shows them", () => {
  it("the provider sees [EMAIL_1], the client gets the address back, a secret is refused", async () => {
    const demo = await runGuardrailsDemo({ proxyUrl, key: seed.key, providerUrl: fake.url });
    expect(demo.cases.map((c) => c.label)).toEqual([
      "OpenAI, JSON",
      "OpenAI, streamed",
      "Anthropic, streamed",
    ]);
    for (const c of demo.cases) {
      expect(c.providerSaw).toMatch(/^Email \[EMAIL_1\] about booking [A-Z]{6}\.$/);
      expect(c).toMatchObject({ masked: true, restored: true });
    }
    expect(demo.secret.status).toBe(400);
    expect(demo.secret.message).toMatch(/aws_key|AWS/);
    expect(demo.secret.message).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(demo.ok).toBe(true);

    // the address never reached the provider, in any request it recorded
    const recorded = JSON.stringify(fake.requests.map((r) => r.body));
    expect(recorded).not.toContain("ada.lovelace@example.com");
    expect(recorded).not.toContain("AKIAIOSFODNN7EXAMPLE");

    const lines = describeGuardrailsDemo(demo).join("\n");
    expect(lines).toContain('the provider saw "Email [EMAIL_1] about booking');
    expect(lines).toContain("ada.lovelace@example.com back in the answer");
    expect(lines).toContain("refused before any provider call (400");
  });
});
