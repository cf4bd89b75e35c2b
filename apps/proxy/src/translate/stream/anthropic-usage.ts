import { count, isRecord, type JsonObject } from "../guards";
import type { TokenUsage } from "../types";
import { anthropicTokenUsage } from "../usage";

/**
 * Usage of an Anthropic stream: message_start carries input and cache counters, message_delta
 * the (cumulative) output tokens and, on newer API versions, cumulative input/cache counters
 * that overwrite the start's. Cache writes are split by TTL with the latest `cache_creation`
 * seen (message_start has it; a delta may repeat only the total). Until a message_delta
 * arrives, output tokens are estimated as the number of content deltas seen.
 */
export class AnthropicUsageTracker {
  deltas = 0;
  inputTokens = 0;
  cacheRead = 0;
  cacheCreation = 0;
  /** `cache_creation`: the writes by TTL */
  cacheCreationSplit: unknown = undefined;
  outputTokens: number | null = null;

  /** Parses message_start / message_delta data; returns the parsed event (null if unreadable). */
  read(type: "message_start" | "message_delta", data: string): JsonObject | null {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return null;
    }
    if (!isRecord(parsed)) return null;
    const usage =
      type === "message_start"
        ? isRecord(parsed.message)
          ? parsed.message.usage
          : undefined
        : parsed.usage;
    if (isRecord(usage)) {
      if (usage.input_tokens != null) this.inputTokens = count(usage.input_tokens);
      if (usage.cache_read_input_tokens != null)
        this.cacheRead = count(usage.cache_read_input_tokens);
      if (usage.cache_creation_input_tokens != null)
        this.cacheCreation = count(usage.cache_creation_input_tokens);
      if (isRecord(usage.cache_creation)) this.cacheCreationSplit = usage.cache_creation;
      // message_start's output_tokens is a placeholder (1); only message_delta's is real
      if (type === "message_delta" && usage.output_tokens != null)
        this.outputTokens = count(usage.output_tokens);
    }
    return parsed;
  }

  usage(): TokenUsage {
    return anthropicTokenUsage(
      this.inputTokens,
      this.cacheRead,
      this.cacheCreation,
      this.cacheCreationSplit,
      this.outputTokens ?? this.deltas,
    );
  }
}
