import type { Detector, Endpoint } from "@gatehouse/shared";
import {
  FindingTally,
  Masker,
  redactPlaceholder,
  type GuardrailScanner,
  type Hit,
  type TextKind,
} from "@gatehouse/shared/guardrails";
import { visitRequestTexts } from "./request-texts";

const MAX_BLOCK_PLACES = 3;

/**
 * One request's guardrails: scans its texts, masks and redacts in place, counts findings,
 * remembers what blocks, and keeps — for this request only, in memory — the placeholders'
 * originals (to restore the answer) and the values found but let through (`log`, or `block`
 * before the refusal), so nothing stored afterwards holds any of them (`forStorage`).
 */
export class RequestGuard {
  readonly masker: Masker;
  /** the body being scanned (scanBody), for the masker's check of literal placeholders */
  private body: { endpoint: Endpoint; value: Record<string, unknown> } | null = null;
  readonly tally = new FindingTally();
  /** blocking detectors and where they were found (field paths, never values) */
  readonly blocked = new Map<Detector, Set<string>>();
  /** values found but not replaced in what goes on (log, block), with their labels */
  private readonly unreplaced = new Map<string, string>();

  constructor(
    readonly scanner: GuardrailScanner,
    rawBody: Buffer | null,
  ) {
    // a placeholder that already occurs in the request's texts is never issued (restoring
    // stays exact); the raw bytes answer the common "no" at once, the walk the rare "maybe"
    // (a tool schema quoting "[EMAIL_1]" is not text the user wrote)
    this.masker = new Masker(
      (p) =>
        rawBody !== null && rawBody.includes(p) && (this.body === null || this.textsInclude(p)),
    );
  }

  private textsInclude(placeholder: string): boolean {
    let found = false;
    visitRequestTexts(this.body!.endpoint, this.body!.value, (text) => {
      if (!found && text.includes(placeholder)) found = true;
      return text;
    });
    return found;
  }

  /** Scans and rewrites the body's texts in place; true when some text changed. */
  scanBody(endpoint: Endpoint, body: Record<string, unknown>): boolean {
    this.body = { endpoint, value: body };
    let changed = false;
    visitRequestTexts(endpoint, body, (text, kind, where) => {
      const out = this.scanText(text, kind, where);
      if (out !== text) changed = true;
      return out;
    });
    return changed;
  }

  scanText(text: string, kind: TextKind, where: string): string {
    const hits = this.scanner.scan(text, kind);
    if (hits.length === 0) return text;
    this.tally.add(hits, "request");
    for (const hit of hits) {
      if (hit.action === "block") {
        let places = this.blocked.get(hit.detector);
        if (places === undefined) this.blocked.set(hit.detector, (places = new Set()));
        places.add(where);
      }
      if (hit.action === "log" || hit.action === "block") this.keepOut(text, hit);
    }
    return this.masker.apply(text, hits);
  }

  /** A value the answer scan found and let through (log): kept out of storage too. */
  keepOut(text: string, hit: Hit): void {
    this.unreplaced.set(text.slice(hit.start, hit.end), hit.label);
  }

  get masked(): boolean {
    return this.masker.masked;
  }

  /** Every value storage must not hold: the ones let through, and the masked originals. */
  keptOutValues(): string[] {
    return [...this.unreplaced.keys(), ...this.masker.originals.values()];
  }

  /** The refusal's message: the detectors and where, never a value. */
  blockMessage(): string {
    const parts = [...this.blocked].map(([detector, places]) => {
      const list = [...places].slice(0, MAX_BLOCK_PLACES).join(", ");
      const more =
        places.size > MAX_BLOCK_PLACES ? ` and ${places.size - MAX_BLOCK_PLACES} more` : "";
      return `${detector} (in ${list}${more})`;
    });
    return `Blocked by this workspace's guardrails before reaching the provider: the request contains ${parts.join("; ")}. Remove the value, or ask a workspace admin to change the guardrail policy.`;
  }

  /**
   * A text about to be stored (payload log): the placeholders put back in place of restored
   * originals, and every value found but let through redacted; a value cut by the payload
   * log's length limit is cut before it starts.
   */
  forStorage(text: string): string {
    let out = this.masker.remask(text);
    if (this.unreplaced.size === 0 && !this.masker.masked) return out;
    const entries = [...this.unreplaced].sort((a, b) => b[0].length - a[0].length);
    for (const [value, label] of entries) {
      const placeholder = redactPlaceholder(label);
      out = out.split(value).join(placeholder);
      const escaped = JSON.stringify(value).slice(1, -1);
      if (escaped !== value) out = out.split(escaped).join(placeholder);
    }
    return cutPartialValue(out, this.keptOutValues());
  }
}

/** What a stored stream becomes when a value let through was split across its events. */
export const REASSEMBLED_NOTE =
  "[gatehouse: the streamed answer's text, reassembled for storage, because a value the guardrails let through was split across its events]\n";

/**
 * A streamed answer (its SSE text) about to be stored: as forStorage, and when a value found
 * but let through (or a restored original) is still in it split across events — the model
 * wrote it in several deltas — the stored answer is the stream's text reassembled (each
 * channel: the text, each tool call's arguments), with those values redacted: nothing stored
 * holds one, whatever the split.
 */
export function streamForStorage(guard: RequestGuard, sse: string): string {
  const out = guard.forStorage(sse);
  const values = guard.keptOutValues();
  if (values.length === 0) return out;
  const channels = streamChannels(out);
  if (!channels.some((text) => values.some((value) => text.includes(value)))) return out;
  return REASSEMBLED_NOTE + channels.map((text) => guard.forStorage(text)).join("\n");
}

/** The content of an OpenAI or Anthropic stream, per channel (text; each tool call's input). */
function streamChannels(sse: string): string[] {
  const channels = new Map<string, string>();
  const add = (channel: string, text: unknown) => {
    if (typeof text === "string" && text !== "")
      channels.set(channel, (channels.get(channel) ?? "") + text);
  };
  for (const line of sse.split("\n")) {
    if (!line.startsWith("data: {")) continue;
    let event: unknown;
    try {
      event = JSON.parse(line.slice(6));
    } catch {
      continue;
    }
    if (!isObject(event)) continue;
    // Anthropic: text, thinking and tool input deltas by content block
    const delta = event.delta;
    if (isObject(delta)) {
      add(`block ${String(event.index)}`, delta.text ?? delta.partial_json ?? delta.thinking);
    }
    if (isObject(event.content_block))
      add(`block ${String(event.index)}`, event.content_block.text);
    // OpenAI chat: the first choice's content and each tool call's arguments
    const choice: unknown = Array.isArray(event.choices) ? event.choices[0] : undefined;
    if (isObject(choice) && isObject(choice.delta)) {
      add("content", choice.delta.content);
      add("content", choice.delta.refusal);
      const calls = choice.delta.tool_calls;
      if (Array.isArray(calls)) {
        calls.forEach((call, k) => {
          if (isObject(call) && isObject(call.function))
            add(`tool ${String(call.index ?? k)}`, call.function.arguments);
        });
      }
    }
  }
  return [...channels.values()];
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Drops a tail that is the start (4+ characters) of one of the values. */
function cutPartialValue(text: string, values: readonly string[]): string {
  let cut = text.length;
  for (const value of values) {
    for (let n = Math.min(value.length - 1, text.length); n >= 4; n--) {
      if (text.endsWith(value.slice(0, n))) {
        cut = Math.min(cut, text.length - n);
        break;
      }
    }
  }
  return cut === text.length ? text : text.slice(0, cut);
}

/**
 * A request that never reached the guard stage (it failed before) but is stored anyway: every
 * value the workspace's detectors find is redacted.
 */
export function scrubUnguarded(scanner: GuardrailScanner, text: string): string {
  const hits = scanner.scan(text);
  if (hits.length === 0) return text;
  let out = "";
  let at = 0;
  for (const hit of hits) {
    out += text.slice(at, hit.start) + redactPlaceholder(hit.label);
    at = hit.end;
  }
  return out + text.slice(at);
}
