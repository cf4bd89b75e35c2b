import { estimatePromptTokens } from "../content";
import { applyDirectives, type Exchange, type Reply } from "../exchange";
import { isReply, jsonReply, optionalInteger, requireModel } from "./common";
import { invalidParam } from "./dialect";

const NATIVE_DIMENSIONS: Record<string, number> = {
  "text-embedding-3-small": 1536,
  "text-embedding-3-large": 3072,
  "text-embedding-ada-002": 1536,
};
const DEFAULT_DIMENSIONS = 1536;
/** models that predate the `dimensions` parameter */
const FIXED_DIMENSIONS = new Set(["text-embedding-ada-002"]);

/**
 * POST /v1/embeddings. Each input maps to a deterministic unit vector seeded by a hash of the
 * input; `dimensions` keeps the first values and renormalises, as OpenAI shortens v3
 * embeddings. base64 is the float32 little-endian bytes, as OpenAI encodes them.
 */
export function embeddings(x: Exchange): Reply {
  const model = requireModel(x);
  if (typeof model !== "string") return model;
  const body = x.body as Record<string, unknown>;
  const inputs = readInputs(body.input);
  if (!inputs) {
    return invalidParam(
      x,
      "input",
      "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
    );
  }
  const format = body.encoding_format ?? "float";
  if (format !== "float" && format !== "base64") {
    return invalidParam(
      x,
      "encoding_format",
      `Invalid value for 'encoding_format': expected one of 'float' or 'base64', but got '${String(format)}' instead.`,
      "invalid_value",
    );
  }
  const native = NATIVE_DIMENSIONS[model] ?? DEFAULT_DIMENSIONS;
  const requested = optionalInteger(x, body, "dimensions", 1);
  if (isReply(requested)) return requested;
  if (requested !== undefined && FIXED_DIMENSIONS.has(model)) {
    return invalidParam(x, "dimensions", "This model does not support specifying dimensions.");
  }
  if (requested !== undefined && requested > native) {
    return invalidParam(
      x,
      "dimensions",
      `Invalid 'dimensions': integer above maximum value. Expected a value <= ${native}, but got ${requested} instead.`,
      "integer_above_max_value",
    );
  }
  for (const input of inputs) if (typeof input === "string") applyDirectives(x, input);

  let promptTokens = 0;
  const data = inputs.map((input, index) => {
    promptTokens +=
      typeof input === "string" ? estimatePromptTokens(input.length, 0, 0) : input.length;
    const vector = unitVector(input, native, requested ?? native);
    return {
      object: "embedding",
      index,
      embedding: format === "base64" ? float32Base64(vector) : Array.from(vector),
    };
  });
  return jsonReply({
    object: "list",
    data,
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

function readInputs(input: unknown): (string | number[])[] | undefined {
  if (typeof input === "string") return [input];
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === "number")) return [input as number[]];
  if (
    input.every(
      (item) =>
        typeof item === "string" ||
        (Array.isArray(item) && item.every((t) => typeof t === "number")),
    )
  ) {
    return input as (string | number[])[];
  }
  return undefined;
}

function unitVector(input: string | number[], native: number, dimensions: number): Float32Array {
  let seed = 0x811c9dc5; // FNV-1a over the input's code units (or token ids)
  const length = input.length;
  for (let i = 0; i < length; i++) {
    seed ^= typeof input === "string" ? input.charCodeAt(i) : (input[i] as number);
    seed = Math.imul(seed, 0x01000193);
  }
  // The full native vector is drawn, then cut: a shortened embedding is a prefix of the full one.
  const values = new Float64Array(native);
  for (let i = 0; i < native; i++) {
    seed = (seed + 0x6d2b79f5) | 0; // mulberry32
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    values[i] = ((t ^ (t >>> 14)) >>> 0) / 2147483648 - 1;
  }
  let norm = 0;
  for (let i = 0; i < dimensions; i++) norm += values[i]! * values[i]!;
  norm = Math.sqrt(norm) || 1;
  const vector = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) vector[i] = values[i]! / norm;
  return vector;
}

function float32Base64(vector: Float32Array): string {
  const bytes = Buffer.allocUnsafe(vector.length * 4);
  for (let i = 0; i < vector.length; i++) bytes.writeFloatLE(vector[i]!, i * 4);
  return bytes.toString("base64");
}
