import Anthropic from "@anthropic-ai/sdk";
import {
  costNanoUsd,
  findModelPrice,
  JobName,
  periodEnd,
  periodStart,
  QUEUE_PREFIX,
  QueueName,
  RedisKeys,
  type Budget,
} from "@gatehouse/shared";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  publishNewKey,
  publishWorkspace,
  REDIS_URL,
  ROUTES,
  sleep,
  startWorld,
  waitForEvent,
  workspaceSnapshot,
  type World,
} from "./fixtures";
import { startRelay, type TcpRelay } from "./tcp-relay";

const MINI = findModelPrice("gpt-4o-mini")!;

interface BudgetState {
  spent: number;
  reserved: number;
  alerted: boolean;
}

async function budgetState(
  redis: Redis,
  workspaceId: string,
  scope: "key" | "ws",
  scopeId: string,
  period: Budget["period"] = "monthly",
): Promise<BudgetState> {
  const start = periodStart(period, new Date(), "UTC").toISOString();
  const hash = await redis.hgetall(RedisKeys.budget(workspaceId, scope, scopeId, start));
  return {
    spent: Number(hash.spent ?? 0),
    reserved: Number(hash.reserved ?? 0),
    alerted: hash.alerted !== undefined,
  };
}

/** Polls until `check` passes (settles land in Redis just after the response). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  const until = Date.now() + 5_000;
  for (;;) {
    const value = await read();
    if (check(value)) return value;
    if (Date.now() > until) return value;
    await sleep(20);
  }
}

const settled = (s: BudgetState) => s.reserved === 0;

/** About `tokens` prompt tokens ("x x x …"): more than a small budget pays for, whatever the answer. */
const longPrompt = (tokens: number) => "x ".repeat(tokens);

function chatBody(content: string, extra: Record<string, unknown> = {}) {
  return JSON.stringify({
    model: ROUTES.openai,
    messages: [{ role: "user", content }],
    ...extra,
  });
}

describe("rate limits, budgets and their headers (one proxy, real Redis)", () => {
  let world: World;
  let alerts: Queue;
  let alertsConnection: Redis;
  beforeAll(async () => {
    world = await startWorld(
      { settings: { upstreamTtfbTimeoutMs: 400, upstreamTotalTimeoutMs: 1_000 } },
      // streams take a few ms per chunk, so a client can leave in the middle
      { chunkDelayMs: 3 },
    );
    alertsConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    alerts = new Queue(QueueName.alerts, { connection: alertsConnection, prefix: QUEUE_PREFIX });
  });
  afterAll(async () => {
    await alerts?.close();
    alertsConnection?.disconnect();
    await world?.close();
  });

  it("allowed requests carry x-ratelimit-* (OpenAI and Anthropic SDKs); the limited one gets 429 + Retry-After in its format", async () => {
    const { secret, snapshot } = await publishNewKey(world.redis, world.workspaceId, {
      limits: { rpm: 3, tpm: 100_000, parallel: null },
    });
    const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: world.url, apiKey: secret, maxRetries: 0 });

    const first = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [{ role: "user", content: "one" }],
        max_tokens: 50,
      })
      .withResponse();
    expect(first.response.headers.get("x-ratelimit-limit-requests")).toBe("3");
    expect(first.response.headers.get("x-ratelimit-remaining-requests")).toBe("2");
    expect(first.response.headers.get("x-ratelimit-reset-requests")).toMatch(
      /^(\d+m)?\d+(\.\d+)?s$/,
    );
    expect(first.response.headers.get("x-ratelimit-limit-tokens")).toBe("100000");
    const tokensLeft = Number(first.response.headers.get("x-ratelimit-remaining-tokens"));
    expect(tokensLeft).toBeLessThan(100_000 - 50);
    expect(first.response.headers.get("x-ratelimit-reset-tokens")).toMatch(/s$/);

    const second = await anthropic.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 20,
        messages: [{ role: "user", content: "two" }],
      })
      .withResponse();
    expect(second.response.headers.get("x-ratelimit-remaining-requests")).toBe("1");

    // a stream carries them too (the headers go out before the first event)
    const streamed = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}` },
      body: chatBody("three", { stream: true, max_tokens: 20 }),
    });
    expect(streamed.headers.get("content-type")).toMatch(/event-stream/);
    expect(streamed.headers.get("x-ratelimit-remaining-requests")).toBe("0");
    await streamed.text();

    const limited = await openai.chat.completions
      .create({ model: ROUTES.openai, messages: [{ role: "user", content: "four" }] })
      .catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    const error = limited as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.status).toBe(429);
    expect(error.type).toBe("rate_limit_exceeded");
    expect(error.message).toMatch(/3 requests per minute/);
    expect(Number(error.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(Number(error.headers?.get("retry-after"))).toBeLessThanOrEqual(60);
    expect(error.headers?.get("x-ratelimit-limit-requests")).toBe("3");
    expect(error.headers?.get("x-ratelimit-remaining-requests")).toBe("0");

    const anthropicLimited = await anthropic.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 20,
        messages: [{ role: "user", content: "five" }],
      })
      .catch((e: unknown) => e);
    expect(anthropicLimited).toBeInstanceOf(Anthropic.RateLimitError);
    const aError = anthropicLimited as InstanceType<typeof Anthropic.RateLimitError>;
    expect((aError.error as { error: { type: string } }).error.type).toBe("rate_limit_error");
    expect(aError.headers?.get("retry-after")).toMatch(/^\d+$/);

    const raw = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}` },
      body: chatBody("six"),
    });
    expect(raw.status).toBe(429);
    expect(raw.headers.get("retry-after-ms")).toMatch(/^\d+$/);
    expect(await raw.json()).toMatchObject({
      error: { type: "rate_limit_exceeded", code: "rate_limited" },
    });
    // refused requests are not counted in the window: still exactly 3 entries
    expect(
      await world.redis.zcard(RedisKeys.rateLimit(world.workspaceId, "key", snapshot.keyId, "rpm")),
    ).toBe(3);
  });

  it("TPM reserves prompt + max_tokens up front and is corrected to the real usage after", async () => {
    const { secret } = await publishNewKey(world.redis, world.workspaceId, {
      limits: { rpm: null, tpm: 10_000, parallel: null },
    });
    const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    const ask = () =>
      openai.chat.completions
        .create({
          model: ROUTES.openai,
          messages: [{ role: "user", content: "short answer please [[fake:tokens=5]]" }],
          max_tokens: 2_000,
        })
        .withResponse();
    const a = await ask();
    const reservedA = 10_000 - Number(a.response.headers.get("x-ratelimit-remaining-tokens"));
    // the reservation holds the whole max_tokens
    expect(reservedA).toBeGreaterThan(2_000);
    const actualA = a.data.usage!.prompt_tokens + a.data.usage!.completion_tokens;
    expect(a.data.usage!.completion_tokens).toBe(5);
    await sleep(100); // the settle lands just after the response
    const b = await ask();
    // same request: its own reservation is reservedA; A now only counts its real tokens
    expect(10_000 - Number(b.response.headers.get("x-ratelimit-remaining-tokens"))).toBe(
      actualA + reservedA,
    );

    // a request that alone exceeds the limit is refused without retrying
    const tooBig = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}` },
      body: chatBody("huge", { max_tokens: 20_000 }),
    });
    expect(tooBig.status).toBe(429);
    expect(tooBig.headers.get("x-should-retry")).toBe("false");
    expect(((await tooBig.json()) as { error: { message: string } }).error.message).toMatch(
      /more than this key's limit of 10000 tokens per minute/,
    );
  });

  it("concurrency slots: the third of two allowed is refused; slots free on completion", async () => {
    const { secret, snapshot } = await publishNewKey(world.redis, world.workspaceId, {
      limits: { rpm: null, tpm: null, parallel: 2 },
    });
    const slow = () =>
      fetch(`${world.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}` },
        body: chatBody("slow [[fake:latency=300]]"),
      });
    const running = [slow(), slow()];
    await sleep(100);
    const third = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}` },
      body: chatBody("third"),
    });
    expect(third.status).toBe(429);
    expect(((await third.json()) as { error: { message: string } }).error.message).toMatch(
      /at most 2 may be in flight/,
    );
    expect((await Promise.all(running)).map((r) => r.status)).toEqual([200, 200]);
    const slots = RedisKeys.inFlight(world.workspaceId, "key", snapshot.keyId);
    expect(
      await eventually(
        () => world.redis.zcard(slots),
        (n) => n === 0,
      ),
    ).toBe(0);
    const after = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}` },
      body: chatBody("after"),
    });
    expect(after.status).toBe(200);
  });

  it("a budget settles to the exact cost (JSON), and a request that would exceed it is refused in each format, naming the budget and its reset", async () => {
    const max = 100;
    const { secret, snapshot } = await publishNewKey(world.redis, world.workspaceId, {
      budget: { amountNanoUsd: 1_000_000, period: "monthly", alertThresholdPct: null },
    });
    const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    const { data, response } = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [{ role: "user", content: "priced [[fake:tokens=7]]" }],
        max_tokens: max,
      })
      .withResponse();
    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    const cost = costNanoUsd(MINI, {
      inputTokens: data.usage!.prompt_tokens,
      outputTokens: data.usage!.completion_tokens,
      cachedInputTokens: 0,
    });
    expect(event.costNanoUsd).toBe(cost);
    const state = await eventually(
      () => budgetState(world.redis, world.workspaceId, "key", snapshot.keyId),
      (s) => settled(s) && s.spent > 0,
    );
    expect(state).toEqual({ spent: cost, reserved: 0, alerted: false });

    // a prompt that alone costs more than is left (a long answer would only be cut shorter)
    const refused = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [{ role: "user", content: longPrompt(20_000) }],
        max_tokens: 1_000_000,
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.RateLimitError);
    const error = refused as InstanceType<typeof OpenAI.RateLimitError>;
    expect(error.type).toBe("insufficient_quota");
    expect(error.code).toBe("budget_exceeded");
    const reset = periodEnd("monthly", new Date(), "UTC").toISOString();
    expect(error.message).toContain("monthly budget of this key");
    expect(error.message).toContain(`resets at ${reset}`);
    expect(error.headers?.get("x-should-retry")).toBe("false");

    const anthropic = new Anthropic({ baseURL: world.url, apiKey: secret, maxRetries: 0 });
    const aRefused = await anthropic.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 20_000,
        messages: [{ role: "user", content: longPrompt(20_000) }],
      })
      .catch((e: unknown) => e);
    expect(aRefused).toBeInstanceOf(Anthropic.RateLimitError);
    const aBody = (aRefused as InstanceType<typeof Anthropic.RateLimitError>).error as {
      error: { type: string; message: string };
    };
    expect(aBody.error.type).toBe("rate_limit_error");
    expect(aBody.error.message).toContain("budget of this key");
    // nothing was reserved by the refusals
    expect(await budgetState(world.redis, world.workspaceId, "key", snapshot.keyId)).toEqual(state);
  });

  it("the workspace budget is enforced for every key and named as such", async () => {
    const workspaceId = `${world.workspaceId}_wsb`;
    await publishWorkspace(
      world.redis,
      workspaceSnapshot(
        workspaceId,
        [{ id: "cred_openai", provider: "openai", baseUrl: world.fake.openaiBaseUrl }],
        [
          {
            alias: ROUTES.openai,
            deployments: [{ credentialId: "cred_openai", upstreamModel: "gpt-4o-mini" }],
          },
        ],
        { budget: { amountNanoUsd: 50_000, period: "daily", alertThresholdPct: null } },
      ),
    );
    const { secret } = await publishNewKey(world.redis, workspaceId);
    const res = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}` },
      body: chatBody(longPrompt(1_000), { max_tokens: 1_000 }),
    });
    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: { message: string; type: string } };
    expect(body.error.type).toBe("insufficient_quota");
    expect(body.error.message).toContain("daily budget of this workspace");
    const ok = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}` },
      body: chatBody("hi [[fake:tokens=3]]", { max_tokens: 10 }),
    });
    expect(ok.status).toBe(200);
    await ok.text();
    const state = await eventually(
      () => budgetState(world.redis, workspaceId, "ws", workspaceId, "daily"),
      (s) => settled(s) && s.spent > 0,
    );
    expect(state.spent).toBeGreaterThan(0);
    expect(state.spent).toBeLessThanOrEqual(50_000);
  });

  describe("streams and abandoned requests settle their reservations", () => {
    let secret: string;
    let keyId: string;
    let openai: OpenAI;
    beforeAll(async () => {
      const key = await publishNewKey(world.redis, world.workspaceId, {
        limits: { rpm: null, tpm: null, parallel: 50 },
        budget: { amountNanoUsd: 1_000_000_000, period: "monthly", alertThresholdPct: null },
      });
      secret = key.secret;
      keyId = key.snapshot.keyId;
      openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    });
    const state = () => budgetState(world.redis, world.workspaceId, "key", keyId);
    const slots = () => world.redis.zcard(RedisKeys.inFlight(world.workspaceId, "key", keyId));

    it("a complete OpenAI stream and Anthropic stream settle to their usage events' cost", async () => {
      const before = await state();
      const { data: stream, response } = await openai.chat.completions
        .create({
          model: ROUTES.openai,
          messages: [{ role: "user", content: "stream [[fake:tokens=20]]" }],
          max_tokens: 500,
          stream: true,
        })
        .withResponse();
      for await (const _ of stream) void _;
      const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
      expect(event.outputTokens).toBe(20);

      const anthropic = new Anthropic({ baseURL: world.url, apiKey: secret, maxRetries: 0 });
      const aStream = anthropic.messages.stream({
        model: ROUTES.anthropic,
        max_tokens: 300,
        messages: [{ role: "user", content: "stream [[fake:tokens=9]]" }],
      });
      const message = await aStream.finalMessage();
      expect(message.usage.output_tokens).toBe(9);
      const aId = (await aStream.withResponse()).response.headers.get("x-request-id")!;
      const aEvent = await waitForEvent(world.usageQueue, aId);

      const after = await eventually(
        state,
        (s) => settled(s) && s.spent === before.spent + event.costNanoUsd + aEvent.costNanoUsd,
      );
      expect(after.reserved).toBe(0);
      expect(after.spent).toBe(before.spent + event.costNanoUsd + aEvent.costNanoUsd);
      expect(await slots()).toBe(0);
    });

    it("a client that leaves mid-stream: the reservation is released and the tokens seen so far are charged", async () => {
      const before = await state();
      const controller = new AbortController();
      const res = await fetch(`${world.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}` },
        body: chatBody("long stream [[fake:tokens=400]]", { stream: true, max_tokens: 1_000 }),
        signal: controller.signal,
      });
      const id = res.headers.get("x-request-id")!;
      const reader = res.body!.getReader();
      await reader.read();
      await reader.read();
      // in flight: the reservation is held
      expect((await state()).reserved).toBeGreaterThan(0);
      expect(await slots()).toBe(1);
      controller.abort();
      const event = await waitForEvent(world.usageQueue, id);
      expect(event.clientAborted).toBe(true);
      expect(event.outputTokens).toBeLessThan(400);
      const after = await eventually(state, (s) => settled(s));
      expect(after).toMatchObject({ reserved: 0, spent: before.spent + event.costNanoUsd });
      expect(await slots()).toBe(0);
    });

    it("an upstream error mid-stream and a proxy-side timeout release everything (no charge for the timeout)", async () => {
      const before = await state();
      const broken = await fetch(`${world.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}` },
        body: chatBody("break [[fake:error_after=2]]", { stream: true, max_tokens: 200 }),
      });
      const text = await broken.text();
      expect(text).toMatch(/error/);
      const brokenEvent = await waitForEvent(world.usageQueue, broken.headers.get("x-request-id")!);

      // the proxy gives up on a JSON answer's headers after 1 s (its total time in this world)
      const hung = await fetch(`${world.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}` },
        body: chatBody("[[fake:hang]]", { max_tokens: 200 }),
      });
      expect(hung.status).toBe(504);
      const hungEvent = await waitForEvent(world.usageQueue, hung.headers.get("x-request-id")!);
      expect(hungEvent.costNanoUsd).toBe(0);

      const after = await eventually(state, (s) => settled(s));
      expect(after).toMatchObject({
        reserved: 0,
        spent: before.spent + brokenEvent.costNanoUsd,
      });
      expect(await slots()).toBe(0);
    });

    it("an abandoned reservation (a proxy that died holding it) expires and frees its headroom", async () => {
      // what a crashed proxy leaves behind: a reservation already past its expiry
      const start = periodStart("monthly", new Date(), "UTC");
      const budgetKey = RedisKeys.budget(world.workspaceId, "key", keyId, start.toISOString());
      const reservations = RedisKeys.budgetReservations(world.workspaceId, "key", keyId);
      const before = await state();
      await world.redis.zadd(reservations, Date.now() - 1, `ghost:${start.getTime()}:999000000`);
      await world.redis.hincrby(budgetKey, "reserved", 999_000_000);
      expect((await state()).reserved).toBe(999_000_000);
      const res = await fetch(`${world.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}` },
        body: chatBody("after the crash [[fake:tokens=2]]", { max_tokens: 10 }),
      });
      // with the ghost still counted, spent + reserved + this request would exceed the budget
      expect(res.status).toBe(200);
      await res.text();
      const after = await eventually(state, (s) => settled(s));
      expect(after.reserved).toBe(0);
      expect(after.spent).toBeGreaterThan(before.spent);
      expect(await world.redis.zcard(reservations)).toBe(0);
    });
  });

  it("crossing the alert threshold enqueues one alert job per budget and period", async () => {
    const { secret, snapshot } = await publishNewKey(world.redis, world.workspaceId, {
      budget: { amountNanoUsd: 200_000, period: "monthly", alertThresholdPct: 50 },
    });
    // each request costs ~ (15 × 150 + 20 × 600) / 1000 ≈ 15 000 nano-USD; 120 000 crosses 50 %
    for (let i = 0; i < 10; i++) {
      const res = await fetch(`${world.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}` },
        body: chatBody(`spend ${i} [[fake:tokens=20]]`, { max_tokens: 20 }),
      });
      if (res.status !== 200) break;
      await res.text();
    }
    const state = await eventually(
      () => budgetState(world.redis, world.workspaceId, "key", snapshot.keyId),
      (s) => settled(s) && s.alerted,
    );
    expect(state.alerted).toBe(true);
    expect(state.spent).toBeGreaterThanOrEqual(100_000);
    const jobs = await eventually(
      async () =>
        (await alerts.getJobs(["waiting", "delayed", "prioritized"])).filter(
          (j) => j.data.scopeId === snapshot.keyId,
        ),
      (list) => list.length > 0,
    );
    expect(jobs).toHaveLength(1);
    expect(jobs[0]!.name).toBe(JobName.budgetAlert);
    expect(jobs[0]!.data).toMatchObject({
      workspaceId: world.workspaceId,
      scope: "key",
      scopeId: snapshot.keyId,
      periodStart: periodStart("monthly", new Date(), "UTC").toISOString(),
      thresholdPct: 50,
      budgetNanoUsd: 200_000,
    });
    expect(jobs[0]!.data.spentNanoUsd).toBeGreaterThanOrEqual(100_000);
  });
});

describe("Redis unreachable for limits: the workspace's fail mode decides", () => {
  let world: World;
  let relay: TcpRelay;
  beforeAll(async () => {
    relay = await startRelay(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    const limitsUrl = new URL(REDIS_URL);
    limitsUrl.port = String(relay.port);
    world = await startWorld({ redisUrls: { limits: limitsUrl.toString() } });
  });
  afterAll(async () => {
    await world?.close();
    await relay?.close();
  });

  async function cut() {
    await relay.stop();
    for (let i = 0; i < 100 && world.app.connections.limits.status === "ready"; i++)
      await sleep(10);
    expect(world.app.connections.limits.status).not.toBe("ready");
  }

  it("fail closed: a clear 503 in the client's format, and nothing is forwarded", async () => {
    const { secret } = await publishNewKey(world.redis, world.workspaceId, {
      limits: { rpm: 100, tpm: null, parallel: null },
    });
    await cut();
    try {
      const res = await fetch(`${world.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}` },
        body: chatBody("fail-closed probe"),
      });
      expect(res.status).toBe(503);
      expect(res.headers.get("retry-after")).toBe("1");
      const body = (await res.json()) as { error: { message: string; code: string } };
      expect(body.error.code).toBe("unavailable");
      expect(body.error.message).toMatch(/fail closed/);
      const anthropic = new Anthropic({ baseURL: world.url, apiKey: secret, maxRetries: 0 });
      const error = await anthropic.messages
        .create({
          model: ROUTES.anthropic,
          max_tokens: 5,
          messages: [{ role: "user", content: "hi" }],
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(503);
      expect(
        ((error as InstanceType<typeof Anthropic.APIError>).error as { error: { type: string } })
          .error.type,
      ).toBe("overloaded_error");
      expect(JSON.stringify(world.fake.requests.map((r) => r.body))).not.toContain(
        "fail-closed probe",
      );
      // keys without limits or budgets never need Redis for them
      const free = await fetch(`${world.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${world.key}` },
        body: chatBody("no limits here"),
      });
      expect(free.status).toBe(200);
    } finally {
      await relay.start();
    }
  });

  it("fail open: served while Redis is down, the spend is reconciled into Redis when it returns", async () => {
    const workspaceId = `${world.workspaceId}_open`;
    await publishWorkspace(
      world.redis,
      workspaceSnapshot(
        workspaceId,
        [{ id: "cred_openai", provider: "openai", baseUrl: world.fake.openaiBaseUrl }],
        [
          {
            alias: ROUTES.openai,
            deployments: [{ credentialId: "cred_openai", upstreamModel: "gpt-4o-mini" }],
          },
        ],
        { failMode: "open" },
      ),
    );
    const { secret, snapshot } = await publishNewKey(world.redis, workspaceId, {
      limits: { rpm: 100, tpm: null, parallel: 10 },
      budget: { amountNanoUsd: 1_000_000_000, period: "monthly", alertThresholdPct: null },
    });
    // warm the config cache, then cut the limits connection only
    const warm = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}` },
      body: chatBody("warm [[fake:tokens=1]]", { max_tokens: 5 }),
    });
    expect(warm.status).toBe(200);
    await warm.text();
    const warmEvent = await waitForEvent(world.usageQueue, warm.headers.get("x-request-id")!);
    await eventually(
      () => budgetState(world.redis, workspaceId, "key", snapshot.keyId),
      (s) => s.spent === warmEvent.costNanoUsd,
    );
    await cut();
    let outageCost = 0;
    try {
      for (let i = 0; i < 3; i++) {
        const res = await fetch(`${world.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${secret}` },
          body: chatBody(`during the outage ${i} [[fake:tokens=4]]`, { max_tokens: 50 }),
        });
        expect(res.status).toBe(200);
        // no rate-limit headers: nothing could be counted in Redis
        expect(res.headers.get("x-ratelimit-limit-requests")).toBeNull();
        await res.text();
        outageCost += (await waitForEvent(world.usageQueue, res.headers.get("x-request-id")!))
          .costNanoUsd;
      }
      expect(outageCost).toBeGreaterThan(0);
      // per request: the release of whatever the failed admit may have taken, and the spend
      expect(world.app.limits.pendingSettles).toBe(6);
    } finally {
      await relay.start();
    }
    const after = await eventually(
      () => budgetState(world.redis, workspaceId, "key", snapshot.keyId),
      (s) => s.spent === warmEvent.costNanoUsd + outageCost,
    );
    expect(after).toEqual({
      spent: warmEvent.costNanoUsd + outageCost,
      reserved: 0,
      alerted: false,
    });
    expect(world.app.limits.pendingSettles).toBe(0);
  });
});
