import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROUTES, startWorld, waitForEvent, type World } from "./fixtures";

/**
 * Every billing dimension of a real invoice reaches the usage event, priced to the nano-dollar:
 * prompt-cache writes by TTL (Anthropic bills 1.25x input for 5 minutes, 2x for 1 hour), cache
 * reads, the long-context tier, and reasoning tokens (billed as output). The official SDKs talk
 * to the proxy; the fake provider reports the counters in Anthropic's and OpenAI's wire formats.
 * The expected costs are worked out here from the published prices, not by the code under test.
 */

let world: World;
let anthropic: Anthropic;
let openai: OpenAI;

beforeAll(async () => {
  world = await startWorld();
  anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
  openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => {
  world.fake.reset();
});

/** Sum of tokens × micro-USD per 1M tokens, in nano-USD, rounded up once. */
function nanoUsd(...parts: Array<[tokens: number, microUsdPerMTok: number]>): number {
  const sum = parts.reduce((acc, [tokens, price]) => acc + BigInt(tokens) * BigInt(price), 0n);
  return Number((sum + 999n) / 1000n);
}

// claude-sonnet-4-5 (the route's upstream model): $3 in, $15 out, $0.30 cache read, $3.75 5-minute
// write, $6 1-hour write; above 200k prompt tokens $6, $22.50, $0.60
const SONNET = {
  input: 3_000_000,
  output: 15_000_000,
  read: 300_000,
  w5m: 3_750_000,
  w1h: 6_000_000,
};
const SONNET_LONG = { input: 6_000_000, output: 22_500_000, read: 600_000 };

const CACHE_DIRECTIVES = "[[fake:cached=500,cache_write=1000,cache_write_1h=2000]]";
const cachedSystem: Anthropic.TextBlockParam[] = [
  {
    type: "text",
    text: "You are a support agent for a bicycle shop. ".repeat(40),
    cache_control: { type: "ephemeral", ttl: "1h" },
  },
];

/** What the event must say for an Anthropic answer with CACHE_DIRECTIVES' counters. */
function cacheWritingEvent(uncachedInput: number, outputTokens: number) {
  return {
    inputTokens: uncachedInput + 500 + 1000 + 2000,
    cachedInputTokens: 500,
    cacheWrite5mTokens: 1000,
    cacheWrite1hTokens: 2000,
    outputTokens,
    costNanoUsd: nanoUsd(
      [uncachedInput, SONNET.input],
      [500, SONNET.read],
      [1000, SONNET.w5m],
      [2000, SONNET.w1h],
      [outputTokens, SONNET.output],
    ),
  };
}

describe("prompt-cache writes through the Anthropic SDK", () => {
  it("prices a JSON answer's 5-minute and 1-hour writes at their own prices", async () => {
    const { data, response } = await anthropic.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 64,
        system: cachedSystem,
        messages: [{ role: "user", content: `Which tyre fits? ${CACHE_DIRECTIVES}` }],
      })
      .withResponse();
    // the client sees Anthropic's own usage, split by TTL
    expect(data.usage.cache_creation_input_tokens).toBe(3000);
    expect(data.usage.cache_creation).toEqual({
      ephemeral_5m_input_tokens: 1000,
      ephemeral_1h_input_tokens: 2000,
    });
    expect(data.usage.cache_read_input_tokens).toBe(500);

    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    const want = cacheWritingEvent(data.usage.input_tokens, data.usage.output_tokens);
    expect(event).toMatchObject({ ...want, reasoningTokens: 0 });
    // what the writes cost above the plain input price they used to be billed at
    expect(want.costNanoUsd).toBeGreaterThan(
      nanoUsd(
        [data.usage.input_tokens + 3000, SONNET.input],
        [500, SONNET.read],
        [data.usage.output_tokens, SONNET.output],
      ),
    );
  });

  it("prices a streamed answer's writes the same way", async () => {
    const stream = anthropic.messages.stream({
      model: ROUTES.anthropic,
      max_tokens: 64,
      system: cachedSystem,
      messages: [{ role: "user", content: `Tell me about inner tubes ${CACHE_DIRECTIVES}` }],
    });
    const final = await stream.finalMessage();
    const id = (await stream.withResponse()).response.headers.get("x-request-id")!;
    expect(final.usage.cache_creation_input_tokens).toBe(3000);
    const event = await waitForEvent(world.usageQueue, id);
    expect(event).toMatchObject({
      ...cacheWritingEvent(final.usage.input_tokens, final.usage.output_tokens),
      streamed: true,
    });
  });

  it("prices a long prompt (cache reads included) at the long-context tier", async () => {
    const { data, response } = await anthropic.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 16,
        messages: [{ role: "user", content: "Summarise the manual [[fake:cached=250000]]" }],
      })
      .withResponse();
    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event.inputTokens).toBe(data.usage.input_tokens + 250_000);
    expect(event.costNanoUsd).toBe(
      nanoUsd(
        [data.usage.input_tokens, SONNET_LONG.input],
        [250_000, SONNET_LONG.read],
        [data.usage.output_tokens, SONNET_LONG.output],
      ),
    );
  });
});

describe("prompt-cache writes through the OpenAI SDK to an Anthropic route (translated)", () => {
  it("keeps the writes apart in JSON answers", async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: ROUTES.anthropic,
        max_tokens: 64,
        messages: [{ role: "user", content: `Which pump? ${CACHE_DIRECTIVES}` }],
      })
      .withResponse();
    const usage = data.usage!;
    // OpenAI's format has no cache-write field: the writes are prompt tokens, reads are cached
    expect(usage.prompt_tokens_details?.cached_tokens).toBe(500);
    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event).toMatchObject(
      cacheWritingEvent(usage.prompt_tokens - 3500, usage.completion_tokens),
    );
  });

  it("keeps the writes apart in streams", async () => {
    const { data: stream, response } = await openai.chat.completions
      .create({
        model: ROUTES.anthropic,
        max_tokens: 64,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: `Which saddle? ${CACHE_DIRECTIVES}` }],
      })
      .withResponse();
    let usage: OpenAI.CompletionUsage | undefined;
    for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event).toMatchObject(
      cacheWritingEvent(usage!.prompt_tokens - 3500, usage!.completion_tokens),
    );
  });
});

describe("reasoning tokens through the OpenAI SDK", () => {
  // gpt-4o (the "smart" route): $2.50 in, $10 out
  it("records them apart and bills them as output, in JSON and streams", async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: ROUTES.openaiAliased,
        messages: [{ role: "user", content: "Plan my ride [[fake:tokens=3,reasoning=200]]" }],
      })
      .withResponse();
    const json = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(json).toMatchObject({
      outputTokens: 203,
      reasoningTokens: 200,
      costNanoUsd: nanoUsd([data.usage!.prompt_tokens, 2_500_000], [203, 10_000_000]),
    });

    const { data: stream, response: streamed } = await openai.chat.completions
      .create({
        model: ROUTES.openaiAliased,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: "Plan my ride [[fake:tokens=3,reasoning=200]]" }],
      })
      .withResponse();
    for await (const _chunk of stream) {
      // drain
    }
    const event = await waitForEvent(world.usageQueue, streamed.headers.get("x-request-id")!);
    expect(event).toMatchObject({ outputTokens: 203, reasoningTokens: 200 });
    expect(event.costNanoUsd).toBe(json.costNanoUsd);
  });
});
