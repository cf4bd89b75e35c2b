// Building and starting what the benches measure: the proxy bundle, the fake provider, a
// PostgreSQL database migrated and seeded with the demo workspace (published to Redis).
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { log, root, run, start, waitFor, freePort } from "./processes.mjs";

const FAKE_PROVIDER_BUNDLE = path.join(root, "bench/.build/fake-provider.mjs");

/** Where the benches keep their state: BENCH_DATABASE_URL and BENCH_REDIS_URL. */
export const DATABASE_URL =
  process.env.BENCH_DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/gatehouse_bench";
export const REDIS_URL = process.env.BENCH_REDIS_URL ?? "redis://127.0.0.1:6379/6";

/** A fresh GATEHOUSE_ENCRYPTION_KEYS value for one bench run. */
export const newEncryptionKeys = () => `bench:${randomBytes(32).toString("base64")}`;

/**
 * The proxy builds to measure, from the command line: `--baseline-proxy=<main.js>` (another
 * build, e.g. an older commit, measured in the same run as `gatehouse-before` against the same
 * Redis and key) and `--proxy-node-args="--cpu-prof --cpu-prof-dir=bench/results"` (to profile).
 */
export function proxyBuilds(args) {
  return {
    baseline: args.get("baseline-proxy") ? path.resolve(args.get("baseline-proxy")) : null,
    nodeArgs: (args.get("proxy-node-args") ?? "").split(" ").filter(Boolean),
  };
}

/** Builds apps/proxy (and the Prisma client) and bundles the fake provider's CLI. */
export function buildProxyAndFakeProvider() {
  log("building the proxy and the fake provider");
  run("npx", ["turbo", "run", "build", "--filter=@gatehouse/proxy", "--filter=@gatehouse/db"], {
    env: { ...process.env, TURBO_TELEMETRY_DISABLED: "1" },
  });
  mkdirSync(path.dirname(FAKE_PROVIDER_BUNDLE), { recursive: true });
  run("npx", [
    "esbuild",
    "packages/testkit/src/cli.ts",
    "--bundle",
    "--platform=node",
    "--format=esm",
    "--target=node20",
    `--outfile=${FAKE_PROVIDER_BUNDLE}`,
    "--log-level=warning",
  ]);
}

/**
 * Starts the bundled fake provider on a free port; `env` adds its FAKE_PROVIDER_* settings.
 * Returns the child and its URL.
 */
export async function startFakeProvider(name, core, env = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = start(
    name,
    process.execPath,
    [FAKE_PROVIDER_BUNDLE],
    { FAKE_PROVIDER_PORT: String(port), FAKE_PROVIDER_HOST: "127.0.0.1", ...env },
    core,
  );
  await waitFor(`${url}/health`);
  return { child, url };
}

/**
 * Empties the Redis db, migrates the database and seeds the demo workspace with its
 * credentials pointing at `fakeUrl` (published to Redis). Returns the seed's JSON
 * ({ workspaceId, keyId, key, … }).
 */
export function seedDatabase({ databaseUrl, redisUrl, encryptionKeys, fakeUrl }) {
  const dbEnv = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    REDIS_URL: redisUrl,
    GATEHOUSE_ENCRYPTION_KEYS: encryptionKeys,
    FAKE_PROVIDER_URL: fakeUrl,
  };
  run("redis-cli", ["-u", redisUrl, "flushdb"]);
  run("npm", ["run", "-s", "migrate", "-w", "@gatehouse/db"], { env: dbEnv });
  const seedOut = run(
    "npm",
    ["run", "-s", "seed", "-w", "@gatehouse/db", "--", `--fake-provider-url=${fakeUrl}`],
    { env: dbEnv },
  );
  const seed = JSON.parse(seedOut.slice(seedOut.indexOf("{")));
  log(`seeded workspace ${seed.workspaceId}; virtual key ${seed.key.slice(0, 8)}…`);
  return seed;
}

/**
 * The seeded (demo) workspace with its guardrails off, as the benches measure it: the demo
 * turns them on so a new user sees a masked e-mail, but a comparison with an older build (which
 * has no guardrails) must be of the proxy's own path; the guardrails' cost has its own line
 * (`gatehouse-guardrails` in run.mjs, `npm run bench:guardrails`). Writes the published
 * snapshot in Redis with a newer version, before any proxy starts.
 */
export function publishWithoutGuardrails({ redisUrl, workspaceId }) {
  const key = `gh:{ws:${workspaceId}}:config`;
  const base = JSON.parse(run("redis-cli", ["-u", redisUrl, "--raw", "get", key]));
  const snapshot = {
    ...base,
    version: base.version + 1,
    guardrails: { ...base.guardrails, enabled: false },
  };
  run("redis-cli", ["-u", redisUrl, "set", key, JSON.stringify(snapshot)]);
}

/** Starts a proxy build (`main`: a dist/main.js) on a free port; resolves once it is ready. */
export async function startProxy({ name, main, redisUrl, encryptionKeys, nodeArgs = [], core }) {
  const port = await freePort();
  const child = start(
    name,
    process.execPath,
    [...nodeArgs, main],
    {
      GATEHOUSE_PROXY_HOST: "127.0.0.1",
      GATEHOUSE_PROXY_PORT: String(port),
      REDIS_URL: redisUrl,
      GATEHOUSE_ENCRYPTION_KEYS: encryptionKeys,
      NODE_ENV: "production",
    },
    core,
  );
  const url = `http://127.0.0.1:${port}`;
  await waitFor(`${url}/readyz`);
  return { child, port, url };
}

/**
 * Starts `gatehouse` (this checkout's apps/proxy/dist/main.js) and, with a baseline build,
 * `gatehouse-before`, both on core 1. Returns [{ name, child, port, url }].
 */
export async function startProxies({ builds, redisUrl, encryptionKeys }) {
  const common = { redisUrl, encryptionKeys, nodeArgs: builds.nodeArgs, core: 1 };
  const proxies = [
    {
      name: "gatehouse",
      ...(await startProxy({ name: "proxy", main: "apps/proxy/dist/main.js", ...common })),
    },
  ];
  if (builds.baseline) {
    proxies.push({
      name: "gatehouse-before",
      ...(await startProxy({ name: "proxy-before", main: builds.baseline, ...common })),
    });
  }
  return proxies;
}

// Nobody consumes the usage queue during a bench (a worker writing to Postgres would compete
// for the two cores): drop its jobs between runs so Redis memory stays flat.
export function drainUsageQueue(redisUrl) {
  run("redis-cli", [
    "-u",
    redisUrl,
    "eval",
    "local n=0 for _,k in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', k) n=n+1 end return n",
    "0",
    "{gh-bull}:usage:*",
  ]);
}
