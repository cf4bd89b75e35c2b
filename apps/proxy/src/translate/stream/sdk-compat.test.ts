import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { describe, expect, it } from "vitest";
import { fixtureEvents, pushAll } from "../fixtures/load";
import type { StreamTranslator } from "../types";
import { createStreamTranslator } from "./create";

/** What the official SDKs make of our client streams: each SDK gets the text through a fake fetch. */
function sseFetch(body: string): typeof fetch {
  return (async () =>
    new Response(body, {
      status: 200,
      headers: { "content-type": "text/event-stream" },
    })) as typeof fetch;
}

function cleanStream(translator: StreamTranslator, fixture: string): string {
  return pushAll(translator, fixtureEvents(fixture)).join("") + translator.end();
}

function cutStream(translator: StreamTranslator, fixture: string, keep: number): string {
  return (
    pushAll(translator, fixtureEvents(fixture).slice(0, keep)).join("") +
    translator.error("The upstream provider closed the stream early.")
  );
}

const openaiClient = (body: string) =>
  new OpenAI({
    apiKey: "gh_test",
    baseURL: "http://gatehouse.test/v1",
    fetch: sseFetch(body),
    maxRetries: 0,
  });
const anthropicClient = (body: string) =>
  new Anthropic({
    apiKey: "gh_test",
    baseURL: "http://gatehouse.test",
    fetch: sseFetch(body),
    maxRetries: 0,
  });

describe("OpenAI SDK reading an Anthropic upstream", () => {
  it("assembles text, tool calls, finish reason and usage", async () => {
    const translator = createStreamTranslator("openai", "anthropic", "chat.completions", {
      clientModel: "smart",
      clientWantsUsage: true,
    });
    const stream = openaiClient(
      cleanStream(translator, "anthropic-tool-use"),
    ).chat.completions.stream({
      model: "smart",
      messages: [{ role: "user", content: "Weather in SF?" }],
      stream_options: { include_usage: true },
    });
    const completion = await stream.finalChatCompletion();
    const choice = completion.choices[0]!;
    expect(choice.message.content).toBe("Okay, let me check the weather.");
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.tool_calls).toEqual([
      {
        id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
        type: "function",
        function: {
          name: "get_weather",
          arguments: '{"location": "San Francisco, CA", "unit": "fahrenheit"}',
        },
      },
    ]);
    expect(completion.usage).toMatchObject({
      prompt_tokens: 472,
      completion_tokens: 89,
      total_tokens: 561,
    });
  });

  it("throws the mid-stream error instead of ending cleanly", async () => {
    const translator = createStreamTranslator("openai", "anthropic", "chat.completions", {
      clientModel: "smart",
      clientWantsUsage: false,
    });
    const stream = await openaiClient(
      cutStream(translator, "anthropic-text", 5),
    ).chat.completions.create({
      model: "smart",
      messages: [{ role: "user", content: "hi" }],
      stream: true,
    });
    let text = "";
    await expect(
      (async () => {
        for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      })(),
    ).rejects.toThrow(/closed the stream early/);
    expect(text).toBe('Hello! Say "café" \\ ');
  });
});

describe("Anthropic SDK reading an OpenAI upstream", () => {
  it("assembles text blocks, stop reason and usage", async () => {
    const translator = createStreamTranslator("anthropic", "openai", "messages", {
      clientModel: "claude-alias",
      clientWantsUsage: false,
    });
    const message = await anthropicClient(cleanStream(translator, "openai-text-usage"))
      .messages.stream({
        model: "claude-alias",
        max_tokens: 100,
        messages: [{ role: "user", content: "hi" }],
      })
      .finalMessage();
    expect(message.content).toHaveLength(1);
    expect(message.content[0]).toMatchObject({
      type: "text",
      text: 'Hello! The "usage": field is here.\n😀',
    });
    expect(message.stop_reason).toBe("end_turn");
    expect(message.model).toBe("claude-alias");
    expect(message.usage).toMatchObject({
      input_tokens: 16,
      cache_read_input_tokens: 3,
      output_tokens: 10,
    });
  });

  it("assembles parallel tool calls into tool_use blocks with parsed input", async () => {
    const translator = createStreamTranslator("anthropic", "openai", "messages", {
      clientModel: "claude-alias",
      clientWantsUsage: false,
    });
    const message = await anthropicClient(cleanStream(translator, "openai-tool-calls"))
      .messages.stream({
        model: "claude-alias",
        max_tokens: 100,
        messages: [{ role: "user", content: "hi" }],
      })
      .finalMessage();
    expect(message.content).toEqual([
      {
        type: "tool_use",
        id: "call_DdmO9pD3xa9XTPNJ32zg2hcA",
        name: "get_weather",
        input: { location: "Paris" },
      },
      {
        type: "tool_use",
        id: "call_fLsKR5vGllhbWxvpqsDT3jBj",
        name: "get_time",
        input: { tz: "Europe/Paris" },
      },
    ]);
    expect(message.stop_reason).toBe("tool_use");
    expect(message.usage.output_tokens).toBe(46);
  });

  it("throws the mid-stream error instead of ending cleanly", async () => {
    const translator = createStreamTranslator("anthropic", "openai", "messages", {
      clientModel: "claude-alias",
      clientWantsUsage: false,
    });
    const stream = anthropicClient(cutStream(translator, "openai-text-usage", 3)).messages.stream({
      model: "claude-alias",
      max_tokens: 100,
      messages: [{ role: "user", content: "hi" }],
    });
    await expect(stream.finalMessage()).rejects.toThrow(/closed the stream early/);
  });
});
