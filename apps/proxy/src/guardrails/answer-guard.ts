import type { Detector } from "@gatehouse/shared";
import {
  placeholderPrefixes,
  redactPlaceholder,
  restoreText,
  StreamRestorer,
  StreamScanner,
  valuesAreJsonSafe,
  type Hit,
} from "@gatehouse/shared/guardrails";
import { GatewayError } from "../errors";
import {
  deltaText,
  textDelta,
  type ResponseEvent,
  type ResponseMessage,
  type TextDeltaEvent,
  type ToolCallDeltaEvent,
} from "../translate/events";
import type { EventSink, ResponseTransform } from "../translate/stream/chain-types";
import type { RequestGuard } from "./request-guard";

/** The error type of an answer (or request) stopped by a `block` action. */
export const GUARDRAIL_BLOCKED = "guardrail_blocked";

function answerBlockedMessage(detector: Detector): string {
  return `The answer was stopped by this workspace's guardrails: it contained ${detector}.`;
}

/**
 * The answer side of a guarded request, one transform for every wire format (the chain hands
 * it the answer's content as typed events, whatever the formats): the answer is scanned for what must
 * not leak (secrets, custom patterns, deny-list; policy.scanResponses) and the request's
 * placeholders are restored, in text deltas and tool-call argument deltas alike.
 *
 * Streams hold back as little as possible: a possible placeholder prefix at the end of the
 * text so far (`[EMAI`), and a token that may still grow into a secret (stream-scan.ts); all
 * of it is released before a tool call starts, before finish/done/error and when the stream
 * ends however it ends. A `block` finding cuts the stream with an error event in the client's
 * format (`blocked`); everything after it is dropped but usage.
 */
export class AnswerGuard implements ResponseTransform {
  readonly needsContent = true;
  /** the detector that cut the answer, if one did */
  blocked: Detector | null = null;
  private readonly prefixes: ReadonlySet<string>;
  private readonly text: Channel;
  private readonly tools = new Map<number, Channel>();
  private readonly scans: boolean;
  private readonly restores: boolean;

  constructor(private readonly guard: RequestGuard) {
    this.scans = guard.scanner.answersScanned;
    this.restores = guard.masked;
    this.prefixes = this.restores ? placeholderPrefixes(guard.masker.originals) : new Set();
    this.text = this.channel(false);
  }

  event(event: ResponseEvent, next: EventSink): void {
    if (this.blocked !== null) {
      if (event.type === "usage") next(event);
      return;
    }
    switch (event.type) {
      case "text_delta":
        return this.delta(this.text, event, next, (text) => textDelta(text));
      case "tool_call_delta": {
        let channel = this.tools.get(event.index);
        if (channel === undefined) this.tools.set(event.index, (channel = this.channel(true)));
        const index = event.index;
        return this.delta(channel, event, next, (text) => ({
          type: "tool_call_delta",
          index,
          json: JSON.stringify(text),
        }));
      }
      case "usage":
      case "message_start":
        next(event);
        return;
      default:
        // tool_call_start, finish, done, error: what is held goes out first
        this.flushAll(next);
        if (this.blocked === null) next(event);
    }
  }

  flush(next: EventSink): void {
    if (this.blocked === null) this.flushAll(next);
  }

  end(next: EventSink): void {
    if (this.blocked === null) this.flushAll(next);
  }

  /** A complete answer (translated JSON): scanned and restored block by block. A block is
   * noted (`blocked`), not thrown: the caller records the answer's usage, then refuses it. */
  message(message: ResponseMessage): ResponseMessage {
    const content = message.content.map((block) =>
      block.type === "tool_call"
        ? { ...block, arguments: this.complete(block.arguments, true) }
        : { ...block, text: this.complete(block.text, false) },
    );
    return { ...message, content };
  }

  /** What the client gets instead of a complete answer that a `block` action stopped. */
  blockedError(): GatewayError | null {
    return this.blocked === null
      ? null
      : new GatewayError(GUARDRAIL_BLOCKED, answerBlockedMessage(this.blocked));
  }

  /**
   * A same-format JSON answer, as the provider's bytes (every field kept): scanned as text —
   * only when something is found is it parsed and its strings rewritten — and restored in
   * the raw JSON (placeholders are plain ASCII inside JSON strings; values that need JSON
   * escaping go through a parse, since tool-call `arguments` are JSON inside a JSON string).
   */
  rawJson(raw: Buffer): Buffer {
    let text = raw.toString("utf8");
    /** set once the answer had to be parsed (then it is re-serialised) */
    let parsed: unknown = null;
    if (this.scans && this.guard.scanner.scanAnswer(text).length > 0) {
      parsed = parseOrNull(text);
      if (parsed !== null) mapStrings(parsed, (s) => this.scanComplete(s));
      else text = this.scanComplete(text);
      // refused by the caller once it has the answer's usage: the bytes stay as they came
      if (this.blocked !== null) return raw;
    }
    if (this.restores && (parsed !== null || text.includes("["))) {
      const originals = this.guard.masker.originals;
      if (parsed === null && valuesAreJsonSafe(originals)) {
        text = restoreText(text, originals, true);
      } else {
        if (parsed === null) parsed = parseOrNull(text);
        if (parsed !== null)
          mapStrings(parsed, (s, key) => restoreText(s, originals, key === "arguments"));
        else text = restoreText(text, originals, true);
      }
    }
    return Buffer.from(parsed !== null ? JSON.stringify(parsed) : text);
  }

  private channel(json: boolean): Channel {
    return new Channel(
      this.scans
        ? new StreamScanner(this.guard.scanner, (hits, text) => this.found(hits, text))
        : null,
      this.restores ? new StreamRestorer(this.guard.masker.originals, this.prefixes, json) : null,
    );
  }

  private delta(
    channel: Channel,
    event: TextDeltaEvent | ToolCallDeltaEvent,
    next: EventSink,
    make: (text: string) => ResponseEvent,
  ): void {
    // the common delta: nothing held, no placeholder start, no scan: passed on as it came
    if (!this.scans && channel.idle && event.json.indexOf("[") === -1) {
      next(event);
      return;
    }
    const text = deltaText(event);
    const out = channel.push(text);
    // unchanged (nothing held, nothing found): the event itself, so an editing chain can
    // forward the upstream's own bytes
    if (out === text) next(event);
    else if (out !== "") next(make(out));
    if (channel.blocked !== null) this.cut(channel.blocked, next);
  }

  private flushAll(next: EventSink): void {
    const text = this.text.flush();
    if (text !== "") next(textDelta(text));
    if (this.text.blocked !== null) return this.cut(this.text.blocked, next);
    for (const [index, channel] of this.tools) {
      const args = channel.flush();
      if (args !== "") next({ type: "tool_call_delta", index, json: JSON.stringify(args) });
      if (channel.blocked !== null) return this.cut(channel.blocked, next);
    }
  }

  private cut(detector: Detector, next: EventSink): void {
    if (this.blocked !== null) return;
    this.blocked = detector;
    next({ type: "error", message: answerBlockedMessage(detector), errorType: GUARDRAIL_BLOCKED });
  }

  private complete(text: string, json: boolean): string {
    const scanned = this.scans ? this.scanComplete(text) : text;
    return this.restores ? restoreText(scanned, this.guard.masker.originals, json) : scanned;
  }

  private scanComplete(text: string): string {
    const hits = this.guard.scanner.scanAnswer(text);
    if (hits.length === 0) return text;
    this.found(hits, text);
    let out = "";
    let at = 0;
    for (const hit of hits) {
      if (hit.action === "block") this.blocked ??= hit.detector;
      if (hit.action !== "mask" && hit.action !== "redact") continue;
      out += text.slice(at, hit.start) + redactPlaceholder(hit.label);
      at = hit.end;
    }
    return out + text.slice(at);
  }

  private found(hits: readonly Hit[], text: string): void {
    this.guard.tally.add(hits, "response");
    for (const hit of hits)
      if (hit.action === "log" || hit.action === "block") this.guard.keepOut(text, hit);
  }
}

/** One stream of answer text (the text, or one tool call's arguments): scan, then restore. */
class Channel {
  constructor(
    private readonly scan: StreamScanner | null,
    private readonly restore: StreamRestorer | null,
  ) {}

  get idle(): boolean {
    return (this.scan === null || this.scan.idle) && (this.restore === null || this.restore.idle);
  }

  get blocked(): Detector | null {
    return this.scan?.blocked ?? null;
  }

  push(text: string): string {
    const scanned = this.scan === null ? text : this.scan.push(text);
    return this.restore === null ? scanned : this.restore.push(scanned);
  }

  flush(): string {
    const scanned = this.scan === null ? "" : this.scan.flush();
    if (this.restore === null) return scanned;
    return this.restore.push(scanned) + this.restore.flush();
  }
}

function parseOrNull(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** Rewrites every string value of a parsed JSON value in place (keys stay); `key`: its field. */
function mapStrings(
  value: unknown,
  fn: (s: string, key: string | null) => string,
  key: string | null = null,
  depth = 0,
): unknown {
  if (typeof value === "string") return fn(value, key);
  if (depth > 64 || typeof value !== "object" || value === null) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = mapStrings(value[i], fn, key, depth + 1);
  } else {
    const record = value as Record<string, unknown>;
    for (const k of Object.keys(record)) record[k] = mapStrings(record[k], fn, k, depth + 1);
  }
  return value;
}
