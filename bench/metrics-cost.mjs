#!/usr/bin/env node
// What the proxy's per-request metric updates cost: its hand-rolled counters
// (apps/proxy/src/metrics.ts) against prom-client doing the same updates (issue 13: keep the
// fast counters only if prom-client costs measurable µs per request).
//
//   node --import tsx bench/metrics-cost.mjs [--requests=1000000] [--rounds=7]
//
// One simulated request = what server.ts, the config store and the attempt runner record for a
// served request: in-flight gauge up and down, two config-cache hits (key and workspace), the
// requests counter by endpoint × status class, request-duration, upstream-duration and (for
// every other request, the streams) TTFB histograms, and an error count for 1 request in 10.
// Label values, latencies and statuses come from pre-built arrays, the same for every variant.
//
// Variants: `hand-rolled` (ProxyMetrics itself); `prom-client` as one would write it
// (`counter.inc({ endpoint, status })`); `prom-client bound` with label children resolved once
// up front (`counter.labels(...)` cached per endpoint × status, the fastest prom-client use);
// `loop only` (the same loop, no metrics) is subtracted from each. Rounds are interleaved and
// the medians printed; the machine is noisy, so read ratios, not the last digit.
import { performance } from "node:perf_hooks";
import { parseArgs } from "node:util";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { ENDPOINT_LABELS, endpointIndex, ProxyMetrics } from "../apps/proxy/src/metrics.ts";

const { values: args } = parseArgs({
  options: { requests: { type: "string" }, rounds: { type: "string" } },
});
const REQUESTS = Number(args.requests ?? 1_000_000);
const ROUNDS = Number(args.rounds ?? 7);

// the proxy's buckets (seconds) and label sets
const BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300,
];
const STATUS_CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"];
const ENDPOINTS = ["chat.completions", "messages", "responses"];

// ── the simulated traffic (one pre-built slot per request, reused round after round) ──────
const SLOTS = 4096;
const traffic = Array.from({ length: SLOTS }, (_, i) => {
  const status = i % 10 === 9 ? 429 : i % 50 === 7 ? 502 : 200;
  return {
    endpoint: ENDPOINTS[i % ENDPOINTS.length],
    endpointIdx: endpointIndex(ENDPOINTS[i % ENDPOINTS.length]),
    status,
    statusClass: STATUS_CLASSES[Math.floor(status / 100) - 1],
    errorType: status === 200 ? null : status === 429 ? "rate_limited" : "upstream_error",
    seconds: 0.0004 + (i % 97) * 0.013,
    upstreamSeconds: 0.0003 + (i % 89) * 0.012,
    ttfbSeconds: i % 2 === 0 ? 0.0002 + (i % 83) * 0.004 : null,
  };
});

// ── variants: each records `n` requests ────────────────────────────────────────────────────
function loopOnly() {
  let sink = 0;
  return (n) => {
    for (let i = 0; i < n; i++) {
      const t = traffic[i & (SLOTS - 1)];
      sink += t.endpointIdx + t.status + t.seconds + t.upstreamSeconds + (t.ttfbSeconds ?? 0);
      if (t.errorType !== null) sink++;
    }
    return sink;
  };
}

function handRolled() {
  const m = new ProxyMetrics();
  let inFlight = 0;
  return (n) => {
    for (let i = 0; i < n; i++) {
      const t = traffic[i & (SLOTS - 1)];
      m.inFlight = ++inFlight;
      m.configCacheHits++;
      m.configCacheHits++;
      m.upstreamDuration.observe(t.upstreamSeconds);
      m.inFlight = --inFlight;
      m.countRequest(t.endpointIdx, t.status);
      m.requestDuration.observe(t.seconds);
      if (t.ttfbSeconds !== null) m.ttfb.observe(t.ttfbSeconds);
      if (t.errorType !== null) m.countError(t.errorType);
    }
    return m;
  };
}

function promMetrics() {
  const registers = [new Registry()];
  const histogram = (name) => new Histogram({ name, help: name, buckets: BUCKETS, registers });
  return {
    registry: registers[0],
    requests: new Counter({
      name: "gatehouse_proxy_requests_total",
      help: "requests",
      labelNames: ["endpoint", "status"],
      registers,
    }),
    errors: new Counter({
      name: "gatehouse_proxy_errors_total",
      help: "errors",
      labelNames: ["type"],
      registers,
    }),
    requestDuration: histogram("gatehouse_proxy_request_duration_seconds"),
    upstreamDuration: histogram("gatehouse_proxy_upstream_duration_seconds"),
    ttfb: histogram("gatehouse_proxy_ttfb_seconds"),
    inFlight: new Gauge({ name: "gatehouse_proxy_in_flight_requests", help: "in", registers }),
    cacheHits: new Counter({
      name: "gatehouse_proxy_config_cache_hits_total",
      help: "h",
      registers,
    }),
  };
}

/** the same updates through prom-client; how the labelled counters are reached varies */
function promLoop(m, countRequest, countError) {
  let inFlight = 0;
  return (n) => {
    for (let i = 0; i < n; i++) {
      const t = traffic[i & (SLOTS - 1)];
      m.inFlight.set(++inFlight);
      m.cacheHits.inc();
      m.cacheHits.inc();
      m.upstreamDuration.observe(t.upstreamSeconds);
      m.inFlight.set(--inFlight);
      countRequest(t);
      m.requestDuration.observe(t.seconds);
      if (t.ttfbSeconds !== null) m.ttfb.observe(t.ttfbSeconds);
      if (t.errorType !== null) countError(t);
    }
    return m;
  };
}

function promClient() {
  const m = promMetrics();
  return promLoop(
    m,
    (t) => m.requests.inc({ endpoint: t.endpoint, status: t.statusClass }),
    (t) => m.errors.inc({ type: t.errorType }),
  );
}

function promClientBound() {
  const m = promMetrics();
  // children resolved once, indexed like the hand-rolled arrays
  const requests = ENDPOINT_LABELS.map((endpoint) =>
    STATUS_CLASSES.map((status) => m.requests.labels(endpoint, status)),
  );
  const errors = new Map(
    ["rate_limited", "upstream_error"].map((type) => [type, m.errors.labels(type)]),
  );
  return promLoop(
    m,
    (t) => requests[t.endpointIdx][Math.floor(t.status / 100) - 1].inc(),
    (t) => errors.get(t.errorType).inc(),
  );
}

const VARIANTS = {
  "loop only": loopOnly,
  "hand-rolled": handRolled,
  "prom-client": promClient,
  "prom-client bound": promClientBound,
};

// ── run: warm each variant up, then interleaved timed rounds ───────────────────────────────
const runners = Object.fromEntries(Object.entries(VARIANTS).map(([name, make]) => [name, make()]));
for (const run of Object.values(runners)) run(Math.min(REQUESTS, 200_000));
const nsPerRequest = Object.fromEntries(Object.keys(VARIANTS).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(runners)) {
    const t0 = performance.now();
    run(REQUESTS);
    nsPerRequest[name].push(((performance.now() - t0) * 1e6) / REQUESTS);
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const loop = median(nsPerRequest["loop only"]);
console.log(
  `metric updates per simulated proxy request (${REQUESTS.toLocaleString("en")} requests × ${ROUNDS} rounds, median, loop cost ${loop.toFixed(1)} ns subtracted)`,
);
const hand = median(nsPerRequest["hand-rolled"]) - loop;
for (const name of Object.keys(VARIANTS)) {
  if (name === "loop only") continue;
  const ns = median(nsPerRequest[name]) - loop;
  const spread = nsPerRequest[name].map((v) => (v - loop).toFixed(0)).join(" ");
  console.log(
    `  ${name.padEnd(18)} ${(ns / 1000).toFixed(3)} µs/request  (${(ns / hand).toFixed(1)}× hand-rolled; rounds, ns: ${spread})`,
  );
}

// the results must be real, not optimised away: the exposition is rendered and checked
const text = runners["hand-rolled"](1).render();
const prom = await runners["prom-client"](1).registry.metrics();
if (!text.includes("gatehouse_proxy_requests_total") || !prom.includes("gatehouse_proxy_ttfb")) {
  throw new Error("metrics were not recorded");
}
