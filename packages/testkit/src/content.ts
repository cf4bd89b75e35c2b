import { stripDirectives, type Fault } from "./faults";

/**
 * The fake's deterministic "model". An answer is a list of pieces; one piece is one output
 * token and travels in one stream chunk. Text answers are words ("This", " is", " a", ...).
 */

/** prompt tokens counted for each image (or document) part, whatever its size */
export const IMAGE_TOKENS = 85;
/** prompt tokens added per message, like OpenAI's per-message framing */
export const MESSAGE_TOKENS = 3;

/** ceil(characters / 4) + 3 per message + 85 per image */
export function estimatePromptTokens(chars: number, messages: number, images: number): number {
  return Math.ceil(chars / 4) + MESSAGE_TOKENS * messages + IMAGE_TOKENS * images;
}

/** Adds up the characters, messages and images of a prompt as its parts are visited. */
export class PromptTally {
  chars = 0;
  messages = 0;
  images = 0;

  tokens(): number {
    return estimatePromptTokens(this.chars, this.messages, this.images);
  }
}

const INTRO = ["This", "is", "a", "fake", "reply", "to:"];
const FILLER = ["lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing", "elit"];
const WORD = /\S+/g;

/** "This is a fake reply to: <words of the user's text> lorem ipsum ..." cut to `count` words. */
export function replyWords(userText: string, count: number): string[] {
  const words = INTRO.slice(0, count);
  if (words.length < count) {
    for (const match of stripDirectives(userText).matchAll(WORD)) {
      words.push(match[0]);
      if (words.length === count) return words;
    }
  }
  for (let i = 0; words.length < count; i++) words.push(FILLER[i % FILLER.length]!);
  return words;
}

/** Words as tokens: each but the first carries its leading space, as real tokenizers do. */
export function textPieces(userText: string, count: number): string[] {
  return replyWords(userText, count).map((word, i) => (i === 0 ? word : " " + word));
}

/** The same text in pieces of `chars` characters (the fault `pieceChars`); unchanged without it. */
export function rechunk(pieces: string[], chars: number | undefined): string[] {
  if (chars === undefined) return pieces;
  const text = pieces.join("");
  const out: string[] = [];
  for (let i = 0; i < text.length; i += chars) out.push(text.slice(i, i + chars));
  return out;
}

const JSON_OPEN = ['{"', "reply", '":"'];
const JSON_CLOSE = '"}';
const MIN_JSON_PIECES = JSON_OPEN.length + 2;

/** `{"reply":"This is a fake ..."}` in `count` pieces (at least 5, so that it stays valid JSON). */
export function jsonObjectPieces(userText: string, count: number): string[] {
  const words = textPieces(userText, Math.max(count, MIN_JSON_PIECES) - MIN_JSON_PIECES + 1);
  return [...JSON_OPEN, ...words.map((word) => JSON.stringify(word).slice(1, -1)), JSON_CLOSE];
}

const JSON_TOKEN = /[A-Za-z0-9_]+|[^A-Za-z0-9_]+/g;

/** Splits serialised JSON the way a tokenizer streams it: `{"`, `location`, `":"`, `Paris`, `"}`. */
export function jsonPieces(json: string): string[] {
  return json.match(JSON_TOKEN) ?? [];
}

/** How many output tokens the answer has before the request's limit applies. */
export function naturalLength(
  fault: Fault | undefined,
  completionTokens: number,
  limit: number | undefined,
): number {
  const tokens = fault?.tokens;
  if (tokens === "max") return limit === undefined ? completionTokens : limit + 1;
  return tokens ?? completionTokens;
}

export type FinishReason = "end" | "length" | "stop";

export interface Completion {
  pieces: string[];
  text: string;
  reason: FinishReason;
  /** the stop sequence that ended the answer, when reason is "stop" */
  stopSequence: string | null;
}

/** Applies the output limit (max_tokens) and the stop sequences to an answer. */
export function complete(
  pieces: string[],
  limit: number | undefined,
  stops: readonly string[],
): Completion {
  let reason: FinishReason = "end";
  if (limit !== undefined && pieces.length > limit) {
    pieces = pieces.slice(0, limit);
    reason = "length";
  }
  let text = pieces.join("");
  if (stops.length === 0) return { pieces, text, reason, stopSequence: null };

  let at = -1;
  let stopSequence: string | null = null;
  for (const stop of stops) {
    const index = stop ? text.indexOf(stop) : -1;
    if (index !== -1 && (at === -1 || index < at)) {
      at = index;
      stopSequence = stop;
    }
  }
  if (at === -1) return { pieces, text, reason, stopSequence: null };

  const kept: string[] = [];
  let length = 0;
  for (const piece of pieces) {
    if (length + piece.length >= at) {
      if (at > length) kept.push(piece.slice(0, at - length));
      break;
    }
    kept.push(piece);
    length += piece.length;
  }
  text = text.slice(0, at);
  return { pieces: kept, text, reason: "stop", stopSequence };
}

/** `stop` / `stop_sequences` as a list, whatever shape the request used. */
export function stopList(value: unknown): string[] {
  if (typeof value === "string") return [value];
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === "string")
    : [];
}

type Schema = Record<string, unknown>;
const MAX_SCHEMA_DEPTH = 8;

/** A small value that satisfies a JSON schema: all properties, one array item, first enum
 * member; every free string is `text` ("fake", or what a queued `says` fault makes the model
 * write). */
export function sampleFromSchema(
  schema: unknown,
  root: unknown = schema,
  depth = 0,
  text = "fake",
): unknown {
  if (typeof schema !== "object" || schema === null || depth > MAX_SCHEMA_DEPTH) return {};
  const s = schema as Schema;
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum[0];
  if (typeof s.$ref === "string") {
    return sampleFromSchema(resolveRef(root, s.$ref), root, depth + 1, text);
  }
  for (const key of ["anyOf", "oneOf", "allOf"]) {
    const options = s[key];
    if (Array.isArray(options) && options.length > 0) {
      return sampleFromSchema(options[0], root, depth + 1, text);
    }
  }
  const type = Array.isArray(s.type) ? s.type.find((t) => t !== "null") : s.type;
  switch (type) {
    case "string":
      return text;
    case "integer":
    case "number":
      return typeof s.minimum === "number" && s.minimum > 1 ? Math.ceil(s.minimum) : 1;
    case "boolean":
      return true;
    case "null":
      return null;
    case "array":
      return [sampleFromSchema(s.items, root, depth + 1, text)];
    default: {
      const value: Record<string, unknown> = {};
      const properties = s.properties;
      if (typeof properties === "object" && properties !== null) {
        for (const [name, property] of Object.entries(properties)) {
          value[name] = sampleFromSchema(property, root, depth + 1, text);
        }
      }
      return value;
    }
  }
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return {};
  let node: unknown = root;
  for (const segment of ref.slice(2).split("/")) {
    if (typeof node !== "object" || node === null) return {};
    node = (node as Schema)[segment.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return node;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
