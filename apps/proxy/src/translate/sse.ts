import { StringDecoder } from "node:string_decoder";
import { createParser } from "eventsource-parser";

/** SSE text helpers shared by the stream translators, and the splitter the server feeds. */

export const DONE_EVENT = "data: [DONE]\n\n";

/** One SSE event as text. `data` is written as-is (one `data:` line per line it holds). */
export function sseEvent(event: string | undefined, data: string): string {
  const body =
    data.indexOf("\n") === -1
      ? `data: ${data}\n\n`
      : `data: ${data.replaceAll("\n", "\ndata: ")}\n\n`;
  return event === undefined ? body : `event: ${event}\n${body}`;
}

export interface SseSplitter {
  /** Upstream bytes in any slicing (events and UTF-8 characters may straddle chunks). */
  feed(chunk: Buffer | string): void;
  /** The upstream ended: deliver a last event that lacked its blank line, drop a half line. */
  flush(): void;
}

/**
 * Splits an upstream SSE byte stream into events (`event:` name if any, `data:` text) with
 * eventsource-parser. Comments (`: keep-alive`), `id:` and `retry:` are not forwarded.
 */
export function createSseSplitter(
  onEvent: (event: string | undefined, data: string) => void,
): SseSplitter {
  const parser = createParser({ onEvent: (message) => onEvent(message.event, message.data) });
  const decoder = new StringDecoder("utf8");
  let endsOnLineBreak = true;

  function feedText(text: string): void {
    if (text.length === 0) return;
    const last = text.charCodeAt(text.length - 1);
    endsOnLineBreak = last === 10 || last === 13;
    parser.feed(text);
  }

  return {
    feed(chunk) {
      feedText(typeof chunk === "string" ? chunk : decoder.write(chunk));
    },
    flush() {
      feedText(decoder.end());
      // Some servers end on `data: [DONE]\n` without the blank line: complete lines form an
      // event; a line cut off mid-way is a truncated event and is dropped.
      if (endsOnLineBreak) parser.feed("\n\n");
      parser.reset();
      endsOnLineBreak = true;
    },
  };
}

/** Index of the first non-space character at or after `i`. */
export function skipSpaces(data: string, i: number): number {
  while (data.charCodeAt(i) === 32) i++;
  return i;
}

/**
 * Last `key` (quotes and colon included) starting at or before `before`, skipping matches
 * inside a string value (`\"usage\":`); -1 if none. Stream translators search backwards
 * because the fields they need (delta, finish_reason, usage) end a chunk, after
 * id/model/fingerprint, so each search scans a short tail only.
 */
export function lastKey(data: string, key: string, before: number): number {
  let at = data.lastIndexOf(key, before);
  while (at > 0 && data.charCodeAt(at - 1) === 92 /* \ */) at = data.lastIndexOf(key, at - 1);
  return at;
}

/** The quote at `q` is escaped (preceded by an odd number of backslashes). */
function isEscaped(data: string, q: number): boolean {
  let backslashes = 0;
  for (let b = q - 1; data.charCodeAt(b) === 92; b--) backslashes++;
  return backslashes % 2 === 1;
}

/** For a JSON string literal opening at `start`, the index just past its closing quote; -1 if
 * `start` is not a quote or the literal does not close. */
export function stringLiteralEnd(data: string, start: number): number {
  if (data.charCodeAt(start) !== 34) return -1;
  let q = data.indexOf('"', start + 1);
  while (q !== -1 && isEscaped(data, q)) q = data.indexOf('"', q + 1);
  return q === -1 ? -1 : q + 1;
}

/** The `type` of an event whose data starts `{"type":"…"` (Anthropic, Responses), else undefined. */
export function peekType(data: string): string | undefined {
  const at = data.indexOf('"type":');
  if (at === -1) return undefined;
  const i = skipSpaces(data, at + 7);
  if (data.charCodeAt(i) !== 34) return undefined;
  const end = data.indexOf('"', i + 1);
  return end === -1 ? undefined : data.slice(i + 1, end);
}

/** The integer after `"index":` (first occurrence), or -1. */
export function peekIndex(data: string): number {
  const at = data.indexOf('"index":');
  if (at === -1) return -1;
  let i = skipSpaces(data, at + 8);
  let value = 0;
  let digits = 0;
  for (let c = data.charCodeAt(i); c >= 48 && c <= 57; c = data.charCodeAt(++i)) {
    value = value * 10 + (c - 48);
    digits++;
  }
  return digits === 0 ? -1 : value;
}

/**
 * For data ending in `"<field>":"…"}}` after `marker` (e.g. Anthropic's
 * `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}}`),
 * returns the raw JSON string literal (quotes included) without parsing, so it can be spliced
 * into another JSON text as-is. Returns null when the data does not have exactly that shape.
 */
export function trailingStringLiteral(data: string, marker: string): string | null {
  const at = data.indexOf(marker);
  if (at === -1) return null;
  const start = at + marker.length;
  const end = stringLiteralEnd(data, start);
  // the literal must be the delta's last field: only `}}` may follow
  if (
    end === -1 ||
    end !== data.length - 2 ||
    data.charCodeAt(end) !== 125 ||
    data.charCodeAt(end + 1) !== 125
  ) {
    return null;
  }
  return data.slice(start, end);
}
