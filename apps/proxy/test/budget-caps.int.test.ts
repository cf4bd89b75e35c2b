import Anthropic from "@anthropic-ai/sdk";
import {
  BUDGET_CAP_HEADER,
  estimateMaxCostNanoUsd,
  findModelPrice,
  periodStart,
  RedisKeys,
  type TokenPrice,
} from "@gatehouse/shared";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateRequestTokens, preloadTokenizer } from "../src/tokens/estimate";
import {
  ANTHROPIC_UPSTREAM_MODEL,
  publishNewKey,
  ROUTES,
  sleep,
  startWorld,
  type World,
} from "./fixtures";

/**
 * Small budgets stay usable (issue 12 item 3): a request whose max output the remaining budget
 * cannot pay for is forwarded with the max output lowered to what it can pay for (and the
 * x-gatehouse-max-tokens-capped header); only when not even a minimal answer fits is it
 * refused, saying what to change. The budget is never overspent.
 */

const MINI = findModelPrice("gpt-4o-mini")!;
const SONNET = findModelPrice(ANTHROPIC_UPSTREAM_MODEL)!;
/** $0.002 a day */
const SMALL = 2_000_000;
const daily = { amountNanoUsd: SMALL, period: "daily" as const, alertThresholdPct: null };

/**
 * The most output tokens per answer that `left` nano-USD pays for after the prompt, as the
 * budget rule defines it: the largest n with prompt cost + n × output price ≤ left.
 */
function affordable(price: TokenPrice, promptTokens: number, left: number): number {
  let n = Math.floor(
    ((left - estimateMaxCostNanoUsd(price, promptTokens, 0)) * 1000) / price.outputMicroUsdPerMTok,
  );
  while (
    estimateMaxCostNanoUsd(price, promptTokens, 0) +
      Math.ceil((n * price.outputMicroUsdPerMTok) / 1000) >
    left
  )
    n--;
  return n;
}

const promptOf = (endpoint: string, body: Record<string, unknown>) =>
  estimateRequestTokens(endpoint, body) as number;

async function spentToday(world: World, keyId: string) {
  const start = periodStart("daily", new Date(), "UTC").toISOString();
  for (let i = 0; i < 250; i++) {
    const hash = await world.redis.hgetall(
      RedisKeys.budget(world.workspaceId, "key", keyId, start),
    );
    if (Number(hash.reserved ?? 0) === 0) return Number(hash.spent ?? 0);
    await sleep(20);
  }
  throw new Error("the reservation was not settled");
}

describe("a small budget lowers max_tokens to what it can pay for instead of refusing", () => {
  let world: World;
  beforeAll(async () => {
    await preloadTokenizer();
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it("a $0.002 daily budget answers a 13-token call without max_tokens (OpenAI SDK): max output capped, said in a header, TPM reserved for the capped size", async () => {
    const { secret } = await publishNewKey(world.redis, world.workspaceId, {
      limits: { rpm: null, tpm: 100_000, parallel: null },
      budget: daily,
    });
    const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    const messages = [{ role: "user" as const, content: "Say hello in one short sentence." }];
    const prompt = promptOf("chat.completions", { messages });
    expect(prompt).toBe(13);
    // the default reservation (4,096 output tokens) alone is more than the whole budget
    expect(estimateMaxCostNanoUsd(MINI, prompt, 4096)).toBeGreaterThan(SMALL);

    const { data, response } = await openai.chat.completions
      .create({ model: ROUTES.openai, messages })
      .withResponse();
    expect(data.choices[0]!.message.content).toMatch(/^This is a fake reply/);
    const cap = affordable(MINI, prompt, SMALL);
    expect(cap).toBeGreaterThan(16);
    expect(cap).toBeLessThan(4096);
    expect(response.headers.get(BUDGET_CAP_HEADER)).toBe(String(cap));
    // what the provider received: the lowered limit, in the field OpenAI's newer models accept
    expect(world.fake.requests.at(-1)!.body).toMatchObject({ max_completion_tokens: cap });
    // the TPM window holds prompt + the capped output, not prompt + 4,096
    expect(response.headers.get("x-ratelimit-remaining-tokens")).toBe(
      String(100_000 - prompt - cap),
    );
  });

  it("caps Anthropic's max_tokens, the Responses API's max_output_tokens and a stream the same way", async () => {
    const { secret, snapshot } = await publishNewKey(world.redis, world.workspaceId, {
      budget: daily,
    });
    const anthropic = new Anthropic({ baseURL: world.url, apiKey: secret, maxRetries: 0 });
    const aBody = {
      model: ROUTES.anthropic,
      max_tokens: 4096,
      messages: [{ role: "user" as const, content: "hi" }],
    };
    const a = await anthropic.messages.create(aBody).withResponse();
    const aCap = affordable(SONNET, promptOf("messages", aBody), SMALL);
    expect(aCap).toBeGreaterThan(16);
    expect(a.response.headers.get(BUDGET_CAP_HEADER)).toBe(String(aCap));
    expect(world.fake.requests.at(-1)!.body).toMatchObject({ max_tokens: aCap });
    expect(a.data.usage.output_tokens).toBeLessThanOrEqual(aCap);

    const spent = await spentToday(world, snapshot.keyId);
    const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    const rBody = { model: ROUTES.openai, input: "hello" };
    const r = await openai.responses.create(rBody).withResponse();
    const rCap = affordable(MINI, promptOf("responses", rBody), SMALL - spent);
    expect(r.response.headers.get(BUDGET_CAP_HEADER)).toBe(String(rCap));
    expect(world.fake.requests.at(-1)!.body).toMatchObject({ max_output_tokens: rCap });

    const { data: stream, response } = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [{ role: "user", content: "stream" }],
        max_tokens: 100_000,
        stream: true,
      })
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toMatch(/^This is a fake reply/);
    const streamCap = Number(response.headers.get(BUDGET_CAP_HEADER));
    expect(streamCap).toBeGreaterThan(16);
    expect(streamCap).toBeLessThan(100_000);
    expect(world.fake.requests.at(-1)!.body).toMatchObject({ max_tokens: streamCap });
  });

  it("a request that fits is forwarded as sent; one without max_tokens gets the reserved default", async () => {
    const { secret } = await publishNewKey(world.redis, world.workspaceId, {
      budget: { amountNanoUsd: 1_000_000_000, period: "daily", alertThresholdPct: null },
    });
    const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    const within = await openai.chat.completions
      .create({ model: ROUTES.openai, messages: [{ role: "user", content: "a" }], max_tokens: 50 })
      .withResponse();
    expect(within.response.headers.get(BUDGET_CAP_HEADER)).toBeNull();
    expect(world.fake.requests.at(-1)!.body).toMatchObject({ max_tokens: 50 });
    expect(world.fake.requests.at(-1)!.body).not.toHaveProperty("max_completion_tokens");

    // unbounded, the answer could cost more than the reservation: it is bounded to the default
    const open = await openai.chat.completions
      .create({ model: ROUTES.openai, messages: [{ role: "user", content: "b" }] })
      .withResponse();
    expect(open.response.headers.get(BUDGET_CAP_HEADER)).toBe("4096");
    expect(world.fake.requests.at(-1)!.body).toMatchObject({ max_completion_tokens: 4096 });
  });

  it("repeated calls never exceed the budget, and the refusal when nothing fits says what to change", async () => {
    const { secret, snapshot } = await publishNewKey(world.redis, world.workspaceId, {
      budget: daily,
    });
    const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    let answered = 0;
    let refusal: InstanceType<typeof OpenAI.RateLimitError> | null = null;
    for (let i = 0; i < 20 && refusal === null; i++) {
      try {
        // every answer is as long as it may be: each call spends all it reserved
        await openai.chat.completions.create({
          model: ROUTES.openai,
          messages: [{ role: "user", content: `spend ${i} [[fake:tokens=max]]` }],
          max_tokens: 1_500,
        });
        answered++;
      } catch (error) {
        if (!(error instanceof OpenAI.RateLimitError)) throw error;
        refusal = error;
      }
      expect(await spentToday(world, snapshot.keyId)).toBeLessThanOrEqual(SMALL);
    }
    // 1,500 tokens fit twice, then the rest is a shorter answer, then nothing fits
    expect(answered).toBeGreaterThanOrEqual(3);
    expect(refusal).not.toBeNull();
    expect(refusal!.status).toBe(429);
    expect(refusal!.code).toBe("budget_exceeded");
    expect(refusal!.headers?.get("x-should-retry")).toBe("false");
    expect(refusal!.message).toContain("daily budget of this key ($0.002)");
    expect(refusal!.message).toMatch(/a 16-token answer/);
    expect(refusal!.message).toMatch(
      /raise or remove the key's budget on the dashboard's Keys page, shorten the prompt, or wait for the reset/,
    );
    expect(await spentToday(world, snapshot.keyId)).toBeLessThanOrEqual(SMALL);
  });
});
