import type { TokenUsage } from "../types";
import { usageFromOpenaiUsage } from "../usage";

/** A TokenUsage built the way a parsed OpenAI answer builds it, so fields added to TokenUsage
 * later (zero for OpenAI) need no change here. */
export function openaiUsage(prompt: number, completion: number, cached = 0): TokenUsage {
  return usageFromOpenaiUsage({
    prompt_tokens: prompt,
    completion_tokens: completion,
    prompt_tokens_details: { cached_tokens: cached },
  })!;
}
