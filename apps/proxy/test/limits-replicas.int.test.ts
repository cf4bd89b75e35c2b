/**
 * Limits and budgets across replicas: two real proxy processes (the built bundle,
 * `npm run build -w @gatehouse/proxy`) share one Redis and must enforce them together.
 * Redis db 12 belongs to this file (CONTRIBUTING.md), so it can run beside the other proxy tests.
 */
import {
  costNanoUsd,
  estimateMaxCostNanoUsd,
  findModelPrice,
  QUEUE_PREFIX,
  QueueName,
  RedisKeys,
  type UsageBatchJob,
} from "@gatehouse/shared";
import { startFakeProvider, type FakeProvider } from "@gatehouse/testkit";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateRequestTokens, preloadTokenizer } from "../src/tokens/estimate";
import {
  PROVIDER_KEY,
  publishNewKey,
  publishWorkspace,
  queuedEvents,
  sleep,
  uniqueId,
  withDb,
  workspaceSnapshot,
} from "./fixtures";
import {
  assertBundle,
  startProxy as startProxyProcess,
  stopProxy,
  type ProxyProcess,
} from "./proxy-process";

const REDIS_DB = 12;
const REDIS_URL = withDb(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", REDIS_DB);
/** short, so the crashed-proxy test can watch its leases expire */
const RESERVATION_TTL_MS = 10_000;
const MODEL = "gpt-4o-mini";
const PRICE = findModelPrice(MODEL)!;
const MAX_TOKENS = 50;

function startProxy(): Promise<ProxyProcess> {
  return startProxyProcess(REDIS_URL, {
    GATEHOUSE_RESERVATION_TTL_MS: String(RESERVATION_TTL_MS),
  });
}

/**
 * A prompt whose o200k estimate (what the proxy reserves) equals the fake provider's count
 * (ceil(chars / 4) + 3 per message): words are appended until the two agree, so each
 * reservation is exactly the real cost when the answer is exactly max_tokens long.
 */
function promptWithExactEstimate(directive: string): { content: string; tokens: number } {
  const words = ["budget", "check", "replica", "exact", "gateway", "atomic", "reserve", "settle"];
  let content = directive;
  for (let i = 0; i < 400; i++) {
    const body = { model: MODEL, messages: [{ role: "user", content }] };
    const estimate = estimateRequestTokens("chat.completions", body) as number;
    const fake = Math.ceil(content.length / 4) + 3;
    if (estimate === fake) return { content, tokens: estimate };
    content += ` ${words[i % words.length]}${i % 3 === 0 ? "s" : ""}`;
  }
  throw new Error("no prompt with an exact estimate found");
}

interface Outcome {
  status: number;
  body: {
    usage?: { prompt_tokens: number; completion_tokens: number };
    error?: { type: string; code: string; message: string };
  };
  via: number;
}

describe("two proxy processes share limits and budgets through Redis", () => {
  let redis: Redis;
  let fake: FakeProvider;
  let proxies: ProxyProcess[] = [];
  let usageQueue: Queue<UsageBatchJob>;
  let queueConnection: Redis;
  let workspaceId: string;

  beforeAll(async () => {
    assertBundle();
    await preloadTokenizer();
    redis = new Redis(REDIS_URL);
    await redis.flushdb();
    fake = await startFakeProvider({ apiKey: PROVIDER_KEY });
    workspaceId = uniqueId("ws");
    await publishWorkspace(
      redis,
      workspaceSnapshot(
        workspaceId,
        [{ id: "cred_openai", provider: "openai", baseUrl: fake.openaiBaseUrl }],
        [{ alias: MODEL, deployments: [{ credentialId: "cred_openai", upstreamModel: MODEL }] }],
      ),
    );
    proxies = await Promise.all([startProxy(), startProxy()]);
    queueConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    usageQueue = new Queue<UsageBatchJob>(QueueName.usage, {
      connection: queueConnection,
      prefix: QUEUE_PREFIX,
    });
  }, 60_000);

  afterAll(async () => {
    await Promise.all(proxies.map(stopProxy));
    await usageQueue?.close();
    queueConnection?.disconnect();
    await fake?.close();
    redis?.disconnect();
  });

  /** n requests at once, alternating between the two proxies */
  function burst(secret: string, n: number, content: string): Promise<Outcome[]> {
    return Promise.all(
      Array.from({ length: n }, async (_, i): Promise<Outcome> => {
        const via = i % proxies.length;
        const res = await fetch(`${proxies[via]!.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
          body: JSON.stringify({
            model: MODEL,
            messages: [{ role: "user", content }],
            max_tokens: MAX_TOKENS,
          }),
        });
        return { status: res.status, body: (await res.json()) as Outcome["body"], via };
      }),
    );
  }

  async function budgetState(keyId: string) {
    const hash = await redis.hgetall(
      RedisKeys.budget(workspaceId, "key", keyId, new Date(0).toISOString()),
    );
    return { spent: Number(hash.spent ?? 0), reserved: Number(hash.reserved ?? 0) };
  }

  async function settledState(keyId: string) {
    const until = Date.now() + 10_000;
    for (;;) {
      const state = await budgetState(keyId);
      if (state.reserved === 0 || Date.now() > until) return state;
      await sleep(25);
    }
  }

  async function eventsOf(keyId: string, count: number) {
    const until = Date.now() + 10_000;
    for (;;) {
      const events = (await queuedEvents(usageQueue)).filter((e) => e.keyId === keyId);
      if (events.length >= count || Date.now() > until) return events;
      await sleep(50);
    }
  }

  it("300 concurrent requests, a budget for exactly 100 (answers of exactly max_tokens): exactly 100 succeed, never overspent", async () => {
    const prompt = promptWithExactEstimate("[[fake:tokens=max]]");
    const perRequest = costNanoUsd(PRICE, {
      inputTokens: prompt.tokens,
      outputTokens: MAX_TOKENS,
      cachedInputTokens: 0,
    });
    // the reservation the proxy computes is the same number
    expect(estimateMaxCostNanoUsd(PRICE, prompt.tokens, MAX_TOKENS)).toBe(perRequest);
    const budget = 100 * perRequest;
    const { secret, snapshot } = await publishNewKey(redis, workspaceId, {
      budget: { amountNanoUsd: budget, period: "lifetime", alertThresholdPct: null },
    });

    const outcomes = await burst(secret, 300, prompt.content);
    const ok = outcomes.filter((o) => o.status === 200);
    const refused = outcomes.filter((o) => o.status !== 200);
    expect(ok).toHaveLength(100);
    // each replica was asked more than the budget pays for, so budgets kept per process would
    // have admitted more than 100 between them: exactly 100 means one budget, shared (which
    // replica admitted them is up to timing: one may get through its share before the other)
    const via = new Map<number, number>();
    for (const o of outcomes) via.set(o.via, (via.get(o.via) ?? 0) + 1);
    expect(via.size).toBe(2);
    for (const asked of via.values()) expect(asked).toBeGreaterThan(100);
    for (const o of ok) {
      expect(o.body.usage).toMatchObject({
        prompt_tokens: prompt.tokens,
        completion_tokens: MAX_TOKENS,
      });
    }
    expect(refused).toHaveLength(200);
    for (const o of refused) {
      expect(o.status).toBe(429);
      expect(o.body.error).toMatchObject({ type: "insufficient_quota", code: "budget_exceeded" });
      expect(o.body.error!.message).toContain("lifetime budget of this key");
    }

    expect(await settledState(snapshot.keyId)).toEqual({ spent: budget, reserved: 0 });
    const events = await eventsOf(snapshot.keyId, 300);
    const charged = events.reduce((sum, e) => sum + e.costNanoUsd, 0);
    expect(events.filter((e) => e.status === 200)).toHaveLength(100);
    expect(charged).toBe(budget);
  }, 60_000);

  it("answers shorter than max_tokens: no overspend, and the released headroom is reused until not even a minimal answer fits", async () => {
    const prompt = promptWithExactEstimate("[[fake:tokens=20]]");
    const reservation = estimateMaxCostNanoUsd(PRICE, prompt.tokens, MAX_TOKENS);
    const actual = costNanoUsd(PRICE, {
      inputTokens: prompt.tokens,
      outputTokens: 20,
      cachedInputTokens: 0,
    });
    expect(actual).toBeLessThan(reservation);
    const budget = 100 * reservation;
    const { secret, snapshot } = await publishNewKey(redis, workspaceId, {
      budget: { amountNanoUsd: budget, period: "lifetime", alertThresholdPct: null },
    });

    let admitted = 0;
    let sent = 300;
    const first = await burst(secret, 300, prompt.content);
    admitted += first.filter((o) => o.status === 200).length;
    // at least the 100 that fit at once; more if early ones settled and freed headroom
    expect(admitted).toBeGreaterThanOrEqual(100);
    let state = await settledState(snapshot.keyId);
    expect(state.spent).toBeLessThanOrEqual(budget);

    // keep spending the released headroom, in waves across both proxies, until it is refused
    for (let wave = 0; wave < 50; wave++) {
      const outcomes = await burst(secret, 40, prompt.content);
      sent += 40;
      admitted += outcomes.filter((o) => o.status === 200).length;
      state = await settledState(snapshot.keyId);
      expect(state.spent).toBeLessThanOrEqual(budget);
      if (outcomes.every((o) => o.status !== 200)) break;
    }
    // exactly what the answers cost (the last ones may have had their max_tokens lowered to
    // what was left, so they cost less than `actual`)
    const events = await eventsOf(snapshot.keyId, sent);
    expect(state).toEqual({
      spent: events.reduce((sum, e) => sum + e.costNanoUsd, 0),
      reserved: 0,
    });
    // every released reservation was reusable: what is left cannot pay for even a 16-token answer
    expect(budget - state.spent).toBeLessThan(estimateMaxCostNanoUsd(PRICE, prompt.tokens, 16));
    expect(admitted).toBeGreaterThanOrEqual(Math.floor((budget - reservation) / actual) + 1);
  }, 120_000);

  it("an RPM limit of 60 admits exactly 60 in the window across both proxies", async () => {
    const { secret, snapshot } = await publishNewKey(redis, workspaceId, {
      limits: { rpm: 60, tpm: null, parallel: null },
    });
    const outcomes = await burst(secret, 100, "rpm [[fake:tokens=2]]");
    const ok = outcomes.filter((o) => o.status === 200);
    expect(ok).toHaveLength(60);
    expect(new Set(ok.map((o) => o.via)).size).toBe(2);
    const limited = outcomes.filter((o) => o.status === 429);
    expect(limited).toHaveLength(40);
    for (const o of limited) expect(o.body.error!.type).toBe("rate_limit_exceeded");
    expect(await redis.zcard(RedisKeys.rateLimit(workspaceId, "key", snapshot.keyId, "rpm"))).toBe(
      60,
    );
    // and the window stays closed for both
    const again = await burst(secret, 4, "rpm again");
    expect(again.map((o) => o.status)).toEqual([429, 429, 429, 429]);
  }, 60_000);

  it("a proxy that crashes holding a concurrency slot and a reservation: both expire and the survivor admits again", async () => {
    const prompt = promptWithExactEstimate("[[fake:hang]]");
    const reservation = estimateMaxCostNanoUsd(PRICE, prompt.tokens, MAX_TOKENS);
    const { secret, snapshot } = await publishNewKey(redis, workspaceId, {
      limits: { rpm: null, tpm: null, parallel: 1 },
      budget: { amountNanoUsd: reservation * 3, period: "lifetime", alertThresholdPct: null },
    });
    const victim = proxies[1]!;
    const survivor = proxies[0]!;
    const hanging = fetch(`${victim.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}` },
      body: JSON.stringify({
        model: MODEL,
        messages: [{ role: "user", content: prompt.content }],
        max_tokens: MAX_TOKENS,
      }),
    }).catch(() => null);
    const slots = RedisKeys.inFlight(workspaceId, "key", snapshot.keyId);
    for (let i = 0; i < 200 && (await redis.zcard(slots)) === 0; i++) await sleep(10);
    expect(await redis.zcard(slots)).toBe(1);
    expect((await budgetState(snapshot.keyId)).reserved).toBe(reservation);
    victim.child.kill("SIGKILL");
    await hanging;

    const ask = () =>
      fetch(`${survivor.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}` },
        body: JSON.stringify({
          model: MODEL,
          messages: [{ role: "user", content: "after [[fake:tokens=3]]" }],
          max_tokens: MAX_TOKENS,
        }),
      });
    const blocked = await ask();
    expect(blocked.status).toBe(429);
    expect(((await blocked.json()) as { error: { message: string } }).error.message).toMatch(
      /at most 1 may be in flight/,
    );
    await sleep(RESERVATION_TTL_MS + 200);
    const after = await ask();
    expect(after.status).toBe(200);
    await after.text();
    const state = await settledState(snapshot.keyId);
    expect(state.reserved).toBe(0);
    expect(state.spent).toBeGreaterThan(0);
    expect(state.spent).toBeLessThan(reservation);
    expect(await redis.zcard(slots)).toBe(0);
  }, 60_000);
});
