import { describe, expect, it } from "vitest";
import type { FinishReason, ResponseMessage } from "../events";
import { usageFromAnthropicUsage, usageFromOpenaiUsage } from "../usage";
import { parseAnthropicMessage, serialiseAnthropicMessage } from "./anthropic-message";
import { parseOpenaiChatCompletion, serialiseOpenaiChatCompletion } from "./openai-chat";
import { openaiUsage } from "./test-usage";

const FINISH_REASONS: FinishReason[] = ["stop", "length", "tool_calls", "content_filter"];

/** Every message × every finish reason. */
function cases(messages: readonly ResponseMessage[]): ResponseMessage[] {
  return messages.flatMap((m) => FINISH_REASONS.map((finishReason) => ({ ...m, finishReason })));
}

// What an OpenAI answer can say: at most one text (or refusal), then tool calls.
const OPENAI_MESSAGES: ResponseMessage[] = [
  {
    id: "chatcmpl-1",
    content: [{ type: "text", text: 'Hello 👋 "world"\n' }],
    finishReason: "stop",
    usage: openaiUsage(12, 3),
  },
  {
    id: "chatcmpl-2",
    content: [{ type: "text", text: "" }],
    finishReason: "stop",
    usage: openaiUsage(0, 0),
  },
  { id: "chatcmpl-3", content: [], finishReason: "stop", usage: openaiUsage(5, 0) },
  {
    id: "chatcmpl-4",
    content: [{ type: "refusal", text: "I can't help with that." }],
    finishReason: "stop",
    usage: openaiUsage(40, 9),
  },
  {
    id: "chatcmpl-5",
    content: [
      { type: "text", text: "Checking." },
      { type: "tool_call", id: "call_1", name: "get_weather", arguments: '{"location":"Paris"}' },
      // cut off: kept byte for byte
      { type: "tool_call", id: "call_2", name: "get_time", arguments: '{"tz":' },
    ],
    finishReason: "stop",
    usage: openaiUsage(1200, 30, 1024),
  },
  {
    id: "chatcmpl-6",
    content: [{ type: "text", text: "42" }],
    finishReason: "stop",
    usage: usageFromOpenaiUsage({
      prompt_tokens: 20,
      completion_tokens: 600,
      completion_tokens_details: { reasoning_tokens: 512 },
    })!,
  },
];

// What an Anthropic answer can say: non-empty text and tool_use blocks in any order, tool
// input a JSON object (written as JSON.stringify writes it).
const ANTHROPIC_MESSAGES: ResponseMessage[] = [
  {
    id: "msg_1",
    content: [{ type: "text", text: 'Hello 👋 "world"\n' }],
    finishReason: "stop",
    usage: openaiUsage(12, 3),
  },
  { id: "msg_2", content: [], finishReason: "stop", usage: openaiUsage(0, 0) },
  {
    id: "msg_3",
    content: [
      { type: "text", text: "I'll check " },
      {
        type: "tool_call",
        id: "toolu_1",
        name: "get_weather",
        arguments: '{"location":"Paris","days":[1,2]}',
      },
      { type: "text", text: "and the time." },
      { type: "tool_call", id: "toolu_2", name: "get_time", arguments: "{}" },
    ],
    finishReason: "stop",
    usage: usageFromAnthropicUsage({
      input_tokens: 100,
      cache_read_input_tokens: 300,
      output_tokens: 42,
    })!,
  },
  {
    id: "msg_4",
    content: [{ type: "text", text: "Cached." }],
    finishReason: "stop",
    usage: usageFromAnthropicUsage({
      input_tokens: 7,
      cache_read_input_tokens: 1000,
      cache_creation_input_tokens: 50,
      cache_creation: { ephemeral_5m_input_tokens: 20, ephemeral_1h_input_tokens: 30 },
      output_tokens: 9,
    })!,
  },
  {
    id: "msg_5",
    content: [{ type: "text", text: "Cached for five minutes." }],
    finishReason: "stop",
    usage: usageFromAnthropicUsage({
      input_tokens: 7,
      cache_creation_input_tokens: 2048,
      output_tokens: 9,
    })!,
  },
];

describe("parse(serialise(message)) is the message", () => {
  it.each(cases(OPENAI_MESSAGES))("OpenAI chat.completion: $id $finishReason", (message) => {
    const wire = JSON.parse(JSON.stringify(serialiseOpenaiChatCompletion(message, "m")));
    expect(parseOpenaiChatCompletion(wire)).toEqual(message);
  });

  it.each(cases(ANTHROPIC_MESSAGES))("Anthropic message: $id $finishReason", (message) => {
    const wire = JSON.parse(JSON.stringify(serialiseAnthropicMessage(message, "m")));
    expect(parseAnthropicMessage(wire)).toEqual(message);
  });
});
