#!/usr/bin/env node
// `npm start` = `node scripts/gatehouse.mjs up`: sets up and runs the whole of Gatehouse
// (dependencies, .env, PostgreSQL + Redis, migrations, build, fake LLM provider, seed,
// proxy + worker + dashboard), prints how to use it, restarts a service that crashes (with
// backoff; a crash loop stops everything) and stops everything on Ctrl-C.
// Uses only Node built-ins until the dependencies are installed.
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { c, fail, ok, step, redactUrl, UserError } from "./lib/log.mjs";
import { ensureEnvFile, loadEnvFile, portFromEnv } from "./lib/env.mjs";
import { checkNode, ensureDependencies } from "./lib/deps.mjs";
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, ensureServices } from "./lib/services.mjs";
import { Supervisor, killAllRunning, run } from "./lib/proc.mjs";
import { RESTART_POLICY, crashLoopMessage, formatDuration } from "./lib/restart-policy.mjs";
import { portFree, waitForHttp } from "./lib/net.mjs";
import { READY_LINE, parseSeedOutput, readDevJson, writeDevJson } from "./lib/dev-state.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const NPM = process.platform === "win32" ? "npm.cmd" : "npm";

const USAGE = `Usage: node scripts/gatehouse.mjs up   (or: npm start)

Sets up and starts Gatehouse: installs dependencies, creates .env, finds PostgreSQL and Redis,
migrates, builds, seeds a demo workspace and starts the dashboard, proxy, worker and a fake LLM
provider. A service that crashes is restarted
(after ${formatDuration(RESTART_POLICY.firstDelayMs)}, doubling up to ${formatDuration(RESTART_POLICY.maxDelayMs)}); one that crashes ${RESTART_POLICY.maxCrashes} times within ${formatDuration(RESTART_POLICY.windowMs)}
stops everything. Ctrl-C stops everything. Configuration: .env (see .env.example).`;

const supervisor = new Supervisor({
  onUnexpectedExit: (name, code, signal) => void onServiceDied(name, code, signal),
  onCrashLoop: (name, code, signal) => void onCrashLoop(name, code, signal),
});
let phase = /** @type {"setup" | "running" | "stopping"} */ ("setup");

async function main() {
  const command = process.argv[2] ?? "up";
  if (command === "help" || command === "--help" || command === "-h") {
    console.log(USAGE);
    return 0;
  }
  if (command !== "up") {
    throw new UserError(`Unknown command "${command}".\n\n${USAGE}`);
  }
  installSignalHandlers();
  const started = Date.now();

  checkNode();
  await ensureDependencies(ROOT);

  // .env: created with fresh secrets on the first run; variables already set win.
  const envFile = resolve(ROOT, process.env.GATEHOUSE_ENV_FILE ?? ".env");
  if (ensureEnvFile(envFile, join(ROOT, ".env.example"))) {
    ok(`Created ${displayPath(envFile)} from .env.example with fresh secrets`);
  }
  loadEnvFile(envFile);
  process.env.DATABASE_URL ||= DEFAULT_DATABASE_URL;
  process.env.REDIS_URL ||= DEFAULT_REDIS_URL;
  process.env.NEXT_TELEMETRY_DISABLED ??= "1";
  process.env.TURBO_TELEMETRY_DISABLED ??= "1";
  if (!process.env.GATEHOUSE_ENCRYPTION_KEYS) {
    throw new UserError(
      `GATEHOUSE_ENCRYPTION_KEYS is empty in ${displayPath(envFile)}. Delete that file to have a new one generated, or set it to \`<keyId>:<base64 of 32 random bytes>\` (e.g. \`k1:$(openssl rand -base64 32)\`).`,
    );
  }

  const ports = {
    web: portFromEnv("GATEHOUSE_WEB_PORT", 3000),
    proxy: portFromEnv("GATEHOUSE_PROXY_PORT", 8787),
    worker: portFromEnv("GATEHOUSE_WORKER_PORT", 8788),
    provider: portFromEnv("FAKE_PROVIDER_PORT", 8789),
  };
  const hosts = {
    web: process.env.GATEHOUSE_WEB_HOST || "127.0.0.1",
    proxy: process.env.GATEHOUSE_PROXY_HOST || "127.0.0.1",
    worker: process.env.GATEHOUSE_WORKER_HOST || "127.0.0.1",
    provider: process.env.FAKE_PROVIDER_HOST || "127.0.0.1",
  };
  await checkPorts(ports, hosts);

  const urls = {
    dashboard: process.env.NEXTAUTH_URL || `http://localhost:${ports.web}`,
    proxy: process.env.GATEHOUSE_PROXY_URL || `http://localhost:${ports.proxy}`,
    provider: `http://${urlHost(hosts.provider)}:${ports.provider}`,
  };

  const services = await ensureServices({
    databaseUrl: /** @type {string} */ (process.env.DATABASE_URL),
    redisUrl: /** @type {string} */ (process.env.REDIS_URL),
    root: ROOT,
    autostart: process.env.GATEHOUSE_AUTOSTART_SERVICES !== "0",
    rerun: "npm start",
  });
  process.env.DATABASE_URL = services.databaseUrl;
  process.env.REDIS_URL = services.redisUrl;

  step(`Migrating ${redactUrl(services.databaseUrl)}…`);
  await mustSucceed(
    "migrate",
    NPM,
    ["run", "--silent", "migrate", "-w", "@gatehouse/db"],
    "The database migration failed",
  );

  if (process.env.GATEHOUSE_SKIP_BUILD === "1") {
    step("Skipping the build (GATEHOUSE_SKIP_BUILD=1)");
  } else {
    step("Building (turbo caches the result: later starts are fast)…");
    const turbo = join(
      ROOT,
      "node_modules",
      ".bin",
      process.platform === "win32" ? "turbo.cmd" : "turbo",
    );
    await mustSucceed(
      "build",
      turbo,
      ["run", "build", "--output-logs=new-only", "--ui=stream"],
      "The build failed",
      "inherit",
    );
  }

  // The fake LLM provider first: the seed points the demo provider credential at it.
  const provider = supervisor.start(
    "fake-llm",
    process.execPath,
    [resolveBin("tsx/cli"), "src/cli.ts"],
    {
      cwd: join(ROOT, "packages", "testkit"),
      env: {
        ...process.env,
        FAKE_PROVIDER_PORT: String(ports.provider),
        FAKE_PROVIDER_HOST: hosts.provider,
      },
    },
  );
  await waitHealthy(provider, `http://${urlHost(hosts.provider)}:${ports.provider}/health`, 60_000);

  step("Seeding the demo workspace…");
  const stateDir = resolve(ROOT, process.env.GATEHOUSE_STATE_DIR ?? ".gatehouse");
  const previous = readDevJson(stateDir);
  /** @type {NodeJS.ProcessEnv} */
  const seedEnv = {
    ...process.env,
    GATEHOUSE_FAKE_PROVIDER_URL: urls.provider,
    FAKE_PROVIDER_URL: urls.provider,
  };
  if (previous?.demoKey && !process.env.GATEHOUSE_DEMO_KEY)
    seedEnv.GATEHOUSE_DEMO_KEY = previous.demoKey;
  const seedResult = await run(NPM, ["run", "--silent", "seed", "-w", "@gatehouse/db"], {
    cwd: ROOT,
    env: seedEnv,
    output: "capture",
    label: "seed",
  });
  if (phase === "stopping") return halt();
  if (seedResult.code !== 0) {
    process.stdout.write(seedResult.stdout);
    throw new UserError(
      `Seeding the demo workspace failed (exit code ${seedResult.code}; its output is above).`,
    );
  }
  const seed = parseSeedOutput(seedResult.stdout);

  const nodeEnv = { ...process.env, NODE_ENV: "production" };
  const proxy = supervisor.start(
    "proxy",
    process.execPath,
    ["--enable-source-maps", "dist/main.js"],
    {
      cwd: join(ROOT, "apps", "proxy"),
      env: {
        ...nodeEnv,
        GATEHOUSE_PROXY_HOST: hosts.proxy,
        GATEHOUSE_PROXY_PORT: String(ports.proxy),
      },
    },
  );
  const worker = supervisor.start(
    "worker",
    process.execPath,
    ["--enable-source-maps", "dist/main.js"],
    {
      cwd: join(ROOT, "apps", "worker"),
      env: {
        ...nodeEnv,
        GATEHOUSE_WORKER_HOST: hosts.worker,
        GATEHOUSE_WORKER_PORT: String(ports.worker),
      },
      // the worker's shutdown has a deadline of its own: let it end by itself
      stopTimeoutMs: workerShutdownTimeoutMs() + 5_000,
    },
  );
  const webDir = join(ROOT, "apps", "web");
  const web = supervisor.start(
    "web",
    process.execPath,
    [
      resolveBin("next/dist/bin/next", webDir),
      "start",
      "--port",
      String(ports.web),
      "--hostname",
      hosts.web,
    ],
    {
      cwd: webDir,
      env: {
        ...nodeEnv,
        PORT: String(ports.web),
        NEXTAUTH_URL: urls.dashboard,
        GATEHOUSE_PROXY_URL: urls.proxy,
      },
    },
  );
  step("Waiting for the proxy, worker and dashboard to answer…");
  await Promise.all([
    waitHealthy(proxy, `http://${urlHost(hosts.proxy)}:${ports.proxy}/healthz`, 60_000),
    waitHealthy(worker, `http://${urlHost(hosts.worker)}:${ports.worker}/healthz`, 60_000),
    waitHealthy(web, `http://${urlHost(hosts.web)}:${ports.web}/api/health`, 180_000),
  ]);

  const dev = {
    dashboardUrl: urls.dashboard,
    proxyUrl: urls.proxy,
    demoEmail: seed.email,
    demoPassword: seed.password,
    demoKey: seed.key,
  };
  const devJson = writeDevJson(stateDir, dev);
  printBanner(dev, seed.model, urls.provider, (Date.now() - started) / 1000, devJson);
  phase = "running";
  return new Promise(() => {}); // runs until a signal or a crash loop
}

/** Runs a step command with prefixed output; throws UserError when it fails. */
async function mustSucceed(
  /** @type {string} */ label,
  /** @type {string} */ command,
  /** @type {string[]} */ args,
  /** @type {string} */ what,
  /** @type {"prefix" | "inherit"} */ output = "prefix",
) {
  const result = await run(command, args, { cwd: ROOT, output, label });
  if (phase === "stopping") return halt();
  if (result.code !== 0)
    throw new UserError(
      `${what} (exit code ${result.code ?? result.signal}; its output is above).`,
    );
  return result;
}

/** Never settles: a step interrupted by Ctrl-C waits here while shutdown() exits. */
function halt() {
  return new Promise(() => {});
}

/** GATEHOUSE_WORKER_SHUTDOWN_TIMEOUT_MS as the worker reads it (default 25 s). */
function workerShutdownTimeoutMs() {
  const value = Number(process.env.GATEHOUSE_WORKER_SHUTDOWN_TIMEOUT_MS);
  return Number.isInteger(value) && value > 0 ? value : 25_000;
}

/** Resolves a package file (e.g. `tsx/cli`) from the repository (or `from`). */
function resolveBin(/** @type {string} */ specifier, from = ROOT) {
  return createRequire(join(from, "package.json")).resolve(specifier);
}

/** `::` and `0.0.0.0` listen everywhere; health checks then use the loopback address. */
function urlHost(/** @type {string} */ host) {
  if (host === "0.0.0.0" || host === "::" || host === "") return "127.0.0.1";
  return host.includes(":") ? `[${host}]` : host;
}

function displayPath(/** @type {string} */ path) {
  return path.startsWith(ROOT + "/") ? path.slice(ROOT.length + 1) : path;
}

/**
 * Fails with one message naming every port that is already taken.
 * @param {Record<"web" | "proxy" | "worker" | "provider", number>} ports
 * @param {Record<"web" | "proxy" | "worker" | "provider", string>} hosts
 */
async function checkPorts(ports, hosts) {
  const names = {
    web: ["the dashboard", "GATEHOUSE_WEB_PORT"],
    proxy: ["the proxy", "GATEHOUSE_PROXY_PORT"],
    worker: ["the worker's health endpoint", "GATEHOUSE_WORKER_PORT"],
    provider: ["the fake LLM provider", "FAKE_PROVIDER_PORT"],
  };
  const seen = new Map();
  const problems = [];
  for (const key of /** @type {const} */ (["web", "proxy", "worker", "provider"])) {
    const [what, variable] = names[key];
    const port = ports[key];
    if (seen.has(port)) {
      problems.push(
        `${variable} and ${seen.get(port)} are both ${port}; give each service its own port`,
      );
      continue;
    }
    seen.set(port, variable);
    if (!(await portFree(port, hosts[key]))) {
      problems.push(
        `port ${port} (${what}) is already in use on ${hosts[key]}: stop whatever listens there (\`lsof -i :${port}\` shows it) or choose another port with ${variable}=<port> in .env or the environment`,
      );
    }
  }
  if (problems.length > 0) {
    throw new UserError(`Gatehouse cannot start: ${problems.join("; ")}.`);
  }
}

/**
 * Waits for a service's health endpoint; fails early (with its last output) when it exits.
 * Once it has answered, a crash of the service restarts it.
 * @param {ReturnType<Supervisor["start"]>} service
 * @param {string} url
 * @param {number} timeoutMs
 */
async function waitHealthy(service, url, timeoutMs) {
  try {
    await waitForHttp(url, {
      timeoutMs,
      gaveUp: () =>
        phase === "stopping"
          ? "stopping"
          : service.exited
            ? `${service.name} exited (${service.signal ?? `code ${service.code}`}) before ${url} answered`
            : undefined,
    });
  } catch (error) {
    if (phase === "stopping") return halt();
    throw new UserError(
      `${/** @type {Error} */ (error).message}. Its output is above, prefixed "${service.name}".`,
    );
  }
  supervisor.restartOnCrash(service);
}

/**
 * @param {{ dashboardUrl: string, proxyUrl: string, demoEmail: string, demoPassword: string, demoKey: string }} dev
 * @param {string} model
 * @param {string} providerUrl
 * @param {number} seconds
 * @param {string} devJsonPath
 */
function printBanner(dev, model, providerUrl, seconds, devJsonPath) {
  const b = c.bold;
  const body = JSON.stringify({ model, messages: [{ role: "user", content: "Say hello" }] });
  const text = `
${c.green("✔")} ${b(READY_LINE)} ${c.gray(`(${seconds.toFixed(0)} s)`)}

  ${b("Dashboard")}   ${dev.dashboardUrl}
  ${b("Login")}       ${dev.demoEmail} / ${dev.demoPassword}
  ${b("Proxy")}       ${dev.proxyUrl}   (OpenAI: ${dev.proxyUrl}/v1 · Anthropic: ${dev.proxyUrl})
  ${b("Demo key")}    ${dev.demoKey}
  ${b("Fake LLM")}    ${providerUrl}   (the demo workspace's provider; no real provider is called)
  ${c.gray(`Saved to ${displayPath(devJsonPath)}`)}

  ${b("curl")}
    curl ${dev.proxyUrl}/v1/chat/completions \\
      -H "Authorization: Bearer ${dev.demoKey}" \\
      -H "Content-Type: application/json" \\
      -d '${body}'

  ${b("Python")} (pip install openai)
    from openai import OpenAI
    client = OpenAI(base_url="${dev.proxyUrl}/v1", api_key="${dev.demoKey}")
    reply = client.chat.completions.create(model="${model}", messages=[{"role": "user", "content": "Say hello"}])
    print(reply.choices[0].message.content)

  ${b("Node")} (npm install openai)
    import OpenAI from "openai";
    const client = new OpenAI({ baseURL: "${dev.proxyUrl}/v1", apiKey: "${dev.demoKey}" });
    const reply = await client.chat.completions.create({ model: "${model}", messages: [{ role: "user", content: "Say hello" }] });
    console.log(reply.choices[0].message.content);

  A service that crashes is restarted. Press ${b("Ctrl-C")} to stop everything.
`;
  process.stdout.write(text + "\n");
}

/** Stops every child process and exits. */
async function shutdown(/** @type {number} */ exitCode) {
  if (phase === "stopping") return;
  phase = "stopping";
  killAllRunning("SIGTERM");
  await supervisor.stopAll();
  ok("Stopped");
  process.exit(exitCode);
}

function installSignalHandlers() {
  let firstSignalAt = 0;
  const onSignal = (/** @type {NodeJS.Signals} */ signal) => {
    if (firstSignalAt > 0) {
      // `npm start` forwards the terminal's Ctrl-C, so one key press can arrive twice.
      if (Date.now() - firstSignalAt < 1_000) return;
      // A second Ctrl-C: no more waiting.
      killAllRunning("SIGKILL");
      supervisor.killAll();
      process.exit(130);
    }
    firstSignalAt = Date.now();
    const wasRunning = phase === "running";
    process.stdout.write(`\n${c.yellow("■")} ${signal}: stopping Gatehouse…\n`);
    void shutdown(wasRunning ? 0 : 130);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal);
}

async function onServiceDied(
  /** @type {string} */ name,
  /** @type {number | null} */ code,
  /** @type {NodeJS.Signals | null} */ signal,
) {
  if (phase === "setup") return; // waitHealthy reports it
  if (phase !== "running") return;
  fail(
    `${name} exited unexpectedly (${signal ?? `exit code ${code}`}); its output is above, prefixed "${name}". Stopping everything.`,
  );
  await shutdown(1);
}

/** A service crashed again and again: restarting it does not help, so everything stops. */
async function onCrashLoop(
  /** @type {string} */ name,
  /** @type {number | null} */ code,
  /** @type {NodeJS.Signals | null} */ signal,
) {
  if (phase === "stopping") return;
  fail(crashLoopMessage(name, code, signal));
  await shutdown(1);
}

main().then(
  (code) => {
    if (typeof code === "number") process.exit(code);
  },
  async (error) => {
    if (phase === "stopping") return;
    if (error instanceof UserError) fail(error.message);
    else {
      const e = /** @type {Error} */ (error);
      fail(
        `Gatehouse could not start: ${e.message}${process.env.GATEHOUSE_DEBUG ? `\n${e.stack}` : " (set GATEHOUSE_DEBUG=1 for details)"}`,
      );
    }
    phase = "stopping";
    killAllRunning("SIGTERM");
    await supervisor.stopAll(5_000);
    process.exit(error instanceof UserError ? error.exitCode : 1);
  },
);
