import { count, isRecord } from "./guards";
import type { TokenUsage } from "./types";

/**
 * Usage extraction. Our TokenUsage counts cached input as a SUBSET of inputTokens (as OpenAI
 * does); Anthropic reports cache reads and cache writes beside input_tokens, so they are added.
 * Every function returns null when the body carries no usage, so the caller can tell
 * "no usage reported" from "zero tokens".
 */

/** An OpenAI `usage` object of any endpoint: chat/completions/embeddings (`prompt_tokens`…)
 * or Responses (`input_tokens`…). */
export function usageFromOpenaiUsage(usage: unknown): TokenUsage | null {
  if (!isRecord(usage)) return null;
  if (typeof usage.prompt_tokens === "number") {
    const inputTokens = count(usage.prompt_tokens);
    const details = usage.prompt_tokens_details;
    const cached = isRecord(details) ? count(details.cached_tokens) : 0;
    // embeddings report no completion_tokens: 0
    return {
      inputTokens,
      outputTokens: count(usage.completion_tokens),
      cachedInputTokens: Math.min(cached, inputTokens),
    };
  }
  if (typeof usage.input_tokens === "number") {
    const inputTokens = count(usage.input_tokens);
    const details = usage.input_tokens_details;
    const cached = isRecord(details) ? count(details.cached_tokens) : 0;
    return {
      inputTokens,
      outputTokens: count(usage.output_tokens),
      cachedInputTokens: Math.min(cached, inputTokens),
    };
  }
  return null;
}

/** Usage of an OpenAI chat completion or (legacy) completion body. */
export function usageFromOpenaiJson(body: unknown): TokenUsage | null {
  return isRecord(body) ? usageFromOpenaiUsage(body.usage) : null;
}

/** Usage of any OpenAI-format JSON answer: chat completion, completion, embeddings list,
 * Responses object, or a Responses stream event that wraps one (`response.completed`). */
export function usageFromOpenaiAnyJson(body: unknown): TokenUsage | null {
  if (!isRecord(body)) return null;
  if (body.usage !== undefined) return usageFromOpenaiUsage(body.usage);
  const response = body.response;
  return isRecord(response) ? usageFromOpenaiUsage(response.usage) : null;
}

/** An Anthropic `usage` object (message body, message_start's message, or message_delta). */
export function usageFromAnthropicUsage(usage: unknown): TokenUsage | null {
  if (!isRecord(usage)) return null;
  const cacheRead = count(usage.cache_read_input_tokens);
  return {
    inputTokens: count(usage.input_tokens) + cacheRead + count(usage.cache_creation_input_tokens),
    outputTokens: count(usage.output_tokens),
    cachedInputTokens: cacheRead,
  };
}

/** Usage of an Anthropic message body. */
export function usageFromAnthropicJson(body: unknown): TokenUsage | null {
  return isRecord(body) ? usageFromAnthropicUsage(body.usage) : null;
}
