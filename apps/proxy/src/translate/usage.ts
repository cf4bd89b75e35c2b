import { count, isRecord } from "./guards";
import type { TokenUsage } from "./types";

/**
 * Usage extraction. Our TokenUsage counts every prompt token in inputTokens (as OpenAI does),
 * with cache reads and cache writes as SUBSETS of it, and reasoning as a subset of
 * outputTokens; Anthropic reports cache reads and writes beside input_tokens, so they are
 * added. The optional counters are set only when non-zero (absent = 0). Every function
 * returns null when the body carries no usage, so the caller can tell "no usage reported"
 * from "zero tokens".
 */

function tokenUsage(
  inputTokens: number,
  outputTokens: number,
  cachedInputTokens: number,
  cacheWrite5mTokens: number,
  cacheWrite1hTokens: number,
  reasoningTokens: number,
): TokenUsage {
  const usage: TokenUsage = { inputTokens, outputTokens, cachedInputTokens };
  if (cacheWrite5mTokens > 0) usage.cacheWrite5mTokens = cacheWrite5mTokens;
  if (cacheWrite1hTokens > 0) usage.cacheWrite1hTokens = cacheWrite1hTokens;
  if (reasoningTokens > 0) usage.reasoningTokens = reasoningTokens;
  return usage;
}

/**
 * One side of an OpenAI usage object. OpenAI counts reasoning tokens inside the output count
 * (completion_tokens / output_tokens); an OpenAI-compatible server that reports them beside
 * it instead (total = input + output + reasoning) has them added, as they are billed as output.
 */
function openaiUsage(
  usage: Record<string, unknown>,
  inputTokens: number,
  inputDetails: unknown,
  outputTokens: number,
  outputDetails: unknown,
): TokenUsage {
  const cached = isRecord(inputDetails) ? count(inputDetails.cached_tokens) : 0;
  const reasoning = isRecord(outputDetails) ? count(outputDetails.reasoning_tokens) : 0;
  let output = outputTokens;
  if (reasoning > 0 && count(usage.total_tokens) === inputTokens + output + reasoning) {
    output += reasoning;
  }
  return tokenUsage(
    inputTokens,
    output,
    Math.min(cached, inputTokens),
    0,
    0,
    Math.min(reasoning, output),
  );
}

/** An OpenAI `usage` object of any endpoint: chat/completions/embeddings (`prompt_tokens`…)
 * or Responses (`input_tokens`…). */
export function usageFromOpenaiUsage(usage: unknown): TokenUsage | null {
  if (!isRecord(usage)) return null;
  if (typeof usage.prompt_tokens === "number") {
    // embeddings report no completion_tokens: 0
    return openaiUsage(
      usage,
      count(usage.prompt_tokens),
      usage.prompt_tokens_details,
      count(usage.completion_tokens),
      usage.completion_tokens_details,
    );
  }
  if (typeof usage.input_tokens === "number") {
    return openaiUsage(
      usage,
      count(usage.input_tokens),
      usage.input_tokens_details,
      count(usage.output_tokens),
      usage.output_tokens_details,
    );
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

/**
 * Anthropic's prompt-cache writes by TTL, billed differently (1.25× / 2× input). Newer API
 * versions split `cache_creation_input_tokens` in `cache_creation`
 * (`ephemeral_5m_input_tokens`, `ephemeral_1h_input_tokens`); without the split every write
 * has the default 5-minute TTL. A total above the split counts the rest as 5-minute writes.
 */
export function anthropicCacheWrites(
  total: number,
  split: unknown,
): { write5m: number; write1h: number } {
  if (!isRecord(split)) return { write5m: total, write1h: 0 };
  const write1h = count(split.ephemeral_1h_input_tokens);
  return { write5m: Math.max(count(split.ephemeral_5m_input_tokens), total - write1h), write1h };
}

/** Usage from Anthropic's counters: input_tokens excludes cache reads and writes. */
export function anthropicTokenUsage(
  inputTokens: number,
  cacheRead: number,
  cacheWriteTotal: number,
  cacheWriteSplit: unknown,
  outputTokens: number,
): TokenUsage {
  const { write5m, write1h } = anthropicCacheWrites(cacheWriteTotal, cacheWriteSplit);
  // Anthropic reports no separate thinking count: thinking is inside output_tokens
  return tokenUsage(
    inputTokens + cacheRead + write5m + write1h,
    outputTokens,
    cacheRead,
    write5m,
    write1h,
    0,
  );
}

/** An Anthropic `usage` object (message body, message_start's message, or message_delta). */
export function usageFromAnthropicUsage(usage: unknown): TokenUsage | null {
  if (!isRecord(usage)) return null;
  return anthropicTokenUsage(
    count(usage.input_tokens),
    count(usage.cache_read_input_tokens),
    count(usage.cache_creation_input_tokens),
    usage.cache_creation,
    count(usage.output_tokens),
  );
}

/** Usage of an Anthropic message body. */
export function usageFromAnthropicJson(body: unknown): TokenUsage | null {
  return isRecord(body) ? usageFromAnthropicUsage(body.usage) : null;
}
