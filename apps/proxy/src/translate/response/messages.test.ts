import { describe, expect, it } from "vitest";
import { anthropicMessageToOpenaiChat, openaiChatToAnthropicMessage } from "./messages";

const anthropicToolMessage = {
  id: "msg_01Aq9w938a90dw8q",
  type: "message",
  role: "assistant",
  model: "claude-sonnet-4-5-20250929",
  content: [
    { type: "text", text: "I'll check " },
    { type: "text", text: "that." },
    {
      type: "tool_use",
      id: "toolu_01A09q90qw90lq917835lq9",
      name: "get_weather",
      input: { location: "San Francisco, CA" },
    },
  ],
  stop_reason: "tool_use",
  stop_sequence: null,
  usage: {
    input_tokens: 100,
    cache_creation_input_tokens: 20,
    cache_read_input_tokens: 300,
    output_tokens: 42,
  },
};

describe("anthropicMessageToOpenaiChat", () => {
  it("builds a chat.completion with tool calls, finish reason and usage (cache counted as prompt)", () => {
    const out = anthropicMessageToOpenaiChat(anthropicToolMessage, "smart-model");
    expect(out).toEqual({
      id: "chatcmpl-msg_01Aq9w938a90dw8q",
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
                id: "toolu_01A09q90qw90lq917835lq9",
                type: "function",
                function: { name: "get_weather", arguments: '{"location":"San Francisco, CA"}' },
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

  it("maps stop reasons", () => {
    const finish = (stop_reason: string) =>
      (
        anthropicMessageToOpenaiChat({ ...anthropicToolMessage, stop_reason }, "m")
          .choices as Array<{ finish_reason: string }>
      )[0]!.finish_reason;
    expect(finish("end_turn")).toBe("stop");
    expect(finish("stop_sequence")).toBe("stop");
    expect(finish("max_tokens")).toBe("length");
    expect(finish("tool_use")).toBe("tool_calls");
    expect(finish("refusal")).toBe("content_filter");
  });

  it("gives a message without text null content", () => {
    const out = anthropicMessageToOpenaiChat(
      {
        id: "msg_1",
        content: [],
        stop_reason: "end_turn",
        usage: { input_tokens: 1, output_tokens: 0 },
      },
      "m",
    );
    expect(
      (out.choices as Array<{ message: { content: unknown } }>)[0]!.message.content,
    ).toBeNull();
  });
});

const openaiToolCompletion = {
  id: "chatcmpl-abc123",
  object: "chat.completion",
  created: 1754400000,
  model: "gpt-4o-2024-08-06",
  choices: [
    {
      index: 0,
      message: {
        role: "assistant",
        content: "Checking.",
        refusal: null,
        tool_calls: [
          {
            id: "call_1",
            type: "function",
            function: { name: "get_weather", arguments: '{"location":"Paris"}' },
          },
          { id: "call_2", type: "function", function: { name: "get_time", arguments: '{"tz":' } },
        ],
      },
      logprobs: null,
      finish_reason: "tool_calls",
    },
  ],
  usage: {
    prompt_tokens: 1200,
    completion_tokens: 30,
    total_tokens: 1230,
    prompt_tokens_details: { cached_tokens: 1024 },
  },
};

describe("openaiChatToAnthropicMessage", () => {
  it("builds a message with text and tool_use blocks, stop reason and cache-split usage", () => {
    expect(openaiChatToAnthropicMessage(openaiToolCompletion, "claude-alias")).toEqual({
      id: "msg_abc123",
      type: "message",
      role: "assistant",
      model: "claude-alias",
      content: [
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "call_1", name: "get_weather", input: { location: "Paris" } },
        // cut-off arguments cannot be an object: empty input
        { type: "tool_use", id: "call_2", name: "get_time", input: {} },
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

  it("maps finish reasons", () => {
    const stop = (finish_reason: string) =>
      openaiChatToAnthropicMessage(
        {
          ...openaiToolCompletion,
          choices: [{ ...openaiToolCompletion.choices[0], finish_reason }],
        },
        "m",
      ).stop_reason;
    expect(stop("stop")).toBe("end_turn");
    expect(stop("length")).toBe("max_tokens");
    expect(stop("tool_calls")).toBe("tool_use");
    expect(stop("content_filter")).toBe("refusal");
  });

  it("turns a refusal into text", () => {
    const out = openaiChatToAnthropicMessage(
      {
        id: "chatcmpl-r",
        choices: [
          {
            index: 0,
            message: { role: "assistant", content: null, refusal: "I can't help with that." },
            finish_reason: "stop",
          },
        ],
      },
      "m",
    );
    expect(out.content).toEqual([{ type: "text", text: "I can't help with that." }]);
    expect(out.usage).toEqual({
      input_tokens: 0,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      output_tokens: 0,
    });
  });

  it("round-trips an Anthropic answer through OpenAI's shape with the same content and usage", () => {
    const back = openaiChatToAnthropicMessage(
      anthropicMessageToOpenaiChat(anthropicToolMessage, "m"),
      "m",
    );
    expect(back.content).toEqual([
      { type: "text", text: "I'll check that." },
      anthropicToolMessage.content[2],
    ]);
    expect(back.stop_reason).toBe("tool_use");
    // cache writes are not distinguishable in OpenAI's usage: they come back as plain input
    expect(back.usage).toEqual({
      input_tokens: 120,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 300,
      output_tokens: 42,
    });
  });
});
