/** What a fault does to one request. Every field is optional; several combine. */
export interface Fault {
  /** answer with this HTTP status and an error body in the API's own format */
  status?: number;
  /** seconds, sent as `retry-after` (429 answers always carry one; default 1) */
  retryAfter?: number;
  /** delay before the response / first chunk, replacing the provider's `latencyMs` */
  latencyMs?: number;
  /** read the request and never answer */
  hang?: boolean;
  /** destroy the connection before any response byte (a reset before headers, JSON or stream) */
  reset?: boolean;
  /** answer 400 with the provider's real context-window error (OpenAI
   * `context_length_exceeded`, Anthropic `invalid_request_error` "prompt is too long: …") */
  contextWindow?: boolean;
  /** answer 400 with OpenAI's content-policy error (`invalid_prompt`, "flagged as potentially
   * violating our usage policy"); Anthropic has none (it answers stop_reason "refusal") */
  contentPolicy?: boolean;
  /** stream this many token chunks, then destroy the socket without a terminating event */
  disconnectAfter?: number;
  /** stream this many token chunks, then an in-stream error event in the API's format */
  errorAfter?: number;
  /** stream this many token chunks, then fall silent with the connection open (a hung stream) */
  stallAfter?: number;
  /** output tokens to generate; "max" = exactly the request's max tokens (cut, "length") */
  tokens?: number | "max";
  /** prompt tokens reported as read from the cache */
  cachedTokens?: number;
  /** prompt tokens reported as written to the cache with the default 5-minute TTL (Anthropic only) */
  cacheWriteTokens?: number;
  /** prompt tokens reported as written to the cache with a 1-hour TTL (Anthropic only) */
  cacheWrite1hTokens?: number;
  /** output tokens reported as spent reasoning, on top of the answer's (OpenAI only) */
  reasoningTokens?: number;
  /** stream the text answer in pieces of this many characters instead of words (to split a
   * word, e.g. a guardrail placeholder, across events); one piece still counts one token */
  pieceChars?: number;
  /** answer with these words instead of the prompt's, and write them into every free string
   * of a forced tool call's arguments (a model that writes what it was never told, e.g. a
   * secret, or a placeholder it copied); queued, since as a directive it would be the prompt */
  says?: string;
}

export interface QueuedFault extends Fault {
  /** how many of the next requests get this fault; default 1 */
  count?: number;
}

type Check = (value: unknown) => boolean;

const integer =
  (min: number, max = Number.MAX_SAFE_INTEGER): Check =>
  (value) =>
    typeof value === "number" && Number.isInteger(value) && value >= min && value <= max;
const nonNegative: Check = (value) =>
  typeof value === "number" && Number.isFinite(value) && value >= 0;
const boolean: Check = (value) => typeof value === "boolean";
const tokens: Check = (value) => value === "max" || integer(0)(value);

const FIELDS: Record<keyof QueuedFault, { directive: string; check: Check; expected: string }> = {
  status: { directive: "status", check: integer(100, 599), expected: "an HTTP status" },
  retryAfter: { directive: "retry_after", check: nonNegative, expected: "seconds >= 0" },
  latencyMs: { directive: "latency", check: nonNegative, expected: "milliseconds >= 0" },
  hang: { directive: "hang", check: boolean, expected: "a boolean" },
  reset: { directive: "reset", check: boolean, expected: "a boolean" },
  contextWindow: { directive: "context_window", check: boolean, expected: "a boolean" },
  contentPolicy: { directive: "content_policy", check: boolean, expected: "a boolean" },
  disconnectAfter: {
    directive: "disconnect_after",
    check: integer(0),
    expected: "an integer >= 0",
  },
  errorAfter: { directive: "error_after", check: integer(0), expected: "an integer >= 0" },
  stallAfter: { directive: "stall_after", check: integer(0), expected: "an integer >= 0" },
  tokens: { directive: "tokens", check: tokens, expected: 'an integer >= 0 or "max"' },
  cachedTokens: { directive: "cached", check: integer(0), expected: "an integer >= 0" },
  cacheWriteTokens: { directive: "cache_write", check: integer(0), expected: "an integer >= 0" },
  cacheWrite1hTokens: {
    directive: "cache_write_1h",
    check: integer(0),
    expected: "an integer >= 0",
  },
  reasoningTokens: { directive: "reasoning", check: integer(0), expected: "an integer >= 0" },
  pieceChars: { directive: "piece_chars", check: integer(1), expected: "an integer >= 1" },
  says: { directive: "says", check: (value) => typeof value === "string", expected: "a string" },
  count: { directive: "count", check: integer(1), expected: "an integer >= 1" },
};

const FIELD_BY_DIRECTIVE = new Map(
  (Object.keys(FIELDS) as (keyof QueuedFault)[])
    .filter((field) => field !== "count")
    .map((field) => [FIELDS[field].directive, field] as const),
);

export class FaultError extends Error {}

/** Checks a fault given by a test or over HTTP; throws FaultError naming the bad field. */
export function parseFault(input: unknown): QueuedFault {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new FaultError("a fault must be a JSON object");
  }
  for (const [key, value] of Object.entries(input)) {
    const field = FIELDS[key as keyof QueuedFault];
    if (!field) throw new FaultError(`unknown fault field '${key}'`);
    if (value !== undefined && !field.check(value)) {
      throw new FaultError(`fault field '${key}' must be ${field.expected}`);
    }
  }
  return input as QueuedFault;
}

/** Faults for the next requests, in order; each entry serves `count` requests. */
export class FaultQueue {
  readonly #entries: { fault: Fault; remaining: number }[] = [];

  enqueue(fault: QueuedFault): void {
    const { count = 1, ...rest } = parseFault(fault);
    this.#entries.push({ fault: rest, remaining: count });
  }

  /** the fault for the request being handled now, if any */
  take(): Fault | undefined {
    const head = this.#entries[0];
    if (!head) return undefined;
    if (--head.remaining === 0) this.#entries.shift();
    return head.fault;
  }

  clear(): void {
    this.#entries.length = 0;
  }

  /** how many requests will still get a fault */
  get pending(): number {
    return this.#entries.reduce((sum, entry) => sum + entry.remaining, 0);
  }
}

export const DIRECTIVE_MARK = "[[fake:";
const DIRECTIVE = /\[\[fake:([^\]]*)\]\]/g;

/** Removes `[[fake:...]]` directives so they don't echo into the fake answer. */
export function stripDirectives(text: string): string {
  return text.includes(DIRECTIVE_MARK) ? text.replace(DIRECTIVE, " ") : text;
}

/**
 * Reads `[[fake:status=429,retry_after=2]]`-style directives from message text.
 * A bare key is `true` (`[[fake:hang]]`). Throws FaultError on an unknown key or bad value,
 * so a typo fails loudly instead of silently not injecting anything.
 */
export function parseDirectives(text: string): Fault | undefined {
  if (!text.includes(DIRECTIVE_MARK)) return undefined;
  const fault: Record<string, unknown> = {};
  for (const match of text.matchAll(DIRECTIVE)) {
    for (const item of (match[1] ?? "").split(",")) {
      const [rawKey = "", rawValue] = item.split("=", 2);
      const key = rawKey.trim();
      if (!key) continue;
      const field = FIELD_BY_DIRECTIVE.get(key);
      if (!field) throw new FaultError(`unknown fake directive '${key}'`);
      fault[field] = directiveValue(rawValue?.trim());
    }
  }
  return parseFault(fault);
}

function directiveValue(raw: string | undefined): unknown {
  if (raw === undefined || raw === "true") return true;
  if (raw === "false") return false;
  const number = Number(raw);
  return raw !== "" && Number.isFinite(number) ? number : raw;
}
