import type { Endpoint } from "@gatehouse/shared";

/**
 * How long an answer may be, as each API spells it. A budget reservation pays for a number of
 * output tokens; `capMaxOutputTokens` makes the upstream body unable to produce more.
 *
 *  - OpenAI chat: `max_tokens` (legacy) or `max_completion_tokens`, per choice, × `n`
 *  - OpenAI completions (legacy): `max_tokens` (the API's default is 16), × `n`
 *  - OpenAI Responses: `max_output_tokens`
 *  - Anthropic messages: `max_tokens` (required)
 */

/** What a request asks for. */
export interface RequestedOutput {
  /** max output tokens of one answer (the configured default when the request sets none) */
  perChoice: number;
  /** answers generated (`n`; 1 where the API has none) */
  choices: number;
}

/** Output tokens an endpoint produces when the request names no limit (Infinity: the model's). */
const API_DEFAULT: Partial<Record<Endpoint, number>> = { completions: 16 };

/** The fields bounding one answer, per endpoint; the first is written when none is set. */
const FIELDS: Partial<Record<Endpoint, readonly string[]>> = {
  // max_completion_tokens first: OpenAI's reasoning models refuse max_tokens, and servers
  // that only know max_tokens ignore an unknown field rather than fail
  "chat.completions": ["max_completion_tokens", "max_tokens"],
  completions: ["max_tokens"],
  responses: ["max_output_tokens"],
  messages: ["max_tokens"],
};

const HAS_N: ReadonlySet<Endpoint> = new Set<Endpoint>(["chat.completions", "completions"]);

function count(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : null;
}

function choicesOf(body: Record<string, unknown>, endpoint: Endpoint): number {
  if (!HAS_N.has(endpoint)) return 1;
  const n = count(body.n);
  return n !== null && n > 1 ? n : 1;
}

/**
 * The output a request may produce, for TPM and budget reservations: its max output field (any
 * of the names, whichever endpoint, as clients mix them up), else `defaultMax`; × `n`.
 */
export function requestedOutput(
  body: Record<string, unknown>,
  endpoint: Endpoint,
  defaultMax: number,
): RequestedOutput {
  if (endpoint === "embeddings" || endpoint === "messages.count_tokens") {
    return { perChoice: 0, choices: 1 };
  }
  const value = count(body.max_tokens ?? body.max_completion_tokens ?? body.max_output_tokens);
  return { perChoice: value ?? defaultMax, choices: choicesOf(body, endpoint) };
}

export interface CappedBody {
  /** a shallow copy of the body with its max output lowered or set */
  body: Record<string, unknown>;
  /** the max output tokens of one answer now in the body */
  perChoice: number;
}

/**
 * Bounds an upstream body to `maxOutputTokens` output tokens in total (split over its `n`
 * answers): lowers every max-output field above the bound, or writes the bound when the body
 * sets none and the API's own default could exceed it. Returns null when the body is already
 * bounded (nothing to re-serialise) or the endpoint produces no text. Pure: the input is not
 * modified.
 */
export function capMaxOutputTokens(
  body: Record<string, unknown>,
  endpoint: Endpoint,
  maxOutputTokens: number,
): CappedBody | null {
  const fields = FIELDS[endpoint];
  if (fields === undefined) return null;
  const perChoice = Math.max(1, Math.floor(maxOutputTokens / choicesOf(body, endpoint)));
  let present = false;
  let over = false;
  for (const field of fields) {
    const value = body[field];
    if (value === undefined || value === null) continue;
    present = true;
    // a value we cannot read (e.g. a string) is the provider's to refuse; bound it anyway
    const n = count(value);
    if (n === null || n > perChoice) over = true;
  }
  if (present && !over) return null;
  if (!present && (API_DEFAULT[endpoint] ?? Infinity) <= perChoice) return null;
  const capped: Record<string, unknown> = { ...body };
  if (!present) {
    capped[fields[0]!] = perChoice;
    return { body: capped, perChoice };
  }
  // with both chat fields set, the provider honours the smaller
  let effective = perChoice;
  for (const field of fields) {
    const value = capped[field];
    if (value === undefined || value === null) continue;
    const n = count(value);
    if (n === null || n > perChoice) capped[field] = perChoice;
    else effective = Math.min(effective, n);
  }
  return { body: capped, perChoice: effective };
}
