import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeProvider, type FakeProvider } from "../index";

let provider: FakeProvider;
let anthropic: Anthropic;

beforeAll(async () => {
  provider = await startFakeProvider();
  anthropic = new Anthropic({
    apiKey: "sk-ant-test",
    baseURL: provider.anthropicBaseUrl,
    maxRetries: 0,
  });
});
afterAll(() => provider.close());
beforeEach(() => provider.reset());

const model = "claude-haiku-4-5-20251001";
const weatherTool: Anthropic.Tool = {
  name: "get_weather",
  description: "Current weather",
  input_schema: {
    type: "object",
    properties: { location: { type: "string" }, days: { type: "integer", minimum: 3 } },
    required: ["location"],
  },
};

describe("messages", () => {
  it("answers a message with Anthropic's fields, usage and headers", async () => {
    const { data, response } = await anthropic.messages
      .create({
        model,
        max_tokens: 1024,
        system: "Be brief.", // 9 chars
        messages: [{ role: "user", content: "Hello there" }], // 11 chars
      })
      .withResponse();

    expect(data.id).toMatch(/^msg_01[A-Za-z0-9]{22}$/);
    expect(data.type).toBe("message");
    expect(data.role).toBe("assistant");
    expect(data.model).toBe(model);
    expect(data.content).toEqual([
      { type: "text", text: "This is a fake reply to: Hello there lorem ipsum dolor sit" },
    ]);
    expect(data.stop_reason).toBe("end_turn");
    expect(data.stop_sequence).toBeNull();
    expect(data.usage).toMatchObject({
      input_tokens: Math.ceil(20 / 4) + 2 * 3,
      output_tokens: 12,
      cache_read_input_tokens: 0,
      cache_creation_input_tokens: 0,
    });
    expect(response.headers.get("request-id")).toMatch(/^req_/);
    expect(response.headers.get("content-type")).toBe("application/json");
  });

  it("takes system blocks and content blocks, with a fixed amount per image", async () => {
    const data = await anthropic.messages.create({
      model,
      max_tokens: 100,
      system: [{ type: "text", text: "Be brief.", cache_control: { type: "ephemeral" } }],
      messages: [
        {
          role: "user",
          content: [
            {
              type: "image",
              source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
            },
            { type: "text", text: "What is this?" },
          ],
        },
      ],
    });
    expect(data.usage.input_tokens).toBe(Math.ceil(22 / 4) + 2 * 3 + 85);
    expect(data.content[0]).toMatchObject({
      type: "text",
      text: expect.stringMatching(/^This is a fake reply to: What is this\?/),
    });
  });

  it("stops at max_tokens and at stop sequences", async () => {
    const cut = await anthropic.messages.create({
      model,
      max_tokens: 3,
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(cut.content).toEqual([{ type: "text", text: "This is a" }]);
    expect(cut.stop_reason).toBe("max_tokens");
    expect(cut.usage.output_tokens).toBe(3);

    const stopped = await anthropic.messages.create({
      model,
      max_tokens: 100,
      stop_sequences: ["reply"],
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(stopped.content).toEqual([{ type: "text", text: "This is a fake " }]);
    expect(stopped.stop_reason).toBe("stop_sequence");
    expect(stopped.stop_sequence).toBe("reply");
  });

  it("answers exactly max_tokens tokens with [[fake:tokens=max]] and reports cache tokens when told to", async () => {
    const data = await anthropic.messages.create({
      model,
      max_tokens: 33,
      messages: [
        {
          role: "user",
          content: [{ type: "text", text: "Go long [[fake:tokens=max,cached=100,cache_write=7]]" }],
        },
      ],
    });
    expect(data.usage.output_tokens).toBe(33);
    expect(data.stop_reason).toBe("max_tokens");
    expect(data.usage.cache_read_input_tokens).toBe(100);
    expect(data.usage.cache_creation_input_tokens).toBe(7);
    expect((data.content[0] as Anthropic.TextBlock).text.split(" ")).toHaveLength(33);
  });

  it("splits cache writes by TTL in cache_creation, as the API does, in JSON and streams", async () => {
    const request = {
      model,
      max_tokens: 20,
      messages: [
        { role: "user" as const, content: "Cache me [[fake:cache_write=300,cache_write_1h=700]]" },
      ],
    };
    const data = await anthropic.messages.create(request);
    expect(data.usage.cache_creation_input_tokens).toBe(1000);
    expect(data.usage.cache_creation).toEqual({
      ephemeral_5m_input_tokens: 300,
      ephemeral_1h_input_tokens: 700,
    });
    const final = await anthropic.messages.stream(request).finalMessage();
    expect(final.usage.cache_creation_input_tokens).toBe(1000);
    expect(final.usage.cache_creation).toEqual({
      ephemeral_5m_input_tokens: 300,
      ephemeral_1h_input_tokens: 700,
    });
  });

  it("streams the event sequence of the real API; the SDK's finalMessage has the usage", async () => {
    const stream = anthropic.messages.stream({
      model,
      max_tokens: 1024,
      messages: [{ role: "user", content: "Stream please" }],
    });
    const events: string[] = [];
    stream.on("streamEvent", (event) => events.push(event.type));
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    const final = await stream.finalMessage();

    expect(events).toEqual([
      "message_start",
      "content_block_start",
      ...Array<string>(12).fill("content_block_delta"),
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(texts).toHaveLength(12);
    expect(final.content).toEqual([
      { type: "text", text: "This is a fake reply to: Stream please lorem ipsum dolor sit" },
    ]);
    expect(final.stop_reason).toBe("end_turn");
    expect(final.usage).toMatchObject({ input_tokens: Math.ceil(13 / 4) + 3, output_tokens: 12 });
  });

  it("frames SSE with event lines and a ping after content_block_start", async () => {
    const response = await fetch(`${provider.anthropicBaseUrl}/v1/messages`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "anthropic-version": "2023-06-01",
        "x-api-key": "k",
      },
      body: JSON.stringify({
        model,
        max_tokens: 2,
        stream: true,
        messages: [{ role: "user", content: "Hi" }],
      }),
    });
    expect(response.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const frames = (await response.text()).split("\n\n").filter(Boolean);
    expect(frames.map((frame) => frame.split("\n")[0])).toEqual([
      "event: message_start",
      "event: content_block_start",
      "event: ping",
      "event: content_block_delta",
      "event: content_block_delta",
      "event: content_block_stop",
      "event: message_delta",
      "event: message_stop",
    ]);
    const delta = JSON.parse(frames[6]!.split("\n")[1]!.slice("data: ".length));
    expect(delta).toMatchObject({
      type: "message_delta",
      delta: { stop_reason: "max_tokens", stop_sequence: null },
      usage: { output_tokens: 2 },
    });
  });
});

describe("tools", () => {
  it("answers a tool_use block when the user asks about the weather", async () => {
    const data = await anthropic.messages.create({
      model,
      max_tokens: 1024,
      tools: [weatherTool],
      messages: [{ role: "user", content: "What's the weather in Paris?" }],
    });
    expect(data.stop_reason).toBe("tool_use");
    expect(data.content).toHaveLength(1);
    const block = data.content[0] as Anthropic.ToolUseBlock;
    expect(block.type).toBe("tool_use");
    expect(block.id).toMatch(/^toolu_01/);
    expect(block.name).toBe("get_weather");
    expect(block.input).toEqual({ location: "fake", days: 3 });
  });

  it("answers in words after a tool result; tool_choice any or tool forces a call", async () => {
    const afterResult = await anthropic.messages.create({
      model,
      max_tokens: 1024,
      tools: [weatherTool],
      messages: [
        { role: "user", content: "What's the weather in Paris?" },
        {
          role: "assistant",
          content: [
            { type: "tool_use", id: "toolu_1", name: "get_weather", input: { location: "Paris" } },
          ],
        },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: "toolu_1", content: "sunny" }],
        },
      ],
    });
    expect(afterResult.stop_reason).toBe("end_turn");

    const forced = await anthropic.messages.create({
      model,
      max_tokens: 1024,
      tools: [weatherTool, { name: "noop", input_schema: { type: "object" } }],
      tool_choice: { type: "tool", name: "noop" },
      messages: [{ role: "user", content: "Hello" }],
    });
    expect(forced.content[0]).toMatchObject({ type: "tool_use", name: "noop", input: {} });

    const any = await anthropic.messages.create({
      model,
      max_tokens: 1024,
      tools: [weatherTool],
      tool_choice: { type: "any" },
      messages: [{ role: "user", content: "Hello" }],
    });
    expect(any.stop_reason).toBe("tool_use");
  });

  it("streams tool input as input_json_delta; the SDK assembles it", async () => {
    const stream = anthropic.messages.stream({
      model,
      max_tokens: 1024,
      tools: [weatherTool],
      messages: [{ role: "user", content: "weather in Oslo?" }],
    });
    const partials: string[] = [];
    stream.on("inputJson", (partial) => partials.push(partial));
    const final = await stream.finalMessage();

    // like the real API: an empty first fragment, then the JSON in token-sized pieces
    expect(partials[0]).toBe("");
    expect(partials.length).toBeGreaterThan(3);
    expect(partials.join("")).toBe('{"location":"fake","days":3}');
    expect(final.stop_reason).toBe("tool_use");
    expect(final.content[0]).toMatchObject({
      type: "tool_use",
      name: "get_weather",
      input: { location: "fake", days: 3 },
    });
    expect(final.usage.output_tokens).toBe(partials.length - 1);
  });
});

describe("count_tokens and errors", () => {
  it("counts tokens the same way a message's usage does", async () => {
    const params = {
      model,
      system: "You are a weather bot.",
      tools: [weatherTool],
      messages: [{ role: "user" as const, content: "Is it raining?" }],
    };
    const counted = await anthropic.messages.countTokens(params);
    const message = await anthropic.messages.create({ ...params, max_tokens: 10 });
    expect(counted).toEqual({ input_tokens: message.usage.input_tokens });
  });

  it("refuses a request without max_tokens: the SDK throws BadRequestError", async () => {
    const error = await anthropic.messages
      .create({
        model,
        messages: [{ role: "user", content: "Hi" }],
      } as unknown as Anthropic.MessageCreateParamsNonStreaming)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const bad = error as InstanceType<typeof Anthropic.BadRequestError>;
    expect(bad.error).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: "max_tokens: Field required" },
      request_id: expect.stringMatching(/^req_/),
    });
  });

  it("refuses a request without the anthropic-version header, like the real API", async () => {
    const response = await fetch(`${provider.anthropicBaseUrl}/v1/messages`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-api-key": "k" },
      body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: "user", content: "Hi" }] }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error", message: "anthropic-version: header is required" },
    });
  });

  it("lists models in Anthropic's format when asked with anthropic-version", async () => {
    const ids: string[] = [];
    for await (const info of anthropic.models.list()) ids.push(info.id);
    expect(ids).toContain(model);
  });
});
