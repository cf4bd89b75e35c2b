import { isRecord } from "../guards";
import { DONE, type FinishReason, type ResponseEvent, type UsageEvent } from "../events";
import { finishReasonFromAnthropic } from "../mappings";
import { peekIndex, peekType, trailingStringLiteral } from "../sse";
import type { TokenUsage } from "../types";
import { AnthropicUsageTracker } from "./anthropic-usage";
import type { EventSink, StreamParser } from "./chain-types";

const TEXT_MARKER = '"type":"text_delta","text":';
const JSON_MARKER = '"type":"input_json_delta","partial_json":';
const DELTA_TYPE = '"delta":{"type":"';

/**
 * Anthropic messages stream → typed events:
 *   message_start        → message_start (id), usage (input and cache counters)
 *   text block / delta   → text_delta (the raw JSON literal Anthropic sent: no parse)
 *   tool_use block start → tool_call_start (numbered among the answer's tool calls)
 *   input_json_delta     → tool_call_delta
 *   message_delta        → usage (cumulative), finish
 *   message_stop         → done
 *   error                → error
 * thinking deltas are counted (billed output) but carry no content for a chat client;
 * signature, citation and server-tool blocks are skipped. Text and argument deltas in
 * Anthropic's compact shape are sliced, not parsed; other shapes fall back to JSON.parse.
 */
export class AnthropicStreamParser implements StreamParser {
  completed = false;
  private readonly tracker = new AnthropicUsageTracker();
  /** Anthropic content-block index → tool-call index (-1: not a tool block) */
  private readonly toolIndex: number[] = [];
  private nextToolIndex = 0;

  push(event: string | undefined, data: string, emit: EventSink): void {
    switch (event ?? peekType(data)) {
      case "content_block_delta":
        return this.delta(data, emit);
      case "content_block_start":
        return this.blockStart(data, emit);
      case "message_start": {
        const parsed = this.tracker.read("message_start", data);
        const message = parsed !== null && isRecord(parsed.message) ? parsed.message : undefined;
        emit({ type: "message_start", id: typeof message?.id === "string" ? message.id : null });
        emit({ type: "usage", usage: this.tracker.usage() });
        return;
      }
      case "message_delta": {
        const parsed = this.tracker.read("message_delta", data);
        const delta = parsed !== null && isRecord(parsed.delta) ? parsed.delta : undefined;
        emit({ type: "usage", usage: this.tracker.usage() });
        emit({
          type: "finish",
          reason: finishReasonFromAnthropic(delta?.stop_reason) as FinishReason,
        });
        return;
      }
      case "message_stop":
        this.completed = true;
        emit(this.finalUsage());
        emit(DONE);
        return;
      case "error":
        emit(upstreamError(data));
        return;
      default:
      // ping, content_block_stop
    }
  }

  usage(): TokenUsage {
    return this.tracker.usage();
  }

  finalUsage(): UsageEvent {
    return { type: "usage", usage: this.tracker.usage() };
  }

  private delta(data: string, emit: EventSink): void {
    let literal = trailingStringLiteral(data, TEXT_MARKER);
    if (literal !== null) return this.text(literal, emit);
    literal = trailingStringLiteral(data, JSON_MARKER);
    if (literal !== null) return this.arguments(peekIndex(data), literal, emit);
    const typeAt = data.indexOf(DELTA_TYPE);
    if (typeAt !== -1) {
      const type = typeAt + DELTA_TYPE.length;
      if (data.startsWith('thinking_delta"', type)) {
        this.tracker.deltas++; // billed output all the same
        return;
      }
      if (!data.startsWith('text_delta"', type) && !data.startsWith('input_json_delta"', type))
        return;
    }
    this.parsedDelta(data, emit);
  }

  /** Slow path for deltas not in Anthropic's usual compact shape. */
  private parsedDelta(data: string, emit: EventSink): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (!isRecord(parsed) || !isRecord(parsed.delta)) return;
    const delta = parsed.delta;
    if (delta.type === "text_delta" && typeof delta.text === "string") {
      this.text(JSON.stringify(delta.text), emit);
    } else if (
      delta.type === "input_json_delta" &&
      typeof delta.partial_json === "string" &&
      typeof parsed.index === "number"
    ) {
      this.arguments(parsed.index, JSON.stringify(delta.partial_json), emit);
    }
  }

  private text(literal: string, emit: EventSink): void {
    if (literal === '""') return;
    this.tracker.deltas++;
    emit({ type: "text_delta", json: literal });
  }

  private arguments(blockIndex: number, literal: string, emit: EventSink): void {
    const index = this.toolIndex[blockIndex];
    // Anthropic opens every tool call with an empty fragment
    if (index === undefined || index === -1 || literal === '""') return;
    this.tracker.deltas++;
    emit({ type: "tool_call_delta", index, json: literal });
  }

  private blockStart(data: string, emit: EventSink): void {
    // only tool_use blocks (and a text block that starts non-empty) carry anything
    const isTool = data.includes('"type":"tool_use"');
    if (!isTool && (!data.includes('"type":"text"') || data.includes('"text":""'))) return;
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return;
    }
    if (!isRecord(parsed) || !isRecord(parsed.content_block) || typeof parsed.index !== "number")
      return;
    const block = parsed.content_block;
    if (block.type === "text" && typeof block.text === "string") {
      this.text(JSON.stringify(block.text), emit);
      return;
    }
    if (block.type !== "tool_use") return;
    const index = this.nextToolIndex++;
    this.toolIndex[parsed.index] = index;
    emit({
      type: "tool_call_start",
      index,
      id: typeof block.id === "string" ? block.id : "",
      name: typeof block.name === "string" ? block.name : "",
    });
  }
}

function upstreamError(data: string): ResponseEvent {
  let message = "The upstream provider failed mid-stream.";
  let errorType = "api_error";
  try {
    const parsed: unknown = JSON.parse(data);
    const error = isRecord(parsed) ? parsed.error : undefined;
    if (isRecord(error)) {
      if (typeof error.message === "string") message = error.message;
      if (typeof error.type === "string") errorType = error.type;
    }
  } catch {
    // keep the generic message
  }
  return { type: "error", message, errorType };
}
