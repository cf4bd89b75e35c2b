// Child processes, ports, CPU accounting and the command line, shared by the benches
// (run.mjs, flapping-soak.mjs). Plain Node: run.mjs runs without tsx.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const CLK_TCK = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/** `--name=value` arguments as a Map (a bare `--name` maps to ""). */
export function parseArgs(argv = process.argv.slice(2)) {
  return new Map(
    argv.map((a) => {
      const [name, ...value] = a.replace(/^--/, "").split("=");
      return [name, value.join("=")];
    }),
  );
}

export function log(line) {
  process.stderr.write(`[bench] ${line}\n`);
}

export function run(cmd, argv, opts = {}) {
  return execFileSync(cmd, argv, {
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
    ...opts,
  }).toString();
}

export function freePort() {
  return new Promise((resolve) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

export async function waitFor(url, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

const children = [];
/** Kills every child started by `start` (at exit, or for a bench that failed). */
export function killAll() {
  for (const child of children) if (child.exitCode === null) child.kill("SIGTERM");
}
process.on("exit", killAll);
process.on("SIGINT", () => process.exit(130));

/** Starts a child (pinned to `core` when given); its stderr shows with BENCH_VERBOSE=1. */
export function start(name, cmd, argv, env, core) {
  const full = core === undefined ? [cmd, ...argv] : ["taskset", "-c", String(core), cmd, ...argv];
  const child = spawn(full[0], full.slice(1), {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  child.stderr.on("data", (d) => {
    if (process.env.BENCH_VERBOSE) process.stderr.write(`[${name}] ${d}`);
  });
  children.push(child);
  return child;
}

/** Runs a bench's main; on failure prints one line, stops the children and exits 1. */
export function runMain(main) {
  main().catch((err) => {
    console.error(`[bench] failed: ${err.message}`);
    killAll();
    process.exit(1);
  });
}

// SIGTERM lets the proxy write its --cpu-prof profile before exiting.
export async function stopAll() {
  await Promise.all(
    children
      .filter((c) => c.exitCode === null)
      .map(
        (c) =>
          new Promise((resolve) => {
            c.once("exit", resolve);
            c.kill("SIGTERM");
            setTimeout(resolve, 5000);
          }),
      ),
  );
}

export function pin(pid, core) {
  execFileSync("taskset", ["-a", "-p", "-c", String(core), String(pid)], { stdio: "ignore" });
}

export function cpuTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]); // utime + stime
}

// A gateway that fell behind (Portkey's p99 runs into seconds) keeps working after the load
// stops, on the core the next target is measured on: wait until every server is idle first.
export async function quiesce(pids, maxMs = 15_000) {
  const deadline = Date.now() + maxMs;
  let last = pids.map(cpuTicks);
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 300));
    const now = pids.map(cpuTicks);
    if (now.every((ticks, i) => ticks - last[i] <= 1)) return;
    last = now;
  }
}

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** The p-th percentile (nearest rank) of unsorted numbers; undefined for none. */
export function percentile(xs, p) {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
}
