#!/usr/bin/env node
// The traffic generator: sends a realistic mix of calls through the proxy with the official
// OpenAI and Anthropic SDKs — several virtual keys and models, JSON and streaming answers,
// some prompt-cache hits, and a few upstream errors injected through the fake provider's
// `[[fake:status=…]]` directives — so the dashboard has something to show.
//
//   npm run traffic -- [--requests 200] [--concurrency 8] [--proxy-url URL] [--keys gh_a,gh_b]
//                      [--extra-keys N] [--seed 42] [--error-rate 0.06] [--stream-rate 0.35]
//                      [--transient-rate 0.08] [--provider-url URL] [--database-url URL]
//                      [--models gpt-4o-mini,claude-haiku-4-5] [--json] [--skip-guardrails-demo]
//
// Without --keys it uses the demo key of the running system (.gatehouse/dev.json, written by
// `npm start`); --extra-keys N first has the seed create N more demo keys (kept in
// .gatehouse/traffic-keys.json, readable by you only). Secrets are never printed.
//
// Routing: an injected error (--error-rate) fails every attempt, so it reaches the client after
// the proxy's retries and fallbacks. A transient failure (--transient-rate) is queued at the
// fake provider (POST /_fake/faults) and fails only the next upstream call or three, so the
// proxy's default retries — or, when they run out, gpt-4o-mini's fallback to Anthropic — hide
// it: the client sees a success. Transient failures are on against the `npm start` system
// (or with --provider-url), and the summary then counts, from the request log, how many
// requests a retry or a fallback saved.
//
// Guardrails: against the `npm start` system with its demo key, a few more prompts hold an
// e-mail address and an AWS access key; the summary shows what the fake provider saw
// (`[EMAIL_1]`), that the answer came back with the address, and that the key was refused
// (scripts/lib/guardrails-demo.mjs; --skip-guardrails-demo leaves it out).
//
// It exits 1 when a request fails in a way that was not injected.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describeGuardrailsDemo, runGuardrailsDemo } from "./lib/guardrails-demo.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The seed's routes (packages/db/src/seed.ts) and how often each is called. */
export const DEFAULT_MODELS = [
  { model: "gpt-4o-mini", weight: 40 },
  { model: "gpt-4o", weight: 20 },
  { model: "claude-haiku-4-5", weight: 25 },
  { model: "claude-sonnet-4-5", weight: 15 },
];

const PROMPTS = [
  "Summarise this support ticket in one sentence: the customer cannot reset their password.",
  "Translate to French: Our office is closed on public holidays.",
  "Write a SQL query that counts orders per customer in the last 30 days.",
  "Classify the sentiment of: 'The delivery was late but the product is great.'",
  "Extract the invoice number and total from: Invoice INV-2291, total due $1,204.50.",
  "Suggest three names for a coffee shop near a university campus.",
  "Explain what a race condition is to a junior developer.",
  "Draft a polite reply declining a meeting invitation for Friday.",
  "List the steps to rotate an API key without downtime.",
  "Rewrite this headline to be more concise: Company Announces Plans To Expand Operations.",
];

const CONTEXT =
  "Context: the user is on the enterprise plan, based in Berlin, and has contacted support twice this month. ";

/**
 * A small seeded PRNG (mulberry32), so a run with --seed is reproducible.
 * @param {number} seed
 * @returns {() => number}
 */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * @template {{ weight: number }} T
 * @param {() => number} random
 * @param {readonly T[]} items
 * @returns {T}
 */
function pickWeighted(random, items) {
  const total = items.reduce((sum, item) => sum + item.weight, 0);
  let at = random() * total;
  for (const item of items) {
    at -= item.weight;
    if (at < 0) return item;
  }
  return /** @type {T} */ (items[items.length - 1]);
}

/**
 * @typedef {{ inputTokens: number, outputTokens: number, cachedInputTokens: number }} Usage
 * @typedef {{
 *   index: number, keyIndex: number, model: string, api: "openai" | "anthropic",
 *   stream: boolean, injected: 429 | 500 | null, cachedDirective: number,
 *   status: number, usage: Usage | null, requestId: string | null, error?: string,
 *   unexpected: boolean, latencyMs: number
 * }} TrafficResult
 * @typedef {{ model: string, weight: number }} ModelWeight
 * @typedef {{
 *   index: number, keyIndex: number, model: string, api: "openai" | "anthropic",
 *   stream: boolean, injected: 429 | 500 | null, cachedDirective: number, prompt: string,
 *   contextRepeat: number, maxTokens: number, transient: number
 * }} Plan
 * @typedef {{ prompt_tokens?: number, completion_tokens?: number,
 *   prompt_tokens_details?: { cached_tokens?: number } | null }} OpenAIUsage
 * @typedef {{ input_tokens?: number | null, output_tokens?: number | null,
 *   cache_read_input_tokens?: number | null, cache_creation_input_tokens?: number | null }} AnthropicUsage
 */

/**
 * What each request of a run is, decided up front from the PRNG. `transient` is how many
 * upstream calls to fail (at the fake provider) just before sending it: 1 (a retry saves it) or
 * 3 (as many as the default policy tries one deployment: a fallback saves it when all three
 * land on this request). Drawn only with a transientRate, so older seeds plan what they did.
 * @param {{ requests: number, keys: number, models: readonly ModelWeight[], random: () => number,
 *   errorRate: number, streamRate: number, cacheRate: number, transientRate?: number }} options
 * @returns {Plan[]}
 */
export function planRequests({
  requests,
  keys,
  models,
  random,
  errorRate,
  streamRate,
  cacheRate,
  transientRate = 0,
}) {
  return Array.from({ length: requests }, (_, index) => {
    const { model } = pickWeighted(random, models);
    /** @type {"openai" | "anthropic"} */
    const api = model.startsWith("claude") ? "anthropic" : "openai";
    const roll = random();
    /** @type {429 | 500 | null} */
    const injected = roll < errorRate ? (roll < (errorRate * 2) / 3 ? 429 : 500) : null;
    return {
      index,
      keyIndex: Math.floor(random() * keys) % keys,
      model,
      api,
      stream: random() < streamRate,
      injected,
      cachedDirective:
        injected === null && random() < cacheRate ? 1 + Math.floor(random() * 64) : 0,
      prompt: PROMPTS[Math.floor(random() * PROMPTS.length)] ?? "",
      contextRepeat: Math.floor(random() * 4),
      maxTokens: 16 + Math.floor(random() * 240),
      transient: transientPlan(random, transientRate, injected),
    };
  });
}

/**
 * @param {() => number} random
 * @param {number} rate
 * @param {429 | 500 | null} injected
 */
function transientPlan(random, rate, injected) {
  if (rate <= 0) return 0;
  const roll = random();
  if (injected !== null || roll >= rate) return 0;
  return roll < rate / 4 ? 3 : 1;
}

/**
 * Queues `count` failing answers at the fake provider: the next upstream calls it gets, from
 * any request in flight, answer 503.
 * @param {string} providerUrl
 * @param {number} count
 */
async function queueTransientFailure(providerUrl, count) {
  const response = await fetch(`${providerUrl.replace(/\/+$/, "")}/_fake/faults`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ status: 503, count }),
  });
  if (!response.ok) throw new Error(`the fake provider refused a fault: ${response.status}`);
}

/** @param {Plan} plan */
function userText(plan) {
  const directives = [];
  if (plan.injected !== null) directives.push(`status=${plan.injected}`);
  if (plan.cachedDirective > 0) directives.push(`cached=${plan.cachedDirective}`);
  const prefix = directives.length > 0 ? `[[fake:${directives.join(",")}]] ` : "";
  return `${prefix}${CONTEXT.repeat(plan.contextRepeat)}${plan.prompt}`;
}

const count = (/** @type {unknown} */ value) =>
  typeof value === "number" && value > 0 ? value : 0;

/**
 * @param {OpenAIUsage | null | undefined} usage
 * @returns {Usage | null}
 */
function openaiUsage(usage) {
  if (!usage) return null;
  return {
    inputTokens: count(usage.prompt_tokens),
    outputTokens: count(usage.completion_tokens),
    cachedInputTokens: count(usage.prompt_tokens_details?.cached_tokens),
  };
}

/**
 * Anthropic's input_tokens excludes cache reads and writes; the gateway counts all three.
 * @param {AnthropicUsage | null | undefined} usage
 * @returns {Usage | null}
 */
function anthropicUsage(usage) {
  if (!usage) return null;
  const cacheRead = count(usage.cache_read_input_tokens);
  return {
    inputTokens: count(usage.input_tokens) + cacheRead + count(usage.cache_creation_input_tokens),
    outputTokens: count(usage.output_tokens),
    cachedInputTokens: cacheRead,
  };
}

/**
 * @param {OpenAI} client
 * @param {Plan} plan
 */
async function callOpenAI(client, plan) {
  /** @type {{ model: string, max_tokens: number, messages: { role: "system" | "user", content: string }[] }} */
  const body = {
    model: plan.model,
    max_tokens: plan.maxTokens,
    messages: [
      { role: "system", content: "You are a concise assistant." },
      { role: "user", content: userText(plan) },
    ],
  };
  if (!plan.stream) {
    const { data, response } = await client.chat.completions.create(body).withResponse();
    return { usage: openaiUsage(data.usage), requestId: response.headers.get("x-request-id") };
  }
  const { data: stream, response } = await client.chat.completions
    .create({ ...body, stream: true, stream_options: { include_usage: true } })
    .withResponse();
  /** @type {OpenAIUsage | null} */
  let usage = null;
  for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
  return { usage: openaiUsage(usage), requestId: response.headers.get("x-request-id") };
}

/**
 * @param {Anthropic} client
 * @param {Plan} plan
 */
async function callAnthropic(client, plan) {
  /** @type {{ model: string, max_tokens: number, system: string, messages: { role: "user", content: string }[] }} */
  const body = {
    model: plan.model,
    max_tokens: plan.maxTokens,
    system: "You are a concise assistant.",
    messages: [{ role: "user", content: userText(plan) }],
  };
  if (!plan.stream) {
    const { data, response } = await client.messages.create(body).withResponse();
    return { usage: anthropicUsage(data.usage), requestId: response.headers.get("x-request-id") };
  }
  const { data: stream, response } = await client.messages
    .create({ ...body, stream: true })
    .withResponse();
  /** @type {AnthropicUsage | null} */
  let usage = null;
  for await (const event of stream) {
    if (event.type === "message_start") usage = { ...event.message.usage };
    else if (event.type === "message_delta" && usage) {
      // the delta's counts are cumulative; null means "unchanged"
      /** @type {AnthropicUsage} */
      const delta = event.usage;
      usage = {
        input_tokens: delta.input_tokens ?? usage.input_tokens,
        output_tokens: delta.output_tokens ?? usage.output_tokens,
        cache_read_input_tokens: delta.cache_read_input_tokens ?? usage.cache_read_input_tokens,
        cache_creation_input_tokens:
          delta.cache_creation_input_tokens ?? usage.cache_creation_input_tokens,
      };
    }
  }
  return { usage: anthropicUsage(usage), requestId: response.headers.get("x-request-id") };
}

/**
 * Sends the mix and returns per-request results plus a summary (no secrets in either).
 * @param {{
 *   proxyUrl: string, keys: string[], requests?: number, concurrency?: number, seed?: number,
 *   models?: { model: string, weight: number }[], errorRate?: number, streamRate?: number,
 *   cacheRate?: number, onResult?: (result: TrafficResult) => void,
 *   transient?: { providerUrl: string, rate: number }
 * }} options
 */
export async function runTraffic(options) {
  const {
    proxyUrl,
    keys,
    requests = 200,
    concurrency = 8,
    seed = Date.now() % 2 ** 31,
    models = DEFAULT_MODELS,
    errorRate = 0.06,
    streamRate = 0.35,
    cacheRate = 0.15,
  } = options;
  if (keys.length === 0) throw new Error("no virtual keys to send traffic with");
  const base = proxyUrl.replace(/\/+$/, "");
  const clients = keys.map((key) => ({
    openai: new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0, timeout: 60_000 }),
    anthropic: new Anthropic({ apiKey: key, baseURL: base, maxRetries: 0, timeout: 60_000 }),
  }));
  const plans = planRequests({
    requests,
    keys: keys.length,
    models,
    random: prng(seed),
    errorRate,
    streamRate,
    cacheRate,
    transientRate: options.transient?.rate ?? 0,
  });
  let transientFailures = 0;

  /** @type {TrafficResult[]} */
  const results = new Array(plans.length);
  const started = performance.now();
  let next = 0;
  async function lane() {
    while (next < plans.length) {
      const plan = /** @type {Plan} */ (plans[next++]);
      const client = /** @type {{ openai: OpenAI, anthropic: Anthropic }} */ (
        clients[plan.keyIndex]
      );
      const t0 = performance.now();
      /** @type {TrafficResult} */
      const result = {
        index: plan.index,
        keyIndex: plan.keyIndex,
        model: plan.model,
        api: plan.api,
        stream: plan.stream,
        injected: plan.injected,
        cachedDirective: plan.cachedDirective,
        status: 200,
        usage: null,
        requestId: null,
        unexpected: false,
        latencyMs: 0,
      };
      try {
        if (plan.transient > 0 && options.transient) {
          await queueTransientFailure(options.transient.providerUrl, plan.transient);
          transientFailures += plan.transient;
        }
        const answer =
          plan.api === "openai"
            ? await callOpenAI(client.openai, plan)
            : await callAnthropic(client.anthropic, plan);
        result.usage = answer.usage;
        result.requestId = answer.requestId;
        // an injected error must not come back as a success
        result.unexpected = plan.injected !== null;
      } catch (caught) {
        /** @type {{ status?: unknown, headers?: { get?: (name: string) => string | null }, requestID?: string | null, message?: string }} */
        const error = /** @type {any} */ (caught) ?? {};
        const status = typeof error.status === "number" ? error.status : 0;
        result.status = status;
        result.requestId = error.headers?.get?.("x-request-id") ?? error.requestID ?? null;
        result.error = String(error.message ?? caught).slice(0, 200);
        result.unexpected = plan.injected === null || status < 400;
      }
      result.latencyMs = Math.round(performance.now() - t0);
      results[plan.index] = result;
      options.onResult?.(result);
    }
  }
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, plans.length)) }, lane));
  const durationMs = Math.round(performance.now() - started);
  const summary = { ...summarize(results, durationMs, seed), transientFailures };
  return { seed, durationMs, results, summary };
}

/**
 * What the proxy did for these requests, from the request log (the worker writes it within
 * about a second; waits up to `waitMs` for every id): requests answered after a retry, after a
 * fallback, and requests that failed after more than one attempt.
 * @param {{ databaseUrl: string, requestIds: string[], waitMs?: number }} options
 * @returns {Promise<{ logged: number, savedByRetry: number, savedByFallback: number,
 *   failedAfterRetries: number }>}
 */
export async function routingOutcomes({ databaseUrl, requestIds, waitMs = 5_000 }) {
  const { default: pg } = await import("pg");
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 2_000 });
  await client.connect();
  try {
    const until = Date.now() + waitMs;
    for (;;) {
      const { rows } = await client.query(
        `SELECT count(*)::int AS logged,
           count(*) FILTER (WHERE status < 400 AND attempts @> '[{"kind":"fallback"}]')::int AS fallback,
           count(*) FILTER (WHERE status < 400 AND attempts @> '[{"kind":"retry"}]'
             AND NOT attempts @> '[{"kind":"fallback"}]')::int AS retry,
           count(*) FILTER (WHERE status >= 400 AND jsonb_array_length(attempts) > 1)::int AS failed
         FROM request_logs WHERE id = ANY($1) AND jsonb_typeof(COALESCE(attempts, '[]')) = 'array'`,
        [requestIds],
      );
      const row = rows[0] ?? { logged: 0, fallback: 0, retry: 0, failed: 0 };
      if (row.logged >= requestIds.length || Date.now() > until) {
        return {
          logged: row.logged,
          savedByRetry: row.retry,
          savedByFallback: row.fallback,
          failedAfterRetries: row.failed,
        };
      }
      await new Promise((resolveWait) => setTimeout(resolveWait, 250));
    }
  } finally {
    await client.end();
  }
}

/**
 * @param {TrafficResult[]} results
 * @param {number} durationMs
 * @param {number} seed
 */
export function summarize(results, durationMs, seed) {
  /** @param {(r: TrafficResult) => string} pick */
  const tally = (pick) => {
    /** @type {Record<string, number>} */
    const out = {};
    for (const r of results) out[pick(r)] = (out[pick(r)] ?? 0) + 1;
    return out;
  };
  /** @param {(u: Usage) => number} pick */
  const sum = (pick) => results.reduce((total, r) => total + (r.usage ? pick(r.usage) : 0), 0);
  return {
    seed,
    requests: results.length,
    ok: results.filter((r) => r.status < 400 && r.status !== 0).length,
    injectedErrors: results.filter((r) => r.injected !== null && !r.unexpected).length,
    unexpected: results.filter((r) => r.unexpected).length,
    streamed: results.filter((r) => r.stream).length,
    byApi: tally((r) => r.api),
    byModel: tally((r) => r.model),
    byKey: tally((r) => `key${r.keyIndex + 1}`),
    byStatus: tally((r) => String(r.status)),
    tokens: {
      input: sum((u) => u.inputTokens),
      output: sum((u) => u.outputTokens),
      cachedInput: sum((u) => u.cachedInputTokens),
    },
    durationMs,
    requestsPerSecond: Math.round((results.length / Math.max(durationMs, 1)) * 1000 * 10) / 10,
    firstErrors: results
      .filter((r) => r.unexpected)
      .slice(0, 5)
      .map((r) => ({ index: r.index, model: r.model, status: r.status, error: r.error })),
  };
}

/**
 * The Anthropic SDK warns (console.warn) on every call to a model it lists as deprecated; the
 * demo routes talk to the fake provider, so that warning is noise here. Drops only it.
 */
export function quietModelDeprecations() {
  const warn = console.warn.bind(console);
  console.warn = (...args) => {
    if (typeof args[0] === "string" && args[0].includes("is deprecated and will reach end-of-life"))
      return;
    warn(...args);
  };
}

// ── CLI ───────────────────────────────────────────────────────────────────────────────────

function stateDir() {
  return resolve(ROOT, process.env.GATEHOUSE_STATE_DIR || ".gatehouse");
}

/**
 * @param {string} file
 * @returns {any}
 */
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** `npm run seed -- --extra-keys N`, keeping the secrets of an earlier run where they still work. */
/**
 * @param {number} n
 * @param {string | undefined} demoKey
 * @returns {Promise<{ demoKey: string | undefined, keys: string[] }>}
 */
async function ensureExtraKeys(n, demoKey) {
  const { loadEnvFile } = await import("./lib/env.mjs");
  const envFile = resolve(ROOT, process.env.GATEHOUSE_ENV_FILE || ".env");
  if (existsSync(envFile)) loadEnvFile(envFile);
  const file = join(stateDir(), "traffic-keys.json");
  const previous = readJson(file)?.keys ?? [];
  const provider = `http://${process.env.FAKE_PROVIDER_HOST || "127.0.0.1"}:${process.env.FAKE_PROVIDER_PORT || 8789}`;
  const args = ["run", "--silent", "seed", "-w", "@gatehouse/db", "--", "--extra-keys", String(n)];
  for (const secret of previous) args.push("--extra-key", secret);
  const result = spawnSync(process.platform === "win32" ? "npm.cmd" : "npm", args, {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      GATEHOUSE_FAKE_PROVIDER_URL: process.env.GATEHOUSE_FAKE_PROVIDER_URL || provider,
      ...(demoKey ? { GATEHOUSE_DEMO_KEY: demoKey } : {}),
    },
  });
  if (result.status !== 0) {
    throw new Error(`the seed failed (exit ${result.status}):\n${result.stderr || result.stdout}`);
  }
  const line = result.stdout
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.trim().startsWith("{"));
  const seeded = JSON.parse(line ?? "{}");
  /** @type {string[]} */
  const keys = (seeded.extraKeys ?? []).map((/** @type {{ key: string }} */ k) => k.key);
  mkdirSync(stateDir(), { recursive: true });
  writeFileSync(file, JSON.stringify({ keys }, null, 2) + "\n", { mode: 0o600 });
  return { demoKey: seeded.key, keys };
}

/**
 * Where the fake provider and the database of the system under test are: given explicitly, or
 * those of the `npm start` system when the traffic goes to its proxy (from .env). Otherwise
 * none: queuing faults at a fake provider that is not behind this proxy would disturb some
 * other system.
 * @param {{ "provider-url"?: string, "database-url"?: string }} values
 * @param {{ proxyUrl?: string }} dev
 * @param {string} proxyUrl
 * @returns {Promise<{ providerUrl: string | null, databaseUrl: string | null }>}
 */
async function localSystem(values, dev, proxyUrl) {
  const startSystem = dev.proxyUrl !== undefined && dev.proxyUrl === proxyUrl;
  /** @type {Record<string, string>} */
  let env = {};
  if (startSystem) {
    try {
      const { parseEnv } = await import("./lib/env.mjs");
      env = parseEnv(readFileSync(resolve(ROOT, process.env.GATEHOUSE_ENV_FILE || ".env"), "utf8"));
    } catch {
      // no .env: the defaults below
    }
  }
  const read = (/** @type {string} */ name) => process.env[name] || env[name];
  const providerUrl =
    values["provider-url"] ||
    (startSystem
      ? read("GATEHOUSE_FAKE_PROVIDER_URL") ||
        `http://${read("FAKE_PROVIDER_HOST") || "127.0.0.1"}:${read("FAKE_PROVIDER_PORT") || 8789}`
      : null);
  const databaseUrl = values["database-url"] || (startSystem ? read("DATABASE_URL") || null : null);
  return { providerUrl, databaseUrl };
}

async function main() {
  quietModelDeprecations();
  const { values } = parseArgs({
    options: {
      "proxy-url": { type: "string" },
      keys: { type: "string" },
      "extra-keys": { type: "string" },
      requests: { type: "string", default: "200" },
      concurrency: { type: "string", default: "8" },
      seed: { type: "string" },
      models: { type: "string" },
      "error-rate": { type: "string" },
      "stream-rate": { type: "string" },
      "transient-rate": { type: "string" },
      "provider-url": { type: "string" },
      "database-url": { type: "string" },
      json: { type: "boolean", default: false },
      "skip-guardrails-demo": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) {
    process.stdout.write(
      readFileSync(fileURLToPath(import.meta.url), "utf8")
        .split("\n")
        .slice(1)
        .filter((l, i, all) => all.slice(0, i + 1).every((line) => line.startsWith("//")))
        .map((l) => l.replace(/^\/\/ ?/, ""))
        .join("\n") + "\n",
    );
    return;
  }
  const dev = readJson(join(stateDir(), "dev.json")) ?? {};
  const proxyUrl =
    values["proxy-url"] ||
    process.env.GATEHOUSE_PROXY_URL ||
    dev.proxyUrl ||
    "http://127.0.0.1:8787";
  let keys = (values.keys ?? process.env.GATEHOUSE_TRAFFIC_KEYS ?? "")
    .split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  const demoKeyOnly = keys.length === 0;
  if (keys.length === 0) {
    let demoKey = dev.demoKey;
    const extra = Number(values["extra-keys"] ?? 0);
    if (extra > 0) {
      const ensured = await ensureExtraKeys(extra, demoKey);
      demoKey = ensured.demoKey ?? demoKey;
      keys = ensured.keys;
    } else {
      keys = readJson(join(stateDir(), "traffic-keys.json"))?.keys ?? [];
    }
    if (demoKey) keys = [demoKey, ...keys];
  }
  if (keys.length === 0) {
    throw new Error(
      "no virtual key: pass --keys gh_…,gh_… or start Gatehouse with `npm start` (it writes .gatehouse/dev.json)",
    );
  }
  /**
   * @param {"requests" | "concurrency" | "seed" | "error-rate" | "stream-rate" | "transient-rate"} name
   * @param {number} fallback
   */
  const number = (name, fallback) => {
    const raw = values[name];
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`--${name} must be a number`);
    return value;
  };
  const models = values.models
    ? values.models
        .split(",")
        .map((m) => m.trim())
        .filter(Boolean)
        .map((model) => ({ model, weight: 1 }))
    : DEFAULT_MODELS;
  if (!values.json) {
    process.stdout.write(
      `sending ${number("requests", 200)} requests to ${proxyUrl} with ${keys.length} key(s)…\n`,
    );
  }
  const local = await localSystem(values, dev, proxyUrl);
  const transientRate = number("transient-rate", local.providerUrl ? 0.08 : 0);
  if (transientRate > 0 && !local.providerUrl) {
    throw new Error("--transient-rate needs the fake provider: pass --provider-url");
  }
  const { summary, results } = await runTraffic({
    proxyUrl,
    keys,
    requests: Math.trunc(number("requests", 200)),
    concurrency: Math.max(1, Math.trunc(number("concurrency", 8))),
    ...(values.seed !== undefined ? { seed: Math.trunc(number("seed", 0)) } : {}),
    models,
    errorRate: number("error-rate", 0.06),
    streamRate: number("stream-rate", 0.35),
    ...(local.providerUrl && transientRate > 0
      ? { transient: { providerUrl: local.providerUrl, rate: transientRate } }
      : {}),
  });
  /** @type {Awaited<ReturnType<typeof routingOutcomes>> | { unavailable: string } | null} */
  let routing = null;
  if (local.databaseUrl) {
    const requestIds = results.flatMap((r) => (r.requestId ? [r.requestId] : []));
    routing = await routingOutcomes({ databaseUrl: local.databaseUrl, requestIds }).catch(
      (/** @type {unknown} */ error) => ({
        unavailable: error instanceof Error ? error.message : String(error),
      }),
    );
  }
  /** @type {Awaited<ReturnType<typeof runGuardrailsDemo>> | { unavailable: string } | null} */
  let guardrails = null;
  if (local.providerUrl && demoKeyOnly && keys[0] && !values["skip-guardrails-demo"]) {
    guardrails = await runGuardrailsDemo({
      proxyUrl,
      key: keys[0],
      providerUrl: local.providerUrl,
    }).catch((/** @type {unknown} */ error) => ({
      unavailable: error instanceof Error ? error.message : String(error),
    }));
  }
  if (values.json) {
    const extra = { ...(routing ? { routing } : {}), ...(guardrails ? { guardrails } : {}) };
    process.stdout.write(`${JSON.stringify({ ...summary, ...extra })}\n`);
  } else {
    const list = (/** @type {Record<string, number>} */ o) =>
      Object.entries(o)
        .map(([k, v]) => `${k} ${v}`)
        .join(", ");
    process.stdout.write(
      [
        `${summary.requests} requests in ${(summary.durationMs / 1000).toFixed(1)} s (${summary.requestsPerSecond}/s), seed ${summary.seed}`,
        `  ok ${summary.ok}, injected errors ${summary.injectedErrors}, unexpected ${summary.unexpected}, streamed ${summary.streamed}`,
        `  models: ${list(summary.byModel)}`,
        `  keys: ${list(summary.byKey)}`,
        `  status: ${list(summary.byStatus)}`,
        `  tokens: in ${summary.tokens.input}, out ${summary.tokens.output}, cached ${summary.tokens.cachedInput}`,
        ...(summary.transientFailures > 0
          ? [`  transient upstream failures queued: ${summary.transientFailures}`]
          : []),
        ...(routing === null
          ? []
          : "unavailable" in routing
            ? [`  routing: request log not readable (${routing.unavailable})`]
            : [
                `  routing: saved by a retry ${routing.savedByRetry}, by a fallback ${routing.savedByFallback}; ` +
                  `failed after retries ${routing.failedAfterRetries} (${routing.logged} of ${summary.requests} in the request log)`,
              ]),
        ...summary.firstErrors.map((e) => `  ! #${e.index} ${e.model}: ${e.status} ${e.error}`),
        ...(guardrails === null
          ? []
          : "unavailable" in guardrails
            ? [`  guardrails demo: not run (${guardrails.unavailable})`]
            : describeGuardrailsDemo(guardrails)),
        "",
      ].join("\n"),
    );
  }
  if (summary.unexpected > 0) process.exitCode = 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    process.stderr.write(`traffic: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  });
}
