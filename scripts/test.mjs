#!/usr/bin/env node
// `npm test`: runs every test suite (unit, integration on real PostgreSQL/Redis, browser,
// end-to-end) from a clean clone and ends with one line `N passed, N failed[, N skipped]`.
// Steps: dependencies → PostgreSQL + Redis → Debian chromium → prisma generate → typecheck and
// build (turbo, in one run) → import and lint checks (scripts/checks.mjs) → vitest over every
// project. A failed step counts as one failure and the run goes on where that still makes
// sense, so one run reports everything.
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { c, fail, ok, step, warn, UserError } from "./lib/log.mjs";
import { checkNode, ensureDependencies } from "./lib/deps.mjs";
import { generateEncryptionKeys, generateSecret } from "./lib/env.mjs";
import { ensureServices } from "./lib/services.mjs";
import { killAllRunning, run } from "./lib/proc.mjs";
import { summarizeVitestJson } from "./lib/vitest-summary.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";
const BIN = join(ROOT, "node_modules", ".bin");
const CHROMIUM = "/usr/bin/chromium";
const RESULTS = join(ROOT, "test-results");

/** Failures outside vitest (setup steps, typecheck, build): each counts as one failed. */
const stepFailures = /** @type {string[]} */ ([]);

async function main() {
  const started = Date.now();
  checkNode();
  await ensureDependencies(ROOT);

  // The tests' environment: their own secrets every run, the services' base URLs (each
  // integration test makes its own database and picks its own Redis db number), no telemetry.
  const env = process.env;
  env.CI ??= "true";
  env.NEXT_TELEMETRY_DISABLED = "1";
  env.TURBO_TELEMETRY_DISABLED = "1";
  env.GATEHOUSE_ENCRYPTION_KEYS = `${generateEncryptionKeys("test1")},${generateEncryptionKeys("test0")}`;
  env.NEXTAUTH_SECRET = generateSecret();
  env.DATABASE_URL ||= "postgresql://postgres@127.0.0.1:5432/postgres";
  env.REDIS_URL ||= "redis://127.0.0.1:6379";

  const services = await ensureServices({
    databaseUrl: env.DATABASE_URL,
    redisUrl: env.REDIS_URL,
    root: ROOT,
    autostart: env.GATEHOUSE_AUTOSTART_SERVICES !== "0",
    rerun: "npm test",
  });
  env.DATABASE_URL = services.databaseUrl;
  env.REDIS_URL = services.redisUrl;

  await ensureChromium();

  step("Generating the Prisma client (npm run build -w @gatehouse/db)…");
  const generate = await run(NPM, ["run", "build", "-w", "@gatehouse/db"], {
    cwd: ROOT,
    output: "prefix",
    label: "prisma",
  });
  if (generate.code !== 0) stepFailures.push("prisma generate");

  step(
    "Typechecking every package and the scripts, building the apps (turbo run typecheck build)…",
  );
  const turbo = await run(
    join(BIN, "turbo"),
    ["run", "typecheck", "build", "--continue", "--output-logs=errors-only", "--ui=stream"],
    { cwd: ROOT, output: "capture", label: "turbo" },
  );
  process.stdout.write(turbo.stdout);
  if (turbo.code !== 0) {
    // turbo ends with "Failed:    @gatehouse/a#typecheck, @gatehouse/b#build": one failure each.
    const failedLine = /^\s*Failed:\s+(.+)$/m.exec(turbo.stdout)?.[1] ?? "";
    const named = failedLine.split(/,\s*/).filter(Boolean);
    stepFailures.push(...(named.length > 0 ? named : ["turbo run typecheck build"]));
  } else {
    ok("Typecheck and build passed");
  }
  const scriptsTypecheck = await run(join(BIN, "tsc"), ["-p", "scripts/tsconfig.json"], {
    cwd: ROOT,
    output: "prefix",
    label: "tsc scripts",
  });
  if (scriptsTypecheck.code !== 0) stepFailures.push("scripts#typecheck");

  await runStaticChecks();

  step("Running every test suite (vitest run)…");
  mkdirSync(RESULTS, { recursive: true });
  const jsonFile = join(RESULTS, "vitest.json");
  rmSync(jsonFile, { force: true });
  const vitest = await run(
    join(BIN, "vitest"),
    ["run", "--reporter=default", "--reporter=json", `--outputFile.json=${jsonFile}`],
    // The end-to-end test of `npm start` reuses the build above instead of rebuilding while
    // other suites run from it.
    { cwd: ROOT, output: "inherit", env: { ...env, GATEHOUSE_SKIP_BUILD: "1" } },
  );

  let summary = { passed: 0, failed: 0, skipped: 0 };
  if (existsSync(jsonFile)) {
    summary = summarizeVitestJson(JSON.parse(readFileSync(jsonFile, "utf8")));
  } else {
    stepFailures.push(`vitest (exit code ${vitest.code}, no results written)`);
  }
  if (vitest.code !== 0 && summary.failed === 0 && existsSync(jsonFile)) {
    stepFailures.push(`vitest exited with code ${vitest.code}`);
  }
  return finish(summary, Date.now() - started);
}

/**
 * `npm run check:imports` (scripts/checks.mjs): the proxy's layer rule, the repo-wide import
 * cycle check and eslint. Each failed check counts as one failure.
 */
async function runStaticChecks() {
  step("Checking imports and lint (layers, import cycles, eslint: scripts/checks.mjs)…");
  const reportFile = join(RESULTS, "checks.json");
  rmSync(reportFile, { force: true });
  const checks = await run(process.execPath, ["scripts/checks.mjs", "--report", reportFile], {
    cwd: ROOT,
    output: "prefix",
    label: "checks",
  });
  if (!existsSync(reportFile)) {
    stepFailures.push(`checks (exit code ${checks.code}, no report written)`);
    return;
  }
  const { failed } = /** @type {{ failed: string[] }} */ (
    JSON.parse(readFileSync(reportFile, "utf8"))
  );
  stepFailures.push(...failed.map((name) => `checks: ${name}`));
}

/** Makes sure Debian's chromium is there for the browser tests (installs it as root). */
async function ensureChromium() {
  if (existsSync(CHROMIUM)) return;
  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!isRoot || !existsSync("/usr/bin/apt-get")) {
    warn(
      `The browser tests need Debian's chromium at ${CHROMIUM}, and it is not installed. Install it with \`sudo apt-get update && sudo apt-get install -y chromium\` and run \`npm test\` again.`,
    );
    stepFailures.push("chromium missing");
    return;
  }
  step("Installing chromium for the browser tests (apt-get)…");
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const update = await run("apt-get", ["update"], { output: "prefix", label: "apt", env: aptEnv });
  const install =
    update.code === 0
      ? await run("apt-get", ["install", "-y", "--no-install-recommends", "chromium"], {
          output: "prefix",
          label: "apt",
          env: aptEnv,
        })
      : update;
  if (install.code !== 0 || !existsSync(CHROMIUM)) {
    warn(
      `Installing chromium failed (apt-get exit code ${install.code}); the browser tests will fail.`,
    );
    stepFailures.push("chromium install");
  }
}

/**
 * Prints the failed steps and the one final line; returns the exit code.
 * @param {{ passed: number, failed: number, skipped: number }} summary
 * @param {number} elapsedMs
 */
function finish(summary, elapsedMs) {
  const failed = summary.failed + stepFailures.length;
  if (stepFailures.length > 0) {
    process.stdout.write(
      `\n${c.red("Failed steps")} (each counted as one failure): ${stepFailures.join(", ")}\n`,
    );
  }
  process.stdout.write(`${c.gray(`Took ${(elapsedMs / 60_000).toFixed(1)} min.`)}\n`);
  const skipped = summary.skipped > 0 ? `, ${summary.skipped} skipped` : "";
  process.stdout.write(`${summary.passed} passed, ${failed} failed${skipped}\n`);
  if (summary.passed + failed === 0) {
    process.stderr.write("No test ran.\n");
    return 1;
  }
  return failed > 0 ? 1 : 0;
}

let interrupted = false;
for (const signal of /** @type {const} */ (["SIGINT", "SIGTERM"])) {
  process.on(signal, () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    killAllRunning("SIGTERM");
    setTimeout(() => {
      killAllRunning("SIGKILL");
      process.exit(130);
    }, 5_000).unref();
  });
}

main().then(
  (code) => process.exit(interrupted ? 130 : code),
  (error) => {
    if (error instanceof UserError) fail(error.message);
    else
      fail(
        `npm test could not run: ${/** @type {Error} */ (error).message}${process.env.GATEHOUSE_DEBUG ? `\n${/** @type {Error} */ (error).stack}` : ""}`,
      );
    process.stdout.write(`0 passed, ${stepFailures.length + 1} failed\n`);
    process.exit(1);
  },
);
