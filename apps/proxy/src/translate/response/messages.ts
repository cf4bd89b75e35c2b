import { count, isRecord, type JsonObject } from "../guards";
import {
  anthropicMessageId,
  finishReasonFromAnthropic,
  openaiCompletionId,
  stopReasonFromOpenai,
} from "../mappings";

/**
 * An Anthropic message (non-streaming answer) as an OpenAI chat.completion. Text blocks are
 * concatenated into `content`; tool_use blocks become `tool_calls`; thinking and server-tool
 * blocks have no chat.completions field and are dropped.
 */
export function anthropicMessageToOpenaiChat(message: JsonObject, clientModel: string): JsonObject {
  let text = "";
  let hasText = false;
  const toolCalls: JsonObject[] = [];
  const content = Array.isArray(message.content) ? message.content : [];
  for (const block of content) {
    if (!isRecord(block)) continue;
    if (block.type === "text" && typeof block.text === "string") {
      text += block.text;
      hasText = true;
    } else if (block.type === "tool_use") {
      toolCalls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
      });
    }
  }

  const reply: JsonObject = { role: "assistant", content: hasText ? text : null, refusal: null };
  if (toolCalls.length > 0) reply.tool_calls = toolCalls;

  const usage = isRecord(message.usage) ? message.usage : {};
  const cacheRead = count(usage.cache_read_input_tokens);
  const promptTokens =
    count(usage.input_tokens) + cacheRead + count(usage.cache_creation_input_tokens);
  const completionTokens = count(usage.output_tokens);
  return {
    id: openaiCompletionId(message.id),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: clientModel,
    choices: [
      {
        index: 0,
        message: reply,
        logprobs: null,
        finish_reason: finishReasonFromAnthropic(message.stop_reason),
      },
    ],
    usage: {
      prompt_tokens: promptTokens,
      completion_tokens: completionTokens,
      total_tokens: promptTokens + completionTokens,
      prompt_tokens_details: { cached_tokens: cacheRead },
    },
  };
}

/**
 * An OpenAI chat.completion as an Anthropic message (first choice; an Anthropic client cannot
 * ask for more). A refusal becomes text. Tool-call arguments the model produced as invalid
 * JSON (typically cut off by max tokens) become an empty input: Anthropic's `input` must be an
 * object, and the stop reason already tells the client the answer was cut short.
 */
export function openaiChatToAnthropicMessage(
  completion: JsonObject,
  clientModel: string,
): JsonObject {
  const choice: unknown = Array.isArray(completion.choices) ? completion.choices[0] : undefined;
  const message = isRecord(choice) && isRecord(choice.message) ? choice.message : {};
  const content: JsonObject[] = [];
  const text =
    typeof message.content === "string"
      ? message.content
      : typeof message.refusal === "string"
        ? message.refusal
        : "";
  if (text !== "") content.push({ type: "text", text });
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isRecord(call) || !isRecord(call.function)) continue;
      content.push({
        type: "tool_use",
        id: call.id,
        name: call.function.name,
        input: parseToolInput(call.function.arguments),
      });
    }
  }

  const usage = isRecord(completion.usage) ? completion.usage : {};
  const details = isRecord(usage.prompt_tokens_details) ? usage.prompt_tokens_details : {};
  const promptTokens = count(usage.prompt_tokens);
  const cached = Math.min(count(details.cached_tokens), promptTokens);
  return {
    id: anthropicMessageId(completion.id),
    type: "message",
    role: "assistant",
    model: clientModel,
    content,
    stop_reason: stopReasonFromOpenai(isRecord(choice) ? choice.finish_reason : undefined),
    stop_sequence: null,
    usage: {
      input_tokens: promptTokens - cached,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: cached,
      output_tokens: count(usage.completion_tokens),
    },
  };
}

function parseToolInput(raw: unknown): JsonObject {
  if (typeof raw !== "string" || raw === "") return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
