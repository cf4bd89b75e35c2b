import type { ResponseContentBlock, ResponseMessage } from "../events";
import { isRecord, type JsonObject } from "../guards";
import { anthropicMessageId, finishReasonFromAnthropic, stopReasonFromOpenai } from "../mappings";
import type { TokenUsage } from "../types";
import { usageFromAnthropicUsage } from "../usage";
import { finishReasonFromOpenai } from "./finish-reason";

/**
 * An Anthropic message (non-streaming answer) as a typed message. Text and tool_use blocks
 * are kept in order; thinking and server-tool blocks have no counterpart in the vocabulary and
 * are dropped. A tool call's `input` becomes its arguments as JSON text.
 */
export function parseAnthropicMessage(json: JsonObject): ResponseMessage {
  const content: ResponseContentBlock[] = [];
  const blocks = Array.isArray(json.content) ? json.content : [];
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    if (block.type === "text" && typeof block.text === "string") {
      content.push({ type: "text", text: block.text });
    } else if (block.type === "tool_use") {
      content.push({
        type: "tool_call",
        id: typeof block.id === "string" ? block.id : "",
        name: typeof block.name === "string" ? block.name : "",
        arguments: JSON.stringify(block.input ?? {}),
      });
    }
  }
  return {
    id: typeof json.id === "string" && json.id !== "" ? json.id : null,
    content,
    // finishReasonFromAnthropic never answers the legacy function_call; this narrows the type
    finishReason: finishReasonFromOpenai(finishReasonFromAnthropic(json.stop_reason)),
    usage: usageFromAnthropicUsage(json.usage),
  };
}

/**
 * A typed message as an Anthropic message. A refusal becomes text and empty text blocks are
 * left out (Anthropic rejects them when a client sends the answer back). Tool-call arguments
 * that are not a JSON object (typically cut off by max tokens) become an empty input:
 * Anthropic's `input` must be an object, and the stop reason already tells the client the
 * answer was cut short. Cache writes are written as Anthropic reports them (total and TTL
 * split, the split only when there are writes, which an OpenAI upstream never reports);
 * reasoning has no field of its own (Anthropic counts thinking inside output_tokens).
 */
export function serialiseAnthropicMessage(
  message: ResponseMessage,
  clientModel: string,
): JsonObject {
  const content: JsonObject[] = [];
  for (const block of message.content) {
    if (block.type === "tool_call") {
      content.push({
        type: "tool_use",
        id: block.id,
        name: block.name,
        input: parseToolInput(block.arguments),
      });
    } else if (block.text !== "") {
      content.push({ type: "text", text: block.text });
    }
  }
  return {
    id: anthropicId(message.id),
    type: "message",
    role: "assistant",
    model: clientModel,
    content,
    stop_reason: stopReasonFromOpenai(message.finishReason),
    stop_sequence: null,
    usage: anthropicUsage(message.usage),
  };
}

function anthropicUsage(usage: TokenUsage | null): JsonObject {
  const inputTokens = usage?.inputTokens ?? 0;
  // cache reads, then writes, are parts of inputTokens; never let them add up to more
  const cached = Math.min(usage?.cachedInputTokens ?? 0, inputTokens);
  const write1h = Math.min(usage?.cacheWrite1hTokens ?? 0, inputTokens - cached);
  const write5m = Math.min(usage?.cacheWrite5mTokens ?? 0, inputTokens - cached - write1h);
  const out: JsonObject = {
    input_tokens: inputTokens - cached - write5m - write1h,
    cache_creation_input_tokens: write5m + write1h,
    cache_read_input_tokens: cached,
    output_tokens: usage?.outputTokens ?? 0,
  };
  if (write5m + write1h > 0) {
    out.cache_creation = { ephemeral_5m_input_tokens: write5m, ephemeral_1h_input_tokens: write1h };
  }
  return out;
}

/** An id that is already Anthropic's (a message parsed from an Anthropic answer) is kept;
 * any other is mapped, so a same-format answer does not come back as `msg_msg_…`. */
function anthropicId(id: string | null): string {
  return id !== null && id.startsWith("msg_") ? id : anthropicMessageId(id);
}

function parseToolInput(raw: string): JsonObject {
  if (raw === "") return {};
  try {
    const parsed: unknown = JSON.parse(raw);
    return isRecord(parsed) ? parsed : {};
  } catch {
    return {};
  }
}
