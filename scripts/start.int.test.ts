import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { READY_LINE } from "./lib/dev-state.mjs";
import { freePort } from "./lib/net.mjs";

// `npm start` (scripts/gatehouse.mjs up) as a user meets it: the message when a service is
// missing, and a whole run — up, answer through the proxy with the OpenAI SDK, the worker
// killed and restarted while the proxy and dashboard keep serving, Ctrl-C, nothing left behind.
// Runs on its own ports, database, Redis db 5, env file and state folder.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SCRIPT = join(ROOT, "scripts", "gatehouse.mjs");
const REDIS_DB = 5;
// `npm test` builds everything first and sets GATEHOUSE_SKIP_BUILD=1; run alone, the start
// command builds (turbo) and may take minutes.
const BUILT = process.env.GATEHOUSE_SKIP_BUILD === "1";

type Run = {
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  exited: Promise<number | null>;
};

function startCommand(env: Record<string, string>): Run {
  let stdout = "";
  let stderr = "";
  const child = spawn(process.execPath, [SCRIPT, "up"], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => (stdout += chunk));
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolveExit) =>
    child.on("exit", (code) => resolveExit(code)),
  );
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

async function isolatedEnv(dir: string): Promise<Record<string, string>> {
  return {
    GATEHOUSE_ENV_FILE: join(dir, ".env"),
    GATEHOUSE_STATE_DIR: join(dir, "state"),
    GATEHOUSE_WEB_PORT: String(await freePort()),
    GATEHOUSE_PROXY_PORT: String(await freePort()),
    GATEHOUSE_WORKER_PORT: String(await freePort()),
    FAKE_PROVIDER_PORT: String(await freePort()),
  };
}

/** FLUSHDB on the Redis db of `url` (this suite owns db 5), over a raw socket. */
function flushRedisDb(url: string): Promise<void> {
  const u = new URL(url);
  const command = (...parts: string[]) =>
    `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join("")}`;
  const commands = [
    ...(u.password
      ? [
          command(
            "AUTH",
            ...(u.username ? [decodeURIComponent(u.username)] : []),
            decodeURIComponent(u.password),
          ),
        ]
      : []),
    command("SELECT", u.pathname.slice(1) || "0"),
    command("FLUSHDB"),
  ];
  return new Promise((resolveFlush, reject) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 6379) });
    let received = "";
    socket.on("connect", () => socket.write(commands.join("")));
    socket.on("data", (chunk) => {
      received += chunk.toString();
      if (received.includes("-")) reject(new Error(received));
      if (received.split("\r\n").filter(Boolean).length >= commands.length) {
        socket.end();
        resolveFlush();
      }
    });
    socket.on("error", reject);
  });
}

/** A port nothing listens on (bound once, then released). */
const closedPort = () => freePort();

/** pid → parent pid, for every process (Linux /proc). */
function processTable(): Map<number, { ppid: number; state: string }> {
  const table = new Map<number, { ppid: number; state: string }>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // pid (comm) state ppid …; comm may contain spaces and parentheses
      const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      table.set(Number(entry), { state: rest[0] ?? "?", ppid: Number(rest[1]) });
    } catch {
      // exited while we looked
    }
  }
  return table;
}

function descendantsOf(pid: number): number[] {
  const table = processTable();
  const found: number[] = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [child, info] of table) {
      if (info.ppid === parent && !found.includes(child)) {
        found.push(child);
        queue.push(child);
      }
    }
  }
  return found;
}

/** The working directory of a process (Linux /proc), or undefined when it is gone. */
function cwdOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/cwd`);
  } catch {
    return undefined;
  }
}

async function until<T>(what: string, probe: () => Promise<T> | T, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await Promise.resolve()
      .then(probe)
      .catch(() => undefined);
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolveWait) => setTimeout(resolveWait, 200));
  }
}

function alive(pid: number): boolean {
  const info = processTable().get(pid);
  return info !== undefined && info.state !== "Z";
}

function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const socket = connect({ port, host: "127.0.0.1" });
    socket.once("connect", () => {
      socket.destroy();
      resolvePort(true);
    });
    socket.once("error", () => resolvePort(false));
  });
}

function expectOneParagraphWithoutStack(stderr: string) {
  const message = stderr.trim();
  expect(message.split(/\n\s*\n/)).toHaveLength(1);
  expect(message).not.toMatch(/^\s+at /m);
  expect(message).not.toMatch(/Error:|node:internal|\.mjs:\d+/);
}

describe("npm start when a service is missing", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "gatehouse-start-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("names PostgreSQL, the URL it tried and how to provide it, in one paragraph, and exits 1", async () => {
    const port = await closedPort();
    const run = startCommand({
      ...(await isolatedEnv(dir)),
      DATABASE_URL: `postgresql://postgres@127.0.0.1:${port}/gatehouse`,
    });
    expect(await run.exited).toBe(1);
    const stderr = run.stderr();
    expect(stderr).toContain("PostgreSQL is not reachable");
    expect(stderr).toContain(`127.0.0.1:${port}`);
    expect(stderr).toContain("DATABASE_URL");
    expect(stderr).toMatch(/apt-get install -y postgresql/);
    expect(stderr).toMatch(/brew install postgresql/);
    expect(stderr).toContain("docker compose up -d postgres");
    expect(stderr).not.toContain("Redis");
    expectOneParagraphWithoutStack(stderr);
  });

  it("names Redis, the URL it tried and how to provide it, in one paragraph, and exits 1", async () => {
    const port = await closedPort();
    const run = startCommand({
      ...(await isolatedEnv(dir)),
      REDIS_URL: `redis://127.0.0.1:${port}/${REDIS_DB}`,
    });
    expect(await run.exited).toBe(1);
    const stderr = run.stderr();
    expect(stderr).toContain("Redis is not reachable");
    expect(stderr).toContain(`127.0.0.1:${port}`);
    expect(stderr).toContain("REDIS_URL");
    expect(stderr).toMatch(/apt-get install -y redis-server/);
    expect(stderr).toMatch(/brew install redis/);
    expect(stderr).toContain("docker compose up -d redis");
    expect(stderr).not.toContain("PostgreSQL");
    expectOneParagraphWithoutStack(stderr);
  });

  it("says which port is taken instead of starting", async () => {
    const env = await isolatedEnv(dir);
    const blocker = (await import("node:net"))
      .createServer()
      .listen(Number(env.GATEHOUSE_PROXY_PORT), "127.0.0.1");
    await new Promise((r) => blocker.once("listening", r));
    try {
      const run = startCommand(env);
      expect(await run.exited).toBe(1);
      expect(run.stderr()).toContain(
        `port ${env.GATEHOUSE_PROXY_PORT} (the proxy) is already in use`,
      );
      expect(run.stderr()).toContain("GATEHOUSE_PROXY_PORT=");
      expectOneParagraphWithoutStack(run.stderr());
    } finally {
      blocker.close();
    }
  });
});

describe("npm start, end to end", () => {
  let dir: string;
  let db: TestDatabase;
  let run: Run | undefined;
  let env: Record<string, string>;
  let children: number[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "gatehouse-e2e-"));
    db = await createTestDatabase("e2e");
    env = { ...(await isolatedEnv(dir)), DATABASE_URL: db.url, REDIS_URL: testRedisUrl(REDIS_DB) };
    await flushRedisDb(env.REDIS_URL as string);
  });

  afterAll(async () => {
    if (run && run.child.exitCode === null) {
      run.child.kill("SIGKILL");
    }
    for (const pid of children) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // already gone
      }
    }
    await db?.drop();
    if (env?.REDIS_URL) await flushRedisDb(env.REDIS_URL);
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    "starts everything, answers through the proxy with the demo key, and stops cleanly on Ctrl-C",
    async () => {
      run = startCommand(env);
      const current = run;
      // Wait for the ready line (or an early exit, whose output then explains why).
      await new Promise<void>((resolveReady, reject) => {
        const timer = setInterval(() => {
          if (current.stdout().includes(READY_LINE)) {
            clearInterval(timer);
            resolveReady();
          } else if (current.child.exitCode !== null) {
            clearInterval(timer);
            reject(
              new Error(
                `start exited with ${current.child.exitCode}:\n${current.stdout()}\n${current.stderr()}`,
              ),
            );
          }
        }, 200);
      });
      children = descendantsOf(current.child.pid as number);
      // fake provider, proxy, worker and web, each with whatever it spawned
      expect(children.length).toBeGreaterThanOrEqual(4);

      const dev = JSON.parse(
        readFileSync(join(env.GATEHOUSE_STATE_DIR as string, "dev.json"), "utf8"),
      ) as Record<string, string>;
      expect(Object.keys(dev).sort()).toEqual([
        "dashboardUrl",
        "demoEmail",
        "demoKey",
        "demoPassword",
        "proxyUrl",
      ]);
      expect(dev.proxyUrl).toBe(`http://localhost:${env.GATEHOUSE_PROXY_PORT}`);
      expect(dev.dashboardUrl).toBe(`http://localhost:${env.GATEHOUSE_WEB_PORT}`);
      expect(dev.demoKey).toMatch(/^gh_/);
      // the banner shows the same key in ready-to-paste snippets
      expect(current.stdout()).toContain(`Authorization: Bearer ${dev.demoKey}`);
      expect(current.stdout()).toContain(`base_url="${dev.proxyUrl}/v1"`);

      const openai = new OpenAI({
        baseURL: `${dev.proxyUrl}/v1`,
        apiKey: dev.demoKey,
        maxRetries: 0,
      });
      const reply = await openai.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Say hello" }],
      });
      expect(reply.choices[0]?.message.content).toBeTruthy();
      expect(reply.usage?.total_tokens).toBeGreaterThan(0);

      const dashboard = await fetch(dev.dashboardUrl as string);
      expect(dashboard.status).toBe(200);

      // The worker crashes: it is restarted, and the proxy and dashboard keep serving meanwhile.
      const startPid = current.child.pid as number;
      const workerDir = join(ROOT, "apps", "worker");
      const workerPids = () => descendantsOf(startPid).filter((pid) => cwdOf(pid) === workerDir);
      const [crashed] = workerPids();
      expect(crashed).toBeDefined();
      // the first call's usage is in before the crash, so the count below is the new worker's
      const logged = () => db.prisma.requestLog.count();
      const before = await until("the first call's usage", logged);
      process.kill(crashed as number, "SIGKILL");
      await until("the restart notice", () =>
        current
          .stderr()
          .includes("worker exited unexpectedly (killed by SIGKILL); restarting it in 1 s"),
      );
      const duringRestart = await openai.chat.completions.create({
        model: "gpt-4o-mini",
        messages: [{ role: "user", content: "Still there?" }],
      });
      expect(duringRestart.choices[0]?.message.content).toBeTruthy();
      expect((await fetch(dev.dashboardUrl as string)).status).toBe(200);
      // a new worker process answers its health check and records what the proxy sent meanwhile
      await until("a new worker", () => workerPids().some((pid) => pid !== crashed));
      await until("the worker's health check", async () => {
        const health = await fetch(`http://127.0.0.1:${env.GATEHOUSE_WORKER_PORT}/healthz`);
        return health.ok;
      });
      await until("the second call's usage", async () => (await logged()) === before + 1);
      expect(current.child.exitCode).toBeNull();
      expect(current.stdout()).toContain("Restarting worker");
      // Ctrl-C must stop the restarted worker too
      children = [...new Set([...children, ...descendantsOf(startPid)])];

      current.child.kill("SIGINT");
      expect(await current.exited).toBe(0);
      expect(current.stdout()).toContain("Stopped");
      expect(children.filter(alive)).toEqual([]);
      for (const port of [
        env.GATEHOUSE_WEB_PORT,
        env.GATEHOUSE_PROXY_PORT,
        env.GATEHOUSE_WORKER_PORT,
        env.FAKE_PROVIDER_PORT,
      ]) {
        expect(await portAnswers(Number(port)), `port ${port}`).toBe(false);
      }
    },
    BUILT ? 300_000 : 1_200_000,
  );
});
