import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ANTHROPIC_UPSTREAM_MODEL,
  PROVIDER_KEY,
  ROUTES,
  startWorld,
  waitForEvent,
  type World,
} from "./fixtures";

let world: World;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  world = await startWorld();
  openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => {
  world.fake.reset();
});

const lastUpstream = () => world.fake.requests[world.fake.requests.length - 1]!;

const openaiTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
  },
};

const anthropicTool: Anthropic.Tool = {
  name: "get_weather",
  description: "Weather for a city",
  input_schema: { type: "object", properties: { city: { type: "string" } }, required: ["city"] },
};

describe("OpenAI client → Anthropic deployment", () => {
  it("JSON: translated request and answer, usage recorded", async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: ROUTES.anthropic,
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "Say hello" },
        ],
      })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe(ROUTES.anthropic);
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(data.choices[0]!.finish_reason).toBe("stop");

    const upstream = lastUpstream();
    expect(upstream.path).toBe("/v1/messages");
    expect(upstream.receivedApiKey).toBe(PROVIDER_KEY);
    const sent = upstream.body as { model: string; system: unknown; max_tokens: number };
    expect(sent.model).toBe(ANTHROPIC_UPSTREAM_MODEL);
    expect(sent.system).toBeTruthy();
    expect(sent.max_tokens).toBe(4096);

    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event).toMatchObject({
      clientFormat: "openai",
      provider: "anthropic",
      inputTokens: data.usage!.prompt_tokens,
      outputTokens: data.usage!.completion_tokens,
    });
  });

  it("JSON with tools", async () => {
    const completion = await openai.chat.completions.create({
      model: ROUTES.anthropic,
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [openaiTool],
      tool_choice: "required",
    });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toBeTypeOf("object");
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect((lastUpstream().body as { tools: { name: string }[] }).tools[0]!.name).toBe(
      "get_weather",
    );
  });

  it("stream, with usage when asked", async () => {
    const stream = await openai.chat.completions.create({
      model: ROUTES.anthropic,
      messages: [{ role: "user", content: "Tell me a story" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | null | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(finish).toBe("stop");
    expect(usage!.completion_tokens).toBeGreaterThan(0);
  });

  it("stream with tools, no usage chunk when not asked", async () => {
    const stream = await openai.chat.completions.create({
      model: ROUTES.anthropic,
      messages: [{ role: "user", content: "What is the weather in Oslo?" }],
      tools: [openaiTool],
      tool_choice: "required",
      stream: true,
    });
    let args = "";
    let name = "";
    let sawUsage = false;
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta.tool_calls?.[0];
      if (call?.function?.name) name = call.function.name;
      args += call?.function?.arguments ?? "";
      if (chunk.usage) sawUsage = true;
    }
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toBeTypeOf("object");
    expect(sawUsage).toBe(false);
  });
});

describe("Anthropic client → OpenAI deployment", () => {
  it("JSON: translated request and answer, usage recorded", async () => {
    const { data, response } = await anthropic.messages
      .create({
        model: ROUTES.openaiAliased,
        max_tokens: 200,
        system: "You are terse.",
        messages: [{ role: "user", content: "Say hello" }],
      })
      .withResponse();
    expect(data.type).toBe("message");
    expect(data.model).toBe(ROUTES.openaiAliased);
    expect(data.content[0]!.type).toBe("text");
    expect(data.stop_reason).toBe("end_turn");

    const upstream = lastUpstream();
    expect(upstream.path).toBe("/v1/chat/completions");
    expect(upstream.receivedApiKey).toBe(PROVIDER_KEY);
    const sent = upstream.body as { model: string; messages: { role: string }[] };
    expect(sent.model).toBe("gpt-4o");
    expect(sent.messages[0]!.role).toBe("system");

    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event).toMatchObject({
      clientFormat: "anthropic",
      provider: "openai",
      upstreamModel: "gpt-4o",
      inputTokens: data.usage.input_tokens,
      outputTokens: data.usage.output_tokens,
    });
  });

  it("JSON with tools", async () => {
    const message = await anthropic.messages.create({
      model: ROUTES.openai,
      max_tokens: 200,
      messages: [{ role: "user", content: "What is the weather in Rome?" }],
      tools: [anthropicTool],
      tool_choice: { type: "any" },
    });
    const block = message.content.find((b) => b.type === "tool_use");
    expect(block?.type === "tool_use" && block.name).toBe("get_weather");
    expect(message.stop_reason).toBe("tool_use");
  });

  it("stream: a complete Anthropic event stream, usage requested upstream", async () => {
    const stream = anthropic.messages.stream({
      model: ROUTES.openai,
      max_tokens: 200,
      messages: [{ role: "user", content: "Tell me a story" }],
    });
    const types: string[] = [];
    stream.on("streamEvent", (event) => types.push(event.type));
    const final = await stream.finalMessage();
    expect(final.content[0]!.type === "text" && final.content[0]!.text.length).toBeGreaterThan(0);
    expect(types[0]).toBe("message_start");
    expect(types[types.length - 1]).toBe("message_stop");
    expect(final.usage.output_tokens).toBeGreaterThan(0);
    expect((lastUpstream().body as { stream_options: unknown }).stream_options).toEqual({
      include_usage: true,
    });
  });

  it("stream with tools", async () => {
    const stream = anthropic.messages.stream({
      model: ROUTES.openai,
      max_tokens: 200,
      messages: [{ role: "user", content: "What is the weather in Rome?" }],
      tools: [anthropicTool],
      tool_choice: { type: "any" },
    });
    const final = await stream.finalMessage();
    const block = final.content.find((b) => b.type === "tool_use");
    expect(block?.type === "tool_use" && block.name).toBe("get_weather");
    expect(block?.type === "tool_use" && block.input).toBeTypeOf("object");
    expect(final.stop_reason).toBe("tool_use");
  });
});
