import { isRecord } from "../guards";
import type { ResponseEvent, TextDeltaEvent, ToolCallDeltaEvent } from "../events";
import { peekIndex, peekType, sseEvent } from "../sse";

/** What is left of an upstream event once its content went to the transforms. */
export interface EventRest {
  /** the event's SSE text without its content ("" when nothing else was in it) */
  readonly text: string;
  /** it goes out before the (possibly changed) content; false: after it (a finish, usage) */
  readonly first: boolean;
}

/**
 * Writes content deltas in the upstream's own stream format, shaped like the upstream's own,
 * for the editing chain: every other upstream event goes to the client as it came.
 */
export interface DeltaEditor {
  /** Sees every upstream event before the chain handles it (ids, block indexes). */
  observe(event: string | undefined, data: string): void;
  /** The event is one content delta the chain may replace by what the transforms make of it. */
  replaceable(event: string | undefined, data: string, typed: readonly ResponseEvent[]): boolean;
  /** The SSE text of one content delta (text, or a tool call's argument fragment). */
  delta(event: TextDeltaEvent | ToolCallDeltaEvent): string;
  /** An event that carries content besides something else (a block start with its first
   * text, a role or finish chunk with content): the rest of it. */
  withoutContent(event: string | undefined, data: string): EventRest;
}

const NO_REST: EventRest = { text: "", first: true };

/**
 * Anthropic messages stream. Deltas are `content_block_delta` events, one per event, so a
 * changed one is rewritten whole: `{"type":"content_block_delta","index":N,"delta":…}` is all
 * Anthropic puts in it. Text goes to the block the upstream's last text delta (or text block
 * start) named; a tool call's fragment to its tool_use block.
 */
export class AnthropicDeltaEditor implements DeltaEditor {
  private textBlock = 0;
  /** tool-call index (the parser numbers tool_use blocks in order) → content-block index */
  private readonly toolBlocks: number[] = [];

  observe(event: string | undefined, data: string): void {
    const type = event ?? peekType(data);
    if (type === "content_block_start") {
      if (data.includes('"type":"tool_use"')) this.toolBlocks.push(peekIndex(data));
      else if (data.includes('"type":"text"')) this.textBlock = peekIndex(data);
    } else if (type === "content_block_delta" && data.includes('"type":"text_delta"')) {
      this.textBlock = peekIndex(data);
    }
  }

  replaceable(event: string | undefined, data: string, typed: readonly ResponseEvent[]): boolean {
    return (event ?? peekType(data)) === "content_block_delta" && onlyDeltas(typed);
  }

  delta(event: TextDeltaEvent | ToolCallDeltaEvent): string {
    if (event.type === "text_delta") {
      return `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.textBlock},"delta":{"type":"text_delta","text":${event.json}}}\n\n`;
    }
    const block = this.toolBlocks[event.index];
    if (block === undefined) return "";
    return `event: content_block_delta\ndata: {"type":"content_block_delta","index":${block},"delta":{"type":"input_json_delta","partial_json":${event.json}}}\n\n`;
  }

  /** A text block that starts with text: the start goes out empty, its text as a delta. */
  withoutContent(event: string | undefined, data: string): EventRest {
    const parsed = parse(data);
    if (parsed === null || !isRecord(parsed.content_block)) return NO_REST;
    if (typeof parsed.content_block.text === "string") parsed.content_block.text = "";
    return { text: sseEvent(event ?? "content_block_start", JSON.stringify(parsed)), first: true };
  }
}

/**
 * OpenAI chat.completion.chunk stream. A changed delta goes out as a chunk of its own, in the
 * stream's envelope (id, object, created, model, system_fingerprint… as the upstream's first
 * chunk had them) with the first choice's delta: content, or one tool call's arguments.
 */
export class OpenaiChatDeltaEditor implements DeltaEditor {
  /** `{…envelope…,"choices":[{"index":0,"delta":` */
  private head: string | null = null;

  observe(_event: string | undefined, data: string): void {
    if (this.head !== null || data.charCodeAt(0) !== 123 /* { */) return;
    const parsed = parse(data);
    if (parsed === null || parsed.error !== undefined) return;
    let head = "{";
    for (const key of Object.keys(parsed)) {
      if (key === "choices" || key === "usage" || key === "obfuscation") continue;
      head += `${JSON.stringify(key)}:${JSON.stringify(parsed[key])},`;
    }
    this.head = `${head}"choices":[{"index":0,"delta":`;
  }

  replaceable(_event: string | undefined, _data: string, typed: readonly ResponseEvent[]): boolean {
    return onlyDeltas(typed);
  }

  delta(event: TextDeltaEvent | ToolCallDeltaEvent): string {
    const head = this.head ?? '{"object":"chat.completion.chunk","choices":[{"index":0,"delta":';
    const delta =
      event.type === "text_delta"
        ? `{"content":${event.json}}`
        : `{"tool_calls":[{"index":${event.index},"function":{"arguments":${event.json}}}]}`;
    return `data: ${head}${delta},"logprobs":null,"finish_reason":null}]}\n\n`;
  }

  /** The chunk with its content and argument fragments emptied (role, finish, usage, ids kept). */
  withoutContent(event: string | undefined, data: string): EventRest {
    const parsed = parse(data);
    if (parsed === null) return NO_REST;
    let finished = isRecord(parsed.usage);
    if (Array.isArray(parsed.choices)) {
      for (const choice of parsed.choices) {
        if (!isRecord(choice)) continue;
        if (typeof choice.finish_reason === "string") finished = true;
        const delta = choice.delta;
        if (!isRecord(delta)) continue;
        if (typeof delta.content === "string") delta.content = "";
        if (typeof delta.refusal === "string") delta.refusal = "";
        if (Array.isArray(delta.tool_calls)) {
          for (const call of delta.tool_calls) {
            if (
              isRecord(call) &&
              isRecord(call.function) &&
              typeof call.function.arguments === "string"
            )
              call.function.arguments = "";
          }
        }
      }
    }
    return { text: sseEvent(event, JSON.stringify(parsed)), first: !finished };
  }
}

function onlyDeltas(typed: readonly ResponseEvent[]): boolean {
  if (typed.length === 0) return false;
  for (const e of typed) if (e.type !== "text_delta" && e.type !== "tool_call_delta") return false;
  return true;
}

function parse(data: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(data);
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}
