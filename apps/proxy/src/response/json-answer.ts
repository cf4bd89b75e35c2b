import type { Endpoint, WireFormat } from "@gatehouse/shared";
import {
  parseAnthropicMessage,
  parseOpenaiChatCompletion,
  serialiseAnthropicMessage,
  serialiseOpenaiChatCompletion,
  usageFromAnthropicJson,
  usageFromOpenaiAnyJson,
  usageFromOpenaiUsage,
} from "../translate";
import type { ResponseMessage } from "../translate/events";
import type { ResponseTransform } from "../translate/stream/chain-types";
import type { TokenUsage } from "../translate/types";
import { sliceUsage } from "../usage/usage-slice";

/** OpenAI answers whose top-level usage can be sliced out instead of parsing the body. */
const SLICEABLE_USAGE: ReadonlySet<Endpoint> = new Set<Endpoint>([
  "chat.completions",
  "completions",
  "embeddings",
]);
/** below this, a full JSON.parse is as cheap as slicing (measured: ~3 µs for a 600 B answer) */
const SLICE_USAGE_MIN_BYTES = 16 * 1024;

export type JsonAnswerMode = "passthrough" | "openai-to-anthropic" | "anthropic-to-openai";

export interface JsonAnswer {
  readonly body: string | Buffer;
  /** null when the answer reported none */
  readonly usage: TokenUsage | null;
}

/** The upstream's body is not a JSON object (a broken or hostile provider). */
export class UpstreamJsonError extends Error {
  override readonly name = "UpstreamJsonError";
}

/**
 * A complete upstream answer → what the client gets. Same format: the bytes as they came,
 * with usage sniffed (sliced out of large OpenAI bodies, never re-serialised). Translated:
 * parsed once into a typed ResponseMessage, passed through the transforms' message hooks,
 * serialised for the client. Every transform's output hook sees the body that is sent.
 */
export function jsonAnswer(
  mode: JsonAnswerMode,
  upstreamFormat: WireFormat,
  upstreamEndpoint: Endpoint,
  raw: Buffer,
  clientModel: string,
  transforms: readonly ResponseTransform[],
): JsonAnswer {
  let answer: JsonAnswer;
  switch (mode) {
    case "passthrough":
      answer = { body: raw, usage: passthroughUsage(upstreamFormat, upstreamEndpoint, raw) };
      break;
    case "openai-to-anthropic": {
      // an Anthropic answer for an OpenAI client
      const message = transformed(parseAnthropicMessage(parseObject(raw)), transforms);
      answer = {
        body: JSON.stringify(serialiseOpenaiChatCompletion(message, clientModel)),
        usage: message.usage,
      };
      break;
    }
    case "anthropic-to-openai": {
      // an OpenAI answer for an Anthropic client
      const message = transformed(parseOpenaiChatCompletion(parseObject(raw)), transforms);
      answer = {
        body: JSON.stringify(serialiseAnthropicMessage(message, clientModel)),
        usage: message.usage,
      };
      break;
    }
  }
  for (const transform of transforms) transform.output?.(answer.body);
  return answer;
}

function transformed(
  message: ResponseMessage,
  transforms: readonly ResponseTransform[],
): ResponseMessage {
  for (const transform of transforms) if (transform.message) message = transform.message(message);
  return message;
}

function parseObject(raw: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new UpstreamJsonError(
      "The upstream provider returned a response that is not valid JSON.",
    );
  }
  return value as Record<string, unknown>;
}

function passthroughUsage(format: WireFormat, endpoint: Endpoint, raw: Buffer): TokenUsage | null {
  if (endpoint === "messages.count_tokens") return null;
  if (format === "openai" && raw.length >= SLICE_USAGE_MIN_BYTES && SLICEABLE_USAGE.has(endpoint)) {
    const sliced = sliceUsage(raw);
    if (sliced !== undefined) return usageFromOpenaiUsage(sliced);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    return null;
  }
  return format === "anthropic" ? usageFromAnthropicJson(parsed) : usageFromOpenaiAnyJson(parsed);
}
