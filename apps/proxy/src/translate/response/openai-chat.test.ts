import { describe, expect, it } from "vitest";
import type { FinishReason, ResponseMessage } from "../events";
import { usageFromAnthropicUsage, usageFromOpenaiUsage } from "../usage";
import { parseOpenaiChatCompletion, serialiseOpenaiChatCompletion } from "./openai-chat";
import { openaiUsage } from "./test-usage";

const usage = {
  prompt_tokens: 1200,
  completion_tokens: 30,
  total_tokens: 1230,
  prompt_tokens_details: { cached_tokens: 1024 },
};

function completion(message: unknown, finish_reason: unknown = "stop", extra = {}) {
  return {
    id: "chatcmpl-abc",
    object: "chat.completion",
    created: 1754400000,
    model: "gpt-4o",
    choices: [{ index: 0, message, logprobs: null, finish_reason }],
    ...extra,
  };
}

describe("parseOpenaiChatCompletion", () => {
  it("reads content, tool calls with their arguments as sent, finish reason and usage", () => {
    const parsed = parseOpenaiChatCompletion(
      completion(
        {
          role: "assistant",
          content: "Checking.",
          refusal: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"location":"Paris"}' },
            },
            // cut off by max tokens: kept as it came
            { id: "call_2", type: "function", function: { name: "get_time", arguments: '{"tz":' } },
            { id: "call_3", type: "custom", custom: { name: "grep", input: "x" } },
            "junk",
          ],
        },
        "tool_calls",
        { usage },
      ),
    );
    expect(parsed).toEqual({
      id: "chatcmpl-abc",
      content: [
        { type: "text", text: "Checking." },
        {
          type: "tool_call",
          id: "call_1",
          name: "get_weather",
          arguments: '{"location":"Paris"}',
        },
        { type: "tool_call", id: "call_2", name: "get_time", arguments: '{"tz":' },
      ],
      finishReason: "tool_calls",
      usage: usageFromOpenaiUsage(usage),
    });
    expect(parsed.usage).toMatchObject({
      inputTokens: 1200,
      outputTokens: 30,
      cachedInputTokens: 1024,
    });
  });

  it("reads a refusal as a refusal block, content winning when both are strings", () => {
    const content = (message: unknown) => parseOpenaiChatCompletion(completion(message)).content;
    expect(content({ role: "assistant", content: null, refusal: "I can't help." })).toEqual([
      { type: "refusal", text: "I can't help." },
    ]);
    expect(content({ role: "assistant", content: "Sure.", refusal: "no" })).toEqual([
      { type: "text", text: "Sure." },
    ]);
  });

  it("tells empty content from none", () => {
    const content = (message: unknown) => parseOpenaiChatCompletion(completion(message)).content;
    expect(content({ role: "assistant", content: "" })).toEqual([{ type: "text", text: "" }]);
    expect(content({ role: "assistant", content: null, refusal: null })).toEqual([]);
    expect(content(undefined)).toEqual([]);
  });

  it("reads an answer without usage, id or choices", () => {
    expect(parseOpenaiChatCompletion(completion({ content: "hi" })).usage).toBeNull();
    expect(parseOpenaiChatCompletion({ object: "chat.completion" })).toEqual({
      id: null,
      content: [],
      finishReason: "stop",
      usage: null,
    });
  });

  it("maps every finish reason", () => {
    const finish = (reason: unknown) =>
      parseOpenaiChatCompletion(completion({ content: "x" }, reason)).finishReason;
    expect(finish("stop")).toBe("stop");
    expect(finish("length")).toBe("length");
    expect(finish("tool_calls")).toBe("tool_calls");
    expect(finish("content_filter")).toBe("content_filter");
    expect(finish("function_call")).toBe("tool_calls");
    expect(finish("eos")).toBe("stop");
    expect(finish(null)).toBe("stop");
  });
});

function message(overrides: Partial<ResponseMessage>): ResponseMessage {
  return {
    id: "msg_01",
    content: [],
    finishReason: "stop",
    usage: openaiUsage(10, 5),
    ...overrides,
  };
}

type Reply = { content: unknown; refusal: unknown; tool_calls?: unknown };
const replyOf = (out: Record<string, unknown>) =>
  (out.choices as Array<{ message: Reply; finish_reason: string }>)[0]!;

describe("serialiseOpenaiChatCompletion", () => {
  it("writes a chat.completion: text concatenated, tool calls, the client's model, usage", () => {
    const out = serialiseOpenaiChatCompletion(
      message({
        content: [
          { type: "text", text: "I'll check " },
          { type: "tool_call", id: "toolu_1", name: "get_weather", arguments: '{"q":"Paris"}' },
          { type: "text", text: "that." },
        ],
        finishReason: "tool_calls",
        usage: openaiUsage(420, 42, 300),
      }),
      "smart-model",
    );
    expect(out).toEqual({
      id: "chatcmpl-msg_01",
      object: "chat.completion",
      created: expect.any(Number),
      model: "smart-model",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "I'll check that.",
            refusal: null,
            tool_calls: [
              {
                id: "toolu_1",
                type: "function",
                function: { name: "get_weather", arguments: '{"q":"Paris"}' },
              },
            ],
          },
          logprobs: null,
          finish_reason: "tool_calls",
        },
      ],
      usage: {
        prompt_tokens: 420,
        completion_tokens: 42,
        total_tokens: 462,
        prompt_tokens_details: { cached_tokens: 300 },
      },
    });
    expect(Math.abs((out.created as number) - Date.now() / 1000)).toBeLessThan(5);
  });

  it("writes a refusal in `refusal`, with null content", () => {
    const reply = replyOf(
      serialiseOpenaiChatCompletion(
        message({ content: [{ type: "refusal", text: "I can't help." }] }),
        "m",
      ),
    ).message;
    expect(reply).toEqual({ role: "assistant", content: null, refusal: "I can't help." });
  });

  it("gives no content null, empty text an empty string, and no tool_calls key without calls", () => {
    const reply = (content: ResponseMessage["content"]) =>
      replyOf(serialiseOpenaiChatCompletion(message({ content }), "m")).message;
    expect(reply([])).toEqual({ role: "assistant", content: null, refusal: null });
    expect(reply([{ type: "text", text: "" }])).toEqual({
      role: "assistant",
      content: "",
      refusal: null,
    });
  });

  it("counts cache writes as prompt tokens and reports reasoning tokens when there are any", () => {
    const fromAnthropic = usageFromAnthropicUsage({
      input_tokens: 100,
      cache_read_input_tokens: 300,
      cache_creation_input_tokens: 50,
      output_tokens: 42,
    });
    expect(serialiseOpenaiChatCompletion(message({ usage: fromAnthropic }), "m").usage).toEqual({
      prompt_tokens: 450,
      completion_tokens: 42,
      total_tokens: 492,
      prompt_tokens_details: { cached_tokens: 300 },
    });
    const reasoning = usageFromOpenaiUsage({
      prompt_tokens: 10,
      completion_tokens: 500,
      completion_tokens_details: { reasoning_tokens: 448 },
    });
    expect(serialiseOpenaiChatCompletion(message({ usage: reasoning }), "m").usage).toEqual({
      prompt_tokens: 10,
      completion_tokens: 500,
      total_tokens: 510,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 448 },
    });
  });

  it("writes zero usage when none was reported", () => {
    expect(serialiseOpenaiChatCompletion(message({ usage: null }), "m").usage).toEqual({
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
      prompt_tokens_details: { cached_tokens: 0 },
    });
  });

  it("maps an Anthropic id, keeps an OpenAI one, and names a missing one", () => {
    const id = (value: string | null) =>
      serialiseOpenaiChatCompletion(message({ id: value }), "m").id;
    expect(id("msg_01")).toBe("chatcmpl-msg_01");
    expect(id("chatcmpl-abc")).toBe("chatcmpl-abc");
    expect(id(null)).toBe("chatcmpl-gatehouse");
  });

  it("writes every finish reason as it is", () => {
    const reasons: FinishReason[] = ["stop", "length", "tool_calls", "content_filter"];
    for (const finishReason of reasons) {
      expect(
        replyOf(serialiseOpenaiChatCompletion(message({ finishReason }), "m")).finish_reason,
      ).toBe(finishReason);
    }
  });
});
