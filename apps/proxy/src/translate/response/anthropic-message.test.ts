import { describe, expect, it } from "vitest";
import type { FinishReason, ResponseMessage } from "../events";
import { usageFromAnthropicUsage } from "../usage";
import { parseAnthropicMessage, serialiseAnthropicMessage } from "./anthropic-message";
import { openaiUsage } from "./test-usage";

const usage = {
  input_tokens: 100,
  cache_creation_input_tokens: 20,
  cache_read_input_tokens: 300,
  output_tokens: 42,
};

describe("parseAnthropicMessage", () => {
  it("keeps text and tool_use blocks in order, input as JSON text, and drops thinking", () => {
    const message = parseAnthropicMessage({
      id: "msg_01",
      type: "message",
      content: [
        { type: "thinking", thinking: "hmm", signature: "sig" },
        { type: "text", text: "I'll check " },
        { type: "tool_use", id: "toolu_1", name: "get_weather", input: { location: "Paris" } },
        { type: "text", text: "and the time." },
        { type: "tool_use", id: "toolu_2", name: "get_time" },
        { type: "server_tool_use", id: "srvtoolu_1", name: "web_search", input: {} },
      ],
      stop_reason: "tool_use",
      usage,
    });
    expect(message).toEqual({
      id: "msg_01",
      content: [
        { type: "text", text: "I'll check " },
        {
          type: "tool_call",
          id: "toolu_1",
          name: "get_weather",
          arguments: '{"location":"Paris"}',
        },
        { type: "text", text: "and the time." },
        // no input at all: an empty object, as the converter always gave
        { type: "tool_call", id: "toolu_2", name: "get_time", arguments: "{}" },
      ],
      finishReason: "tool_calls",
      usage: usageFromAnthropicUsage(usage),
    });
    // cache reads and writes are part of the input
    expect(message.usage).toMatchObject({
      inputTokens: 420,
      outputTokens: 42,
      cachedInputTokens: 300,
    });
  });

  it("reads a message with no content, id or usage", () => {
    expect(parseAnthropicMessage({ type: "message", stop_reason: "end_turn" })).toEqual({
      id: null,
      content: [],
      finishReason: "stop",
      usage: null,
    });
    expect(parseAnthropicMessage({ id: "msg_2", content: [], usage: null }).usage).toBeNull();
  });

  it("keeps an empty text block (an answer of nothing is still a text answer)", () => {
    expect(parseAnthropicMessage({ content: [{ type: "text", text: "" }] }).content).toEqual([
      { type: "text", text: "" },
    ]);
  });

  it("maps every stop reason to a finish reason", () => {
    const finish = (stop_reason: unknown) => parseAnthropicMessage({ stop_reason }).finishReason;
    const expected: Record<string, FinishReason> = {
      end_turn: "stop",
      stop_sequence: "stop",
      pause_turn: "stop",
      max_tokens: "length",
      model_context_window_exceeded: "length",
      tool_use: "tool_calls",
      refusal: "content_filter",
      something_new: "stop",
    };
    for (const [reason, want] of Object.entries(expected)) expect(finish(reason)).toBe(want);
    expect(finish(null)).toBe("stop");
    expect(finish(undefined)).toBe("stop");
  });
});

function message(overrides: Partial<ResponseMessage>): ResponseMessage {
  return {
    id: "chatcmpl-abc",
    content: [],
    finishReason: "stop",
    usage: openaiUsage(10, 5),
    ...overrides,
  };
}

describe("serialiseAnthropicMessage", () => {
  it("writes text and tool_use blocks, the client's model and cache-split usage", () => {
    const out = serialiseAnthropicMessage(
      message({
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_call", id: "call_1", name: "get_weather", arguments: '{"q":"Paris"}' },
        ],
        finishReason: "tool_calls",
        usage: openaiUsage(1200, 30, 1024),
      }),
      "claude-alias",
    );
    expect(out).toEqual({
      id: "msg_abc",
      type: "message",
      role: "assistant",
      model: "claude-alias",
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "call_1", name: "get_weather", input: { q: "Paris" } },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 176,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 1024,
        output_tokens: 30,
      },
    });
  });

  it("gives arguments that are not a JSON object an empty input", () => {
    const inputs = ['{"tz":', "", "[1,2]", '"text"', "null"].map(
      (args) =>
        (
          serialiseAnthropicMessage(
            message({ content: [{ type: "tool_call", id: "c", name: "f", arguments: args }] }),
            "m",
          ).content as Array<{ input: unknown }>
        )[0]!.input,
    );
    expect(inputs).toEqual([{}, {}, {}, {}, {}]);
  });

  it("writes a refusal as text and leaves empty text out", () => {
    const content = (blocks: ResponseMessage["content"]) =>
      serialiseAnthropicMessage(message({ content: blocks }), "m").content;
    expect(content([{ type: "refusal", text: "I can't help with that." }])).toEqual([
      { type: "text", text: "I can't help with that." },
    ]);
    expect(content([{ type: "text", text: "" }])).toEqual([]);
    expect(content([])).toEqual([]);
  });

  it("writes cache writes as Anthropic reports them, split by TTL", () => {
    const usage = usageFromAnthropicUsage({
      input_tokens: 100,
      cache_read_input_tokens: 300,
      cache_creation_input_tokens: 50,
      cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 30 },
      output_tokens: 42,
    });
    expect(serialiseAnthropicMessage(message({ usage }), "m").usage).toEqual({
      input_tokens: 100,
      cache_creation_input_tokens: 50,
      cache_read_input_tokens: 300,
      cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 30 },
      output_tokens: 42,
    });
  });

  it("writes zero usage when none was reported", () => {
    expect(serialiseAnthropicMessage(message({ usage: null }), "m").usage).toEqual({
      input_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 0,
    });
  });

  it("maps an OpenAI id, keeps an Anthropic one, and names a missing one", () => {
    const id = (value: string | null) => serialiseAnthropicMessage(message({ id: value }), "m").id;
    expect(id("chatcmpl-abc")).toBe("msg_abc");
    expect(id("gen-123")).toBe("msg_gen-123");
    expect(id("msg_01")).toBe("msg_01");
    expect(id(null)).toBe("msg_gatehouse");
  });

  it("maps every finish reason to a stop reason", () => {
    const stop = (finishReason: FinishReason) =>
      serialiseAnthropicMessage(message({ finishReason }), "m").stop_reason;
    expect(stop("stop")).toBe("end_turn");
    expect(stop("length")).toBe("max_tokens");
    expect(stop("tool_calls")).toBe("tool_use");
    expect(stop("content_filter")).toBe("refusal");
  });
});
