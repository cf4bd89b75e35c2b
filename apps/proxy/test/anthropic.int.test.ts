import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ANTHROPIC_UPSTREAM_MODEL,
  PROVIDER_KEY,
  publishNewKey,
  ROUTES,
  startWorld,
  waitForEvent,
  type World,
} from "./fixtures";

let world: World;
let client: Anthropic;

beforeAll(async () => {
  world = await startWorld();
  client = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => {
  world.fake.reset();
});

const lastUpstream = () => world.fake.requests[world.fake.requests.length - 1]!;

describe("POST /v1/messages", () => {
  it("answers JSON through the official SDK with the provider's key", async () => {
    const { data, response } = await client.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 256,
        system: "You are terse.",
        messages: [{ role: "user", content: "Say hello" }],
      })
      .withResponse();
    expect(data.type).toBe("message");
    expect(data.content[0]!.type).toBe("text");
    expect(data.usage.input_tokens).toBeGreaterThan(0);
    const upstream = lastUpstream();
    expect(upstream.path).toBe("/v1/messages");
    expect(upstream.receivedApiKey).toBe(PROVIDER_KEY);
    expect((upstream.body as { model: string }).model).toBe(ANTHROPIC_UPSTREAM_MODEL);
    expect(JSON.stringify(upstream.headers)).not.toContain(world.key);

    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event).toMatchObject({
      endpoint: "messages",
      clientFormat: "anthropic",
      provider: "anthropic",
      model: ROUTES.anthropic,
      upstreamModel: ANTHROPIC_UPSTREAM_MODEL,
      inputTokens: data.usage.input_tokens,
      outputTokens: data.usage.output_tokens,
      status: 200,
      streamed: false,
    });
    expect(event.costNanoUsd).toBeGreaterThan(0);
  });

  it("passes tools through", async () => {
    const message = await client.messages.create({
      model: ROUTES.anthropic,
      max_tokens: 256,
      messages: [{ role: "user", content: "What is the weather in Rome?" }],
      tools: [
        {
          name: "get_weather",
          description: "Weather for a city",
          input_schema: {
            type: "object",
            properties: { city: { type: "string" } },
            required: ["city"],
          },
        },
      ],
      tool_choice: { type: "any" },
    });
    const block = message.content.find((b) => b.type === "tool_use");
    expect(block?.type === "tool_use" && block.name).toBe("get_weather");
    expect(message.stop_reason).toBe("tool_use");
  });

  it("streams the event stream", async () => {
    const stream = client.messages.stream({
      model: ROUTES.anthropic,
      max_tokens: 256,
      messages: [{ role: "user", content: "Tell me a story" }],
    });
    const types: string[] = [];
    stream.on("streamEvent", (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content[0]!.type === "text" && final.content[0]!.text.length).toBeGreaterThan(0);
    expect(types[0]).toBe("message_start");
    expect(types[types.length - 1]).toBe("message_stop");
    expect(final.usage.output_tokens).toBeGreaterThan(0);
  });
});

describe("POST /v1/messages/count_tokens", () => {
  it("passes through to an Anthropic deployment", async () => {
    const { input_tokens } = await client.messages.countTokens({
      model: ROUTES.anthropic,
      messages: [{ role: "user", content: "How many tokens is this?" }],
    });
    expect(input_tokens).toBeGreaterThan(0);
    expect(lastUpstream().path).toBe("/v1/messages/count_tokens");
  });

  it("estimates locally for an OpenAI-type route", async () => {
    const short = await client.messages.countTokens({
      model: ROUTES.openai,
      messages: [{ role: "user", content: "hi" }],
    });
    const long = await client.messages.countTokens({
      model: ROUTES.openai,
      system: "You are a helpful assistant.",
      messages: [{ role: "user", content: "hi ".repeat(200) }],
    });
    expect(short.input_tokens).toBeGreaterThan(0);
    expect(long.input_tokens).toBeGreaterThan(short.input_tokens + 150);
    expect(world.fake.requests).toHaveLength(0);
  });
});

describe("GET /v1/models (Anthropic format)", () => {
  it("lists only the models the key may use", async () => {
    const { secret } = await publishNewKey(world.redis, world.workspaceId, {
      allowedModels: [ROUTES.anthropic],
    });
    const restricted = new Anthropic({ baseURL: world.url, apiKey: secret, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of restricted.models.list()) {
      expect(model.type).toBe("model");
      ids.push(model.id);
    }
    expect(ids).toEqual([ROUTES.anthropic]);
  });
});
