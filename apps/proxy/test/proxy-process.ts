/**
 * A real proxy process from the built bundle (`node apps/proxy/build.mjs`, or
 * `npm run build -w @gatehouse/proxy`), for the tests that need several replicas sharing Redis.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ENCRYPTION_KEYS } from "./fixtures";

export const BUNDLE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../dist/main.js");

export interface ProxyProcess {
  child: ChildProcess;
  url: string;
}

export function assertBundle(): void {
  if (!existsSync(BUNDLE)) {
    throw new Error("apps/proxy/dist/main.js is missing: npm run build -w @gatehouse/proxy");
  }
}

/** Starts the bundle on a free port with these extra environment variables. */
export function startProxy(
  redisUrl: string,
  env: Record<string, string> = {},
): Promise<ProxyProcess> {
  const child = spawn(process.execPath, [BUNDLE], {
    env: {
      ...process.env,
      REDIS_URL: redisUrl,
      GATEHOUSE_ENCRYPTION_KEYS: ENCRYPTION_KEYS,
      GATEHOUSE_PROXY_HOST: "127.0.0.1",
      GATEHOUSE_PROXY_PORT: "0",
      GATEHOUSE_LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`proxy did not start:\n${out}`)), 20_000);
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /"msg":"gatehouse proxy listening"[^\n]*"url":"([^"]+)"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.stderr!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`proxy exited (${code}):\n${out}`));
    });
  });
}

export function stopProxy(p: ProxyProcess | undefined): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    p.child.once("exit", () => resolve());
    p.child.kill("SIGTERM");
  });
}
