import type { ResponseContentBlock, ResponseMessage } from "../events";
import { isRecord, type JsonObject } from "../guards";
import { CHATCMPL_PREFIX, openaiCompletionId } from "../mappings";
import type { TokenUsage } from "../types";
import { usageFromOpenaiUsage } from "../usage";
import { finishReasonFromOpenai } from "./finish-reason";

/**
 * An OpenAI chat.completion as a typed message (first choice; an Anthropic client cannot ask
 * for more). `content` becomes a text block (an empty string too: it is not the same answer as
 * null), else `refusal` a refusal block; then the tool calls, their arguments as sent (possibly
 * invalid JSON when cut off).
 */
export function parseOpenaiChatCompletion(json: JsonObject): ResponseMessage {
  const choice: unknown = Array.isArray(json.choices) ? json.choices[0] : undefined;
  const message = isRecord(choice) && isRecord(choice.message) ? choice.message : {};
  const content: ResponseContentBlock[] = [];
  if (typeof message.content === "string") {
    content.push({ type: "text", text: message.content });
  } else if (typeof message.refusal === "string") {
    content.push({ type: "refusal", text: message.refusal });
  }
  if (Array.isArray(message.tool_calls)) {
    for (const call of message.tool_calls) {
      if (!isRecord(call) || !isRecord(call.function)) continue;
      const fn = call.function;
      content.push({
        type: "tool_call",
        id: typeof call.id === "string" ? call.id : "",
        name: typeof fn.name === "string" ? fn.name : "",
        arguments: typeof fn.arguments === "string" ? fn.arguments : "",
      });
    }
  }
  return {
    id: typeof json.id === "string" && json.id !== "" ? json.id : null,
    content,
    finishReason: finishReasonFromOpenai(isRecord(choice) ? choice.finish_reason : undefined),
    usage: usageFromOpenaiUsage(json.usage),
  };
}

/**
 * A typed message as an OpenAI chat.completion. Text blocks are concatenated into `content`
 * (null when there is none), refusal blocks into `refusal`, tool calls become `tool_calls`.
 * Prompt tokens count cache reads and writes, as OpenAI's do (OpenAI has no field for the
 * writes); reasoning tokens, part of the completion tokens, are reported in
 * `completion_tokens_details` when there are any (never for an Anthropic upstream).
 */
export function serialiseOpenaiChatCompletion(
  message: ResponseMessage,
  clientModel: string,
): JsonObject {
  let text: string | null = null;
  let refusal: string | null = null;
  const toolCalls: JsonObject[] = [];
  for (const block of message.content) {
    if (block.type === "text") text = (text ?? "") + block.text;
    else if (block.type === "refusal") refusal = (refusal ?? "") + block.text;
    else {
      toolCalls.push({
        id: block.id,
        type: "function",
        function: { name: block.name, arguments: block.arguments },
      });
    }
  }

  const reply: JsonObject = { role: "assistant", content: text, refusal };
  if (toolCalls.length > 0) reply.tool_calls = toolCalls;
  return {
    id: openaiId(message.id),
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: clientModel,
    choices: [{ index: 0, message: reply, logprobs: null, finish_reason: message.finishReason }],
    usage: openaiUsage(message.usage),
  };
}

function openaiUsage(usage: TokenUsage | null): JsonObject {
  const promptTokens = usage?.inputTokens ?? 0;
  const completionTokens = usage?.outputTokens ?? 0;
  const out: JsonObject = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: usage?.cachedInputTokens ?? 0 },
  };
  const reasoning = usage?.reasoningTokens ?? 0;
  if (reasoning > 0) out.completion_tokens_details = { reasoning_tokens: reasoning };
  return out;
}

/** An id that is already OpenAI's (a message parsed from an OpenAI answer) is kept; any
 * other is mapped, so a same-format answer does not come back as `chatcmpl-chatcmpl-…`. */
function openaiId(id: string | null): string {
  return id !== null && id.startsWith(CHATCMPL_PREFIX) ? id : openaiCompletionId(id);
}
