#!/usr/bin/env node
// Flapping-provider soak (`npm run bench:soak`): a route with two deployments on two fake
// upstreams, the priority-0 one failing during every other window (503, or a connection reset),
// the priority-1 one always healthy, driven at a steady rate of mixed JSON and streamed chat
// completions. It reports what a client saw: errors a fallback could have avoided (the healthy
// deployment was always there, so every error counts; goal 0), latency in failing vs healthy
// windows (the added latency of failing over), and the proxy's CPU per request while retries
// are configured but nothing fails, against another proxy build (--baseline-proxy).
//
//   npm run bench:soak -- [--minutes=10] [--rate=50] [--stream-share=0.5] [--window-ms=30000]
//     [--flap-mode=status|reset] [--flap-status=503] [--fallback=openai|anthropic]
//     [--policy='{"retry":{"maxRetries":1}}'] [--baseline-proxy=../before/apps/proxy/dist/main.js]
//     [--cpu-rate=200] [--cpu-seconds=20] [--cpu-rounds=3] [--upstream-latency-ms=0]
//     [--chunk-delay-ms=0] [--proxy-node-args="..."]
//
// Pinning as in run.mjs: this process (the load generator) and both fake upstreams on core 0,
// the proxies on core 1.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { publishFlappingRoute } from "./lib/flapping-route.mjs";
import * as stack from "./lib/gatehouse.mjs";
import * as proc from "./lib/processes.mjs";
import { steadyLoad } from "./lib/steady-load.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const args = proc.parseArgs();
const OPTIONS = {
  minutes: "10",
  rate: "50",
  "stream-share": "0.5",
  "window-ms": "30000",
  "flap-mode": "status",
  "flap-status": "503",
  fallback: "openai",
  policy: "{}",
  "baseline-proxy": "",
  "cpu-rate": "500",
  "cpu-seconds": "20",
  "cpu-rounds": "3",
  "upstream-latency-ms": "0",
  "chunk-delay-ms": "0",
  "proxy-node-args": "",
};
for (const name of args.keys()) {
  if (!(name in OPTIONS)) throw new Error(`unknown option --${name}`);
}
const opt = (name) => args.get(name) ?? OPTIONS[name];
const MINUTES = Number(opt("minutes"));
const RATE = Number(opt("rate"));
const STREAM_SHARE = Number(opt("stream-share"));
const WINDOW_MS = Number(opt("window-ms"));
const FLAP = { periodMs: WINDOW_MS, mode: opt("flap-mode"), status: Number(opt("flap-status")) };
const FALLBACK = opt("fallback");
const POLICY = JSON.parse(opt("policy"));
const CPU = {
  rate: Number(opt("cpu-rate")),
  seconds: Number(opt("cpu-seconds")),
  rounds: Number(opt("cpu-rounds")),
};
if (!(MINUTES > 0) || !(RATE > 0) || !(STREAM_SHARE >= 0 && STREAM_SHARE <= 1)) {
  throw new Error("--minutes and --rate must be > 0, --stream-share within 0..1");
}
if (!["openai", "anthropic"].includes(FALLBACK)) throw new Error("--fallback=openai|anthropic");
const { DATABASE_URL, REDIS_URL } = stack;
const ALIAS = "soak-flap";

const added = (a, b) => (a - b).toFixed(3);
const fmtUs = (msValue) => (msValue === undefined ? "-" : `${Math.round(msValue * 1000)}µs`);

/** n, errors and latency percentiles (ms) of a group of results. */
function stats(results) {
  const total = results.map((r) => r.ms);
  const ttfb = results.filter((r) => r.ttfbMs !== undefined).map((r) => r.ttfbMs);
  return {
    n: results.length,
    errors: results.filter((r) => r.error).length,
    p50: proc.percentile(total, 50),
    p99: proc.percentile(total, 99),
    ttfbP50: proc.percentile(ttfb, 50),
    ttfbP99: proc.percentile(ttfb, 99),
  };
}

/** The proxy's own counters of retries, fallbacks and cooldowns (whatever /metrics has). */
async function routingCounters(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const sums = {};
  for (const line of text.split("\n")) {
    const m =
      /^(gatehouse_proxy_\w*(?:retr|fallback|cooldown|attempt)\w*)(?:\{[^}]*\})? (\S+)$/.exec(line);
    if (m) sums[m[1]] = (sums[m[1]] ?? 0) + Number(m[2]);
  }
  return sums;
}

async function setFlap(fakeUrl, flap) {
  const res = await fetch(`${fakeUrl}/_fake/flap`, { method: "POST", body: JSON.stringify(flap) });
  if (res.status !== 200) throw new Error(`setting the flap failed: ${await res.text()}`);
  return res.json();
}

/** CPU µs per request of each proxy at a steady healthy load, rounds interleaved. */
async function measureCpu(proxies, key) {
  const perProxy = Object.fromEntries(proxies.map((p) => [p.name, []]));
  const pids = proxies.map((p) => p.child.pid);
  for (const p of proxies) {
    // warm-up: JIT, connection pools, snapshot caches
    await steadyLoad({ origin: p.url, key, model: ALIAS, rate: CPU.rate, durationMs: 10_000 });
  }
  for (let round = 1; round <= CPU.rounds; round++) {
    for (const p of proxies) {
      await proc.quiesce(pids);
      const before = proc.cpuTicks(p.child.pid);
      const results = await steadyLoad({
        origin: p.url,
        key,
        model: ALIAS,
        rate: CPU.rate,
        durationMs: CPU.seconds * 1000,
        streamShare: STREAM_SHARE,
      });
      const cpuUs = ((proc.cpuTicks(p.child.pid) - before) / proc.CLK_TCK) * 1e6;
      const entry = {
        cpuPerReqUs: cpuUs / results.length,
        requests: results.length,
        ...stats(results),
      };
      perProxy[p.name].push(entry);
      proc.log(
        `cpu round ${round} ${p.name}: ${entry.cpuPerReqUs.toFixed(1)} µs/req, ${entry.errors} errors`,
      );
      stack.drainUsageQueue(REDIS_URL);
    }
  }
  return Object.fromEntries(
    Object.entries(perProxy).map(([name, entries]) => [
      name,
      {
        cpuPerReqUs: proc.median(entries.map((e) => e.cpuPerReqUs)),
        errors: entries.reduce((a, e) => a + e.errors, 0),
        rounds: entries,
      },
    ]),
  );
}

async function main() {
  stack.buildProxyAndFakeProvider();
  proc.pin(process.pid, 0);
  const encryptionKeys = stack.newEncryptionKeys();
  const fakeEnv = {
    FAKE_PROVIDER_LATENCY_MS: opt("upstream-latency-ms"),
    FAKE_PROVIDER_CHUNK_DELAY_MS: opt("chunk-delay-ms"),
  };
  const flapping = await stack.startFakeProvider("fake-flapping", 0, fakeEnv);
  const healthy = await stack.startFakeProvider("fake-healthy", 0, fakeEnv);
  const seed = stack.seedDatabase({
    databaseUrl: DATABASE_URL,
    redisUrl: REDIS_URL,
    encryptionKeys,
    fakeUrl: healthy.url,
  });
  const route = await publishFlappingRoute({
    databaseUrl: DATABASE_URL,
    redisUrl: REDIS_URL,
    encryptionKeys,
    workspaceId: seed.workspaceId,
    alias: ALIAS,
    flappingUrl: flapping.url,
    healthyUrl: healthy.url,
    fallbackProvider: FALLBACK,
    policy: POLICY,
  });
  proc.log(
    `route ${ALIAS}: ${route.deployments} deployments, policy via ${route.viaColumn ? "the policy column" : "the published snapshot"}`,
  );
  // the demo's guardrails off: the CPU phase compares the proxy's own path with the baseline
  stack.publishWithoutGuardrails({ redisUrl: REDIS_URL, workspaceId: seed.workspaceId });

  const proxies = await stack.startProxies({
    builds: stack.proxyBuilds(args),
    redisUrl: REDIS_URL,
    encryptionKeys,
  });
  for (const p of proxies) {
    const [probe] = await steadyLoad({
      origin: p.url,
      key: seed.key,
      model: ALIAS,
      rate: 1,
      durationMs: 1,
    });
    if (probe.error) throw new Error(`${p.name} answered ${probe.error} before the soak`);
  }

  proc.log(
    `cpu phase: both upstreams healthy, ${CPU.rounds} × ${CPU.seconds} s at ${CPU.rate} req/s per proxy`,
  );
  const cpu = await measureCpu(proxies, seed.key);

  const gatehouse = proxies[0];
  const countersBefore = await routingCounters(gatehouse.url);
  const flap = await setFlap(flapping.url, { ...FLAP, since: Date.now() });
  proc.log(
    `soak: ${MINUTES} min at ${RATE} req/s; the priority-0 upstream fails every other ${WINDOW_MS / 1000} s window from now`,
  );
  const results = await steadyLoad({
    origin: gatehouse.url,
    key: seed.key,
    model: ALIAS,
    rate: RATE,
    durationMs: MINUTES * 60_000,
    streamShare: STREAM_SHARE,
  });
  const flapState = await (await fetch(`${flapping.url}/_fake/flap`)).json();
  const countersAfter = await routingCounters(gatehouse.url);
  stack.drainUsageQueue(REDIS_URL);

  // A request belongs to a failing window when any part of it, from its send to its last byte,
  // falls into one: one sent just before a window turns may meet the outage on the upstream.
  const failingWindow = (r) => {
    const first = Math.floor((r.at - flap.since) / WINDOW_MS);
    const last = Math.floor((r.at + r.ms - flap.since) / WINDOW_MS);
    return first % 2 === 0 || last > first;
  };
  const groups = {};
  for (const mode of ["json", "stream"]) {
    const ofMode = results.filter((r) => r.stream === (mode === "stream"));
    groups[mode] = {
      failing: stats(ofMode.filter(failingWindow)),
      healthy: stats(ofMode.filter((r) => !failingWindow(r))),
    };
  }
  const windows = [];
  for (const r of results) {
    const i = Math.floor((r.at - flap.since) / WINDOW_MS);
    (windows[i] ??= []).push(r);
  }
  const perWindow = windows.map((rs, i) => ({
    window: i,
    failing: i % 2 === 0,
    ...stats(rs ?? []),
  }));
  const errorKinds = {};
  for (const r of results) if (r.error) errorKinds[r.error] = (errorKinds[r.error] ?? 0) + 1;
  const errors = results.filter((r) => r.error);
  const counters = Object.fromEntries(
    Object.entries(countersAfter).map(([name, v]) => [name, v - (countersBefore[name] ?? 0)]),
  );

  const lines = [];
  lines.push(
    `Gatehouse flapping soak — ${new Date().toISOString()} — node ${process.version}, ${MINUTES} min at ${RATE} req/s (${Math.round(STREAM_SHARE * 100)} % streams); ` +
      `priority-0 upstream fails every other ${WINDOW_MS / 1000} s window (${FLAP.mode === "reset" ? "connection reset" : FLAP.status}), priority-1 (${FALLBACK}) healthy; ` +
      `route policy ${JSON.stringify(POLICY)}; load generator on core 0, proxies on core 1`,
  );
  lines.push(
    `soak   client-visible errors=${errors.length} of ${results.length} (all avoidable by the fallback; goal 0): ` +
      `failing windows ${errors.filter(failingWindow).length}, healthy windows ${errors.filter((r) => !failingWindow(r)).length}` +
      (errors.length
        ? ` — ${Object.entries(errorKinds)
            .sort((a, b) => b[1] - a[1])
            .map(([kind, n]) => `${kind} ×${n}`)
            .join(", ")}`
        : ""),
  );
  for (const [mode, g] of Object.entries(groups)) {
    const f = g.failing;
    const h = g.healthy;
    if (!f.n || !h.n) continue;
    const ttfb = (s) =>
      mode === "stream" ? `  ttfb p50=${fmtUs(s.ttfbP50)} p99=${fmtUs(s.ttfbP99)}` : "";
    lines.push(
      `soak   ${mode.padEnd(6)} failing windows n=${f.n} p50=${fmtUs(f.p50)} p99=${fmtUs(f.p99)}${ttfb(f)}  ` +
        `healthy windows n=${h.n} p50=${fmtUs(h.p50)} p99=${fmtUs(h.p99)}${ttfb(h)}  ` +
        `added during failover p50 ${added(f.p50, h.p50)} ms, p99 ${added(f.p99, h.p99)} ms` +
        (mode === "stream"
          ? `, ttfb p50 ${added(f.ttfbP50, h.ttfbP50)} ms, p99 ${added(f.ttfbP99, h.ttfbP99)} ms`
          : ""),
    );
  }
  lines.push(
    `soak   upstream failures served by the flap=${flapState?.failed ?? 0}; proxy counters: ` +
      (Object.keys(counters).length
        ? Object.entries(counters)
            .map(([name, v]) => `${name.replace(/^gatehouse_proxy_/, "")}=${v}`)
            .join(" ")
        : "none for retries/fallbacks/cooldowns in /metrics"),
  );
  const after = cpu.gatehouse;
  const before = cpu["gatehouse-before"];
  lines.push(
    `cpu    both upstreams healthy, retries configured but not firing (${CPU.rate} req/s × ${CPU.seconds} s, median of ${CPU.rounds}): ` +
      `gatehouse cpu/req=${after.cpuPerReqUs.toFixed(1)}µs errors=${after.errors}` +
      (before
        ? `  gatehouse-before cpu/req=${before.cpuPerReqUs.toFixed(1)}µs errors=${before.errors}  ×${(after.cpuPerReqUs / before.cpuPerReqUs).toFixed(3)} (goal ≤ 1.050)`
        : "  (no --baseline-proxy to compare with)"),
  );
  console.log(lines.join("\n"));
  mkdirSync(path.join(here, "results"), { recursive: true });
  const file = path.join(here, "results", `soak-${Date.now()}.json`);
  writeFileSync(
    file,
    JSON.stringify(
      {
        options: {
          minutes: MINUTES,
          rate: RATE,
          streamShare: STREAM_SHARE,
          flap: FLAP,
          fallback: FALLBACK,
        },
        policy: route.policy,
        errors: { total: errors.length, kinds: errorKinds, first: errors.slice(0, 20) },
        groups,
        perWindow,
        flap: flapState,
        counters,
        cpu,
      },
      null,
      2,
    ),
  );
  proc.log(`results in ${path.relative(process.cwd(), file)}`);
  await proc.stopAll();
}

proc.runMain(main);
