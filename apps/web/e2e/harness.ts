/**
 * Browser-test harness: the production build served by `next start` on a free port, against
 * its own database (seeded with the demo user) and Redis db 3, driven by Debian's chromium.
 *
 * The build is reused when `.next/BUILD_ID` exists (run `next build` yourself after changing
 * the app, or set GATEHOUSE_E2E_REBUILD=1 to have the harness rebuild once); each test file
 * that calls startHarness() gets its own server and database.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DEMO_EMAIL, DEMO_PASSWORD } from "@gatehouse/db";
import { createTestDatabase, testRedisUrl } from "@gatehouse/db/testing";
import { generateEncryptionKey } from "@gatehouse/shared/server";
import { chromium, type Browser, type Page } from "playwright-core";
import { hashPassword } from "../src/server/auth/credentials";

const WEB_DIR = fileURLToPath(new URL("..", import.meta.url));
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
const REDIS_TEST_DB = 3;
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
export const PROXY_URL = "http://proxy.gatehouse.test:8787";

export interface Harness {
  baseUrl: string;
  browser: Browser;
  /** Saves a full-page PNG to artifacts/screenshots/<name>.png and returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  /** The server's output so far (for failure messages). */
  serverLog(): string;
  close(): Promise<void>;
}

export async function startHarness(label = "web-e2e"): Promise<Harness> {
  await ensureProductionBuild();
  const testDb = await createTestDatabase(label);
  let server: ChildProcess | undefined;
  let browser: Browser | undefined;
  const log: string[] = [];
  try {
    await seed(testDb.prisma);
    const port = await freePort();
    const baseUrl = `http://127.0.0.1:${port}`;
    server = spawn(
      process.execPath,
      [NEXT_BIN, "start", "--port", String(port), "--hostname", "127.0.0.1"],
      {
        cwd: WEB_DIR,
        env: serverEnv(testDb.url, baseUrl),
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    server.stdout?.on("data", (chunk: Buffer) => log.push(chunk.toString()));
    server.stderr?.on("data", (chunk: Buffer) => log.push(chunk.toString()));
    await waitForHealthy(baseUrl, server, () => log.join(""));

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    await mkdir(SCREENSHOT_DIR, { recursive: true });

    const running = { server, browser };
    return {
      baseUrl,
      browser,
      async screenshot(page, name) {
        const file = path.join(SCREENSHOT_DIR, `${name}.png`);
        await page.screenshot({ path: file, fullPage: true });
        return file;
      },
      serverLog: () => log.join(""),
      async close() {
        await running.browser.close().catch(() => undefined);
        await stopProcess(running.server);
        await testDb.drop();
      },
    };
  } catch (error) {
    await browser?.close().catch(() => undefined);
    if (server) await stopProcess(server);
    await testDb.drop();
    throw error;
  }
}

function serverEnv(databaseUrl: string, baseUrl: string): NodeJS.ProcessEnv {
  // A clean environment: nothing from the developer's shell (OAuth ids, real secrets) leaks in.
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    NEXT_TELEMETRY_DISABLED: "1",
    DATABASE_URL: databaseUrl,
    REDIS_URL: testRedisUrl(REDIS_TEST_DB),
    NEXTAUTH_URL: baseUrl,
    NEXTAUTH_SECRET: randomBytes(32).toString("base64"),
    GATEHOUSE_ENCRYPTION_KEYS: generateEncryptionKey("e2e"),
    GATEHOUSE_PROXY_URL: PROXY_URL,
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

async function waitForHealthy(
  baseUrl: string,
  server: ChildProcess,
  log: () => string,
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(`next start exited with code ${server.exitCode}:\n${log()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/api/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`next start did not become healthy within 60 s:\n${log()}`);
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
