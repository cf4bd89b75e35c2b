/**
 * Browser-test harness: the production build served by `next start` on a free port, against
 * its own database (seeded with the demo user) and a Redis db (its own when `redisDb` is given,
 * FLUSHDB'd at start; else apps/web's db 3, shared and never flushed), driven by Debian's
 * chromium.
 *
 * With `gateway`, the harness also runs the data plane for real: the fake LLM provider
 * (in-process), the built proxy (`apps/proxy/dist/main.js`) and optionally the worker
 * (`apps/worker/dist/main.js`), all sharing the web server's encryption keys, database and
 * Redis db; the web server's GATEHOUSE_PROXY_URL is then the real proxy's URL.
 *
 *   const harness = await startHarness("web-e2e-newcomer", { redisDb: 8, gateway: { worker: true } });
 *   new OpenAI({ baseURL: `${harness.proxyUrl}/v1`, apiKey: virtualKeySecret });
 *   // credential base URL for the UI: harness.fakeProvider.openaiBaseUrl
 *
 * Redis db numbers in use by browser tests: 3 (shared, no gateway), 8 (newcomer), 9, 10 (other
 * suites): give every test file that starts a gateway its own.
 *
 * The Next build is reused when `<distDir>/BUILD_ID` exists (run `next build` yourself after
 * changing the app, or set GATEHOUSE_E2E_REBUILD=1 to have the harness rebuild once); the proxy
 * and worker bundles are rebuilt when missing or older than their sources. Each test file that
 * calls startHarness() gets its own server(s) and database.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, statSync } from "node:fs";
import { mkdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_EMAIL, DEMO_PASSWORD } from "@gatehouse/db";
import { createTestDatabase, testRedisUrl } from "@gatehouse/db/testing";
import { generateEncryptionKey } from "@gatehouse/shared/server";
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from "@gatehouse/testkit";
import { Redis } from "ioredis";
import { chromium, type Browser, type Page } from "playwright-core";
import { hashPassword } from "../src/server/auth/credentials";

const WEB_DIR = fileURLToPath(new URL("..", import.meta.url));
const REPO_DIR = path.resolve(WEB_DIR, "..", "..");
const SCREENSHOT_DIR = path.join(WEB_DIR, "artifacts", "screenshots");
const NEXT_BIN = createRequire(import.meta.url).resolve("next/dist/bin/next");
const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];
const DEFAULT_REDIS_DB = 3;
const DIST_DIR = process.env.GATEHOUSE_NEXT_DIST_DIR ?? ".next";

export const DEMO_USER = {
  email: DEMO_EMAIL,
  password: DEMO_PASSWORD,
  name: "Demo User",
  workspace: "Demo workspace",
} as const;
/** A user with a password and no workspace yet. */
export const NEWCOMER = { email: "newcomer@example.test", password: "newcomer-password" } as const;
/** A workspace the demo user is not in: it must never show up on their pages. */
export const OTHER_WORKSPACE = "Other team";
/** The web server's GATEHOUSE_PROXY_URL when the harness runs no gateway (nothing listens). */
export const PROXY_URL = "http://proxy.gatehouse.test:8787";

export interface HarnessOptions {
  /**
   * A Redis db of this test file's own, FLUSHDB'd at start. Without it the harness uses db 3
   * (apps/web's, shared with its integration tests), which is never flushed.
   */
  redisDb?: number;
  /** Also run the fake provider, the proxy and (with `worker: true`) the worker. */
  gateway?: GatewayOptions;
}

export interface GatewayOptions {
  /** also run the worker (usage events → request logs and rollups in the harness database) */
  worker?: boolean;
  /** options of the fake provider, e.g. `{ apiKey }` so only that provider key is accepted */
  provider?: FakeProviderOptions;
}

export interface Harness {
  baseUrl: string;
  browser: Browser;
  /** The proxy the web server advertises: the real one with `gateway`, else PROXY_URL. */
  proxyUrl: string;
  /** The fake LLM provider (only with `gateway`). */
  fakeProvider: FakeProvider | undefined;
  /** The worker's health/metrics URL (only with `gateway: { worker: true }`). */
  workerUrl: string | undefined;
  /** The harness's own database (seeded; dropped on close). */
  databaseUrl: string;
  /** redis://…/<redisDb>, shared by web, proxy and worker. */
  redisUrl: string;
  /** Saves a full-page PNG to artifacts/screenshots/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  /** The web server's output so far (for failure messages and leak checks). */
  serverLog(): string;
  /** The proxy's and worker's output so far (empty without `gateway`). */
  gatewayLog(): string;
  close(): Promise<void>;
}

/** A harness started with `gateway`: the data-plane fields are always set. */
export interface GatewayHarness extends Harness {
  fakeProvider: FakeProvider;
}

export function startHarness(
  label: string,
  options: HarnessOptions & { gateway: GatewayOptions },
): Promise<GatewayHarness>;
export function startHarness(label?: string, options?: HarnessOptions): Promise<Harness>;
export async function startHarness(
  label = "web-e2e",
  options: HarnessOptions = {},
): Promise<Harness> {
  const redisDb = options.redisDb ?? DEFAULT_REDIS_DB;
  const redisUrl = testRedisUrl(redisDb);
  await ensureProductionBuild();
  if (options.gateway) await ensureGatewayBuild(options.gateway.worker === true);
  // a dedicated db starts empty; the shared default is left alone (its other users may be running)
  if (options.redisDb !== undefined) await flushRedis(redisUrl);
  const testDb = await createTestDatabase(label);
  const encryptionKeys = generateEncryptionKey("e2e");
  const children: ChildProcess[] = [];
  let fakeProvider: FakeProvider | undefined;
  let browser: Browser | undefined;
  const log: string[] = [];
  const gatewayLog: string[] = [];
  try {
    await seed(testDb.prisma);

    let proxyUrl = PROXY_URL;
    let workerUrl: string | undefined;
    if (options.gateway) {
      fakeProvider = await startFakeProvider(options.gateway.provider);
      const proxyPort = await freePort();
      proxyUrl = `http://127.0.0.1:${proxyPort}`;
      const proxy = spawnLogged(
        path.join(REPO_DIR, "apps", "proxy", "dist", "main.js"),
        {
          ...baseEnv(),
          REDIS_URL: redisUrl,
          GATEHOUSE_ENCRYPTION_KEYS: encryptionKeys,
          GATEHOUSE_PROXY_HOST: "127.0.0.1",
          GATEHOUSE_PROXY_PORT: String(proxyPort),
          GATEHOUSE_LOG_LEVEL: "warn",
        },
        gatewayLog,
        "proxy",
      );
      children.push(proxy);
      if (options.gateway.worker) {
        const workerPort = await freePort();
        workerUrl = `http://127.0.0.1:${workerPort}`;
        const worker = spawnLogged(
          path.join(REPO_DIR, "apps", "worker", "dist", "main.js"),
          {
            ...baseEnv(),
            DATABASE_URL: testDb.url,
            REDIS_URL: redisUrl,
            // the alerts consumer decrypts webhook signing secrets with them
            GATEHOUSE_ENCRYPTION_KEYS: encryptionKeys,
            GATEHOUSE_WORKER_HOST: "127.0.0.1",
            GATEHOUSE_WORKER_PORT: String(workerPort),
          },
          gatewayLog,
          "worker",
        );
        children.push(worker);
        await waitForReady(`${workerUrl}/readyz`, "worker", worker, () => gatewayLog.join(""));
      }
      await waitForReady(`${proxyUrl}/readyz`, "proxy", proxy, () => gatewayLog.join(""));
    }

    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    const server = spawn(
      process.execPath,
      [NEXT_BIN, "start", "--port", String(port), "--hostname", "127.0.0.1"],
      {
        cwd: WEB_DIR,
        env: serverEnv({ databaseUrl: testDb.url, baseUrl, redisUrl, encryptionKeys, proxyUrl }),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    children.push(server);
    server.stdout?.on("data", (chunk: Buffer) => log.push(chunk.toString()));
    server.stderr?.on("data", (chunk: Buffer) => log.push(chunk.toString()));
    await waitForReady(`${baseUrl}/api/health`, "next start", server, () => log.join(""));

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    await mkdir(SCREENSHOT_DIR, { recursive: true });

    const running = { browser, fakeProvider };
    return {
      baseUrl,
      browser,
      proxyUrl,
      fakeProvider,
      workerUrl,
      databaseUrl: testDb.url,
      redisUrl,
      async screenshot(page, name) {
        const file = path.join(SCREENSHOT_DIR, `${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
      serverLog: () => log.join(""),
      gatewayLog: () => gatewayLog.join(""),
      async close() {
        await running.browser.close().catch(() => undefined);
        // web first (it may still publish), then proxy and worker
        for (const child of [...children].reverse()) await stopProcess(child);
        await running.fakeProvider?.close().catch(() => undefined);
        await testDb.drop();
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    for (const child of [...children].reverse()) await stopProcess(child);
    await fakeProvider?.close().catch(() => undefined);
    await testDb.drop();
    throw error;
  }
}

/** A clean environment: nothing from the developer's shell (OAuth ids, real secrets) leaks in. */
function baseEnv(): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, NODE_ENV: "production" };
}

function spawnLogged(
  script: string,
  env: NodeJS.ProcessEnv,
  sink: string[],
  name: string,
): ChildProcess {
  const child = spawn(process.execPath, [script], {
    cwd: REPO_DIR,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const push = (chunk: Buffer) => sink.push(`[${name}] ${chunk.toString()}`);
  child.stdout?.on("data", push);
  child.stderr?.on("data", push);
  return child;
}

async function flushRedis(url: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    await redis.flushdb();
  } finally {
    redis.disconnect();
  }
}

function serverEnv(opts: {
  databaseUrl: string;
  baseUrl: string;
  redisUrl: string;
  encryptionKeys: string;
  proxyUrl: string;
}): NodeJS.ProcessEnv {
  return {
    ...baseEnv(),
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: opts.databaseUrl,
    REDIS_URL: opts.redisUrl,
    NEXTAUTH_URL: opts.baseUrl,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
    GATEHOUSE_ENCRYPTION_KEYS: opts.encryptionKeys,
    GATEHOUSE_PROXY_URL: opts.proxyUrl,
    ...(process.env.GATEHOUSE_NEXT_DIST_DIR
      ? { GATEHOUSE_NEXT_DIST_DIR: process.env.GATEHOUSE_NEXT_DIST_DIR }
      : {}),
  };
}

type TestPrisma = Awaited<ReturnType<typeof createTestDatabase>>["prisma"];

async function seed(db: TestPrisma): Promise<void> {
  const demo = await db.user.create({
    data: {
      email: DEMO_USER.email,
      name: DEMO_USER.name,
      passwordHash: await hashPassword(DEMO_USER.password),
    },
  });
  await db.workspace.create({
    data: {
      name: DEMO_USER.workspace,
      slug: "demo",
      memberships: { create: { userId: demo.id, role: "owner" } },
    },
  });
  await db.user.create({
    data: {
      email: NEWCOMER.email,
      name: "Newcomer",
      passwordHash: await hashPassword(NEWCOMER.password),
    },
  });
  const other = await db.user.create({ data: { email: "other@example.test", name: "Other" } });
  await db.workspace.create({
    data: {
      name: OTHER_WORKSPACE,
      slug: "other-team",
      memberships: { create: { userId: other.id, role: "owner" } },
    },
  });
}

async function ensureProductionBuild(): Promise<void> {
  const built = existsSync(path.join(WEB_DIR, DIST_DIR, "BUILD_ID"));
  if (built && process.env.GATEHOUSE_E2E_REBUILD !== "1") return;
  const output: string[] = [];
  const child = spawn(process.execPath, [NEXT_BIN, "build"], {
    cwd: WEB_DIR,
    env: { ...process.env, NODE_ENV: "production", NEXT_TELEMETRY_DISABLED: "1" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  if (code !== 0) throw new Error(`next build failed (exit ${code}):\n${output.join("")}`);
  // Later harnesses in this run reuse the build instead of rebuilding.
  delete process.env.GATEHOUSE_E2E_REBUILD;
}

/** Sources whose change makes a bundle stale (the app's own and the workspace packages'). */
const GATEWAY_SOURCES = {
  proxy: ["apps/proxy/src", "packages/shared/src"],
  worker: ["apps/worker/src", "packages/shared/src", "packages/db/src"],
} as const;

async function ensureGatewayBuild(withWorker: boolean): Promise<void> {
  const apps = withWorker ? (["proxy", "worker"] as const) : (["proxy"] as const);
  const bundleOf = (app: string) => path.join(REPO_DIR, "apps", app, "dist", "main.js");
  const staleApps = () =>
    apps.filter((app) => {
      const bundle = bundleOf(app);
      if (!existsSync(bundle)) return true;
      const builtAt = statSync(bundle).mtimeMs;
      return GATEWAY_SOURCES[app].some((dir) => newestMtime(path.join(REPO_DIR, dir)) > builtAt);
    });
  if (staleApps().length === 0) return;

  // Test files starting at once build one at a time (and never read a half-written bundle).
  await acquireBuildLock();
  try {
    const stale = staleApps();
    if (stale.length === 0) return;
    const args = ["run", "build", ...stale.flatMap((app) => ["-w", `@gatehouse/${app}`])];
    const output: string[] = [];
    const child = spawn("npm", args, { cwd: REPO_DIR, stdio: ["ignore", "pipe", "pipe"] });
    child.stdout?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => output.push(chunk.toString()));
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    if (code === 0) return;
    const message = `npm ${args.join(" ")} failed (exit ${code}):\n${output.join("")}`;
    // a source mid-edit in a shared work tree: the last good bundle still serves
    if (stale.every((app) => existsSync(bundleOf(app))))
      console.warn(`${message}\nUsing the previous bundles.`);
    else throw new Error(message);
  } finally {
    await rm(BUILD_LOCK, { recursive: true, force: true });
  }
}

const BUILD_LOCK = path.join(REPO_DIR, "apps", "proxy", "dist", ".harness-build.lock");

async function acquireBuildLock(): Promise<void> {
  await mkdir(path.dirname(BUILD_LOCK), { recursive: true });
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      await mkdir(BUILD_LOCK); // atomic: exactly one caller creates it
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    // a lock left by a crashed run is taken over after 2 minutes (a build takes seconds)
    const lock = statSync(BUILD_LOCK, { throwIfNoEntry: false });
    if (lock && Date.now() - lock.mtimeMs > 2 * 60_000) {
      await rm(BUILD_LOCK, { recursive: true, force: true });
    }
    if (Date.now() > deadline) throw new Error(`waited 5 min for ${BUILD_LOCK}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith(".ts") || entry.name.includes(".test.")) continue;
    newest = Math.max(newest, statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function waitForReady(
  url: string,
  name: string,
  child: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${name} exited with code ${child.exitCode}:\n${log()}`);
    }
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} did not become ready (${url}) within 60 s:\n${log()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
