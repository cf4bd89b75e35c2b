import type { Exchange, JsonReply } from "../exchange";
import { isRecord, PromptTally } from "../content";
import { invalidParam, openaiDialect } from "./dialect";

export const SYSTEM_FINGERPRINT = "fp_fa6e0d15c0";

/** OpenAI's usage block for chat and legacy completions; completion_tokens includes the
 * reasoning tokens, which completion_tokens_details counts apart. */
export function chatUsage(
  promptTokens: number,
  completionTokens: number,
  cachedTokens: number,
  reasoningTokens = 0,
) {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    prompt_tokens_details: { cached_tokens: cachedTokens, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export function jsonReply(value: unknown): JsonReply {
  return { kind: "json", status: 200, body: JSON.stringify(value) };
}

/** The request body's `model`, or OpenAI's 400 when it is missing. */
export function requireModel(x: Exchange): string | JsonReply {
  const model = isRecord(x.body) ? x.body.model : undefined;
  if (typeof model === "string" && model !== "") return model;
  return openaiDialect.error(x, 400, "you must provide a model parameter", {
    type: "invalid_request_error",
  });
}

/** An optional positive integer field (max_tokens, n, ...), or OpenAI's 400 naming it. */
export function optionalInteger(
  x: Exchange,
  body: Record<string, unknown>,
  param: string,
  min: number,
): number | undefined | JsonReply {
  const value = body[param];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value)) {
    return invalidParam(
      x,
      param,
      `Invalid type for '${param}': expected an integer, but got ${typeof value} instead.`,
      "invalid_type",
    );
  }
  if (value < min) {
    return invalidParam(
      x,
      param,
      `Invalid '${param}': integer below minimum value. Expected a value >= ${min}, but got ${value} instead.`,
      "integer_below_min_value",
    );
  }
  return value;
}

/**
 * Counts one chat/responses message content (a string or a list of parts) into the tally and
 * returns its text. Images, audio and files count a fixed amount each.
 */
export function tallyContent(content: unknown, tally: PromptTally): string {
  if (typeof content === "string") {
    tally.chars += content.length;
    return content;
  }
  if (!Array.isArray(content)) return "";
  let text = "";
  for (const part of content) {
    if (!isRecord(part)) continue;
    if (typeof part.text === "string") {
      tally.chars += part.text.length;
      text = text ? `${text} ${part.text}` : part.text;
    } else {
      tally.images++;
    }
  }
  return text;
}

export function isReply(value: unknown): value is JsonReply {
  return isRecord(value) && value.kind === "json";
}
