import { usageFromOpenaiUsage } from "../usage";
import { DONE_EVENT, lastKey, skipSpaces, sseEvent } from "../sse";
import type { StreamTranslator, TokenUsage } from "../types";
import { openaiErrorEvent } from "./errors";

const USAGE_KEY = '"usage":';
const CHOICES_KEY = '"choices":';
const FINISH_KEY = '"finish_reason":';

/**
 * OpenAI → OpenAI chat.completions or completions stream. Each event goes out unchanged
 * except the usage-only chunk (`"choices":[]` + usage), which is hidden from a client that did
 * not ask for usage (the server asked the upstream for it on the client's behalf).
 *
 * No event is parsed on the way through: two backward substring checks find usage and
 * finish_reason; the latest event with a non-null usage is kept as text and parsed only when
 * `usage()` is called. (Gemini reports usage on every chunk: the last one wins, never a sum.)
 * Without any usage event, output tokens are estimated as the number of in-progress delta
 * chunks forwarded (about one token each; the opening role chunk makes it one high) and input
 * tokens are 0.
 */
export class OpenaiPassthroughTranslator implements StreamTranslator {
  completed = false;
  contentStarted = false;
  upstreamError = false;
  private usageData: string | null = null;
  private parsedUsage: TokenUsage | null = null;
  private deltas = 0;
  private doneSent = false;
  private errorSent = false;

  constructor(private readonly hideUsageChunk: boolean) {}

  push(event: string | undefined, data: string): string {
    if (data === "[DONE]") {
      this.completed = true;
      this.contentStarted = true;
      if (this.doneSent) return "";
      this.doneSent = true;
      return DONE_EVENT;
    }
    // usage and finish_reason end a chunk: search backwards, the second from where the
    // first was found, so only a short tail is scanned
    let tail = data.length;
    const usageKeyAt = lastKey(data, USAGE_KEY, tail);
    if (usageKeyAt !== -1) {
      tail = usageKeyAt;
      if (data.charCodeAt(skipSpaces(data, usageKeyAt + USAGE_KEY.length)) === 123 /* { */) {
        this.usageData = data;
        this.parsedUsage = null;
        if (hasNoChoices(data)) return this.hideUsageChunk ? "" : sseEvent(event, data);
      }
    }
    const finishKeyAt = lastKey(data, FINISH_KEY, tail);
    if (
      finishKeyAt !== -1 &&
      data.charCodeAt(skipSpaces(data, finishKeyAt + FINISH_KEY.length)) === 34
    ) {
      this.completed = true;
      this.contentStarted = true;
    } else if (data.charCodeAt(2) === 101 /* e */ && data.startsWith('{"error"')) {
      this.errorSent = true;
      this.upstreamError = true;
    } else {
      this.deltas++;
      // only the first chunks are looked at: the role chunk (`"content":""`) is not content
      if (!this.contentStarted && carriesContent(data)) this.contentStarted = true;
    }
    return sseEvent(event, data);
  }

  end(): string {
    if (this.doneSent || this.errorSent) return "";
    this.doneSent = true;
    return DONE_EVENT;
  }

  error(message: string): string {
    if (this.errorSent) return "";
    this.errorSent = true;
    return openaiErrorEvent(message);
  }

  usage(): TokenUsage {
    if (this.parsedUsage === null && this.usageData !== null) {
      try {
        this.parsedUsage = usageFromOpenaiUsage(
          (JSON.parse(this.usageData) as { usage?: unknown }).usage,
        );
      } catch {
        this.usageData = null;
      }
    }
    return this.parsedUsage ?? { inputTokens: 0, outputTokens: this.deltas, cachedInputTokens: 0 };
  }
}

/** Delta fields whose non-empty value is the answer's content (chat and legacy completions). */
const CONTENT_KEYS = [
  '"content":',
  '"refusal":',
  '"reasoning_content":',
  '"reasoning":',
  '"text":',
] as const;

/** A chunk with a non-empty content, refusal, reasoning or text value, or tool calls. */
export function carriesContent(data: string): boolean {
  for (const key of CONTENT_KEYS) {
    for (let at = data.indexOf(key); at !== -1; at = data.indexOf(key, at + key.length)) {
      const i = skipSpaces(data, at + key.length);
      if (data.charCodeAt(i) === 34 /* " */ && data.charCodeAt(i + 1) !== 34) return true;
    }
  }
  const tools = data.indexOf('"tool_calls":');
  return tools !== -1 && data.charCodeAt(skipSpaces(data, tools + 13)) === 91; /* [ */
}

/** `"choices":[]` or no choices at all: a usage-only chunk. */
function hasNoChoices(data: string): boolean {
  const at = data.indexOf(CHOICES_KEY);
  if (at === -1) return true;
  const open = skipSpaces(data, at + CHOICES_KEY.length);
  const close = skipSpaces(data, open + 1);
  return data.charCodeAt(open) === 91 && data.charCodeAt(close) === 93; // `[` then `]`
}
