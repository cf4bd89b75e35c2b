import { isRecord, type JsonObject } from "../guards";
import { DONE, type FinishReason, type UsageEvent } from "../events";
import { usageFromOpenaiUsage } from "../usage";
import { lastKey, skipSpaces, stringLiteralEnd } from "../sse";
import type { TokenUsage } from "../types";
import type { EventSink, StreamParser } from "./chain-types";

const USAGE_KEY = '"usage":';
const FINISH_KEY = '"finish_reason":';
const CONTENT_DELTA = '"delta":{"content":';

/**
 * The raw JSON string literal of a chunk that is nothing but a content delta
 * (`…"delta":{"content":"Hi"},…"finish_reason":null…` with no usage), or null for any other
 * chunk. Such chunks are most of a stream; splicing their literal avoids a parse + stringify.
 */
function contentOnlyLiteral(data: string): string | null {
  let tail = data.length;
  const usageAt = lastKey(data, USAGE_KEY, tail);
  if (usageAt !== -1) {
    if (data.charCodeAt(skipSpaces(data, usageAt + USAGE_KEY.length)) !== 110 /* n(ull) */)
      return null;
    tail = usageAt;
  }
  const finishAt = lastKey(data, FINISH_KEY, tail);
  if (finishAt === -1 || data.charCodeAt(skipSpaces(data, finishAt + FINISH_KEY.length)) !== 110)
    return null;
  const deltaAt = data.lastIndexOf(CONTENT_DELTA, finishAt);
  if (deltaAt === -1) return null;
  const start = deltaAt + CONTENT_DELTA.length;
  const end = stringLiteralEnd(data, start);
  // the delta object must close right after the literal: no tool_calls, refusal or role
  return end === -1 || end > finishAt || data.charCodeAt(end) !== 125 /* } */
    ? null
    : data.slice(start, end);
}

const FINISH_REASONS: Readonly<Record<string, FinishReason>> = {
  stop: "stop",
  length: "length",
  tool_calls: "tool_calls",
  function_call: "tool_calls",
  content_filter: "content_filter",
};

/**
 * OpenAI chat.completion.chunk stream → typed events:
 *   first chunk   → message_start (id)
 *   content       → text_delta (refusal text too)
 *   tool_calls    → tool_call_start when a call index first appears, tool_call_delta per
 *                   argument fragment
 *   finish_reason → finish
 *   usage         → usage (the chunk the server asked for with include_usage)
 *   [DONE]        → usage (reported, else estimated), done
 *   error chunk   → error
 * Plain content chunks in OpenAI's key order are sliced without parsing (contentOnlyLiteral);
 * every other chunk is parsed, since OpenAI-compatible servers vary in key order and spacing.
 */
export class OpenaiChatStreamParser implements StreamParser {
  completed = false;
  private started = false;
  private readonly toolCalls = new Set<number>();
  private reported: TokenUsage | null = null;
  private deltas = 0;

  push(_event: string | undefined, data: string, emit: EventSink): void {
    if (data === "[DONE]") {
      this.completed = true;
      emit(this.finalUsage());
      emit(DONE);
      return;
    }
    if (this.started) {
      const literal = contentOnlyLiteral(data);
      if (literal !== null) {
        if (literal !== '""') {
          this.deltas++;
          emit({ type: "text_delta", json: literal });
        }
        return;
      }
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return;
    }
    if (!isRecord(chunk)) return;
    if (chunk.error !== undefined) {
      const error = chunk.error;
      const message =
        isRecord(error) && typeof error.message === "string"
          ? error.message
          : "The upstream provider failed mid-stream.";
      const errorType =
        isRecord(error) && typeof error.type === "string" ? error.type : "api_error";
      emit({ type: "error", message, errorType });
      return;
    }
    if (!this.started) {
      this.started = true;
      emit({ type: "message_start", id: typeof chunk.id === "string" ? chunk.id : null });
    }
    const choice: unknown = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (isRecord(choice)) {
      const delta = choice.delta;
      if (isRecord(delta)) {
        if (typeof delta.content === "string" && delta.content !== "")
          this.text(delta.content, emit);
        if (typeof delta.refusal === "string" && delta.refusal !== "")
          this.text(delta.refusal, emit);
        if (Array.isArray(delta.tool_calls)) {
          for (let k = 0; k < delta.tool_calls.length; k++) {
            const call: unknown = delta.tool_calls[k];
            if (isRecord(call)) this.toolCall(call, k, emit);
          }
        }
      }
      if (typeof choice.finish_reason === "string") {
        this.completed = true;
        emit({ type: "finish", reason: FINISH_REASONS[choice.finish_reason] ?? "stop" });
      }
    }
    if (isRecord(chunk.usage)) {
      const usage = usageFromOpenaiUsage(chunk.usage);
      if (usage !== null) {
        this.reported = usage;
        emit({ type: "usage", usage });
      }
    }
  }

  usage(): TokenUsage {
    return this.reported ?? { inputTokens: 0, outputTokens: this.deltas, cachedInputTokens: 0 };
  }

  finalUsage(): UsageEvent {
    return this.reported !== null
      ? { type: "usage", usage: this.reported }
      : { type: "usage", usage: this.usage(), estimated: true };
  }

  private text(text: string, emit: EventSink): void {
    this.deltas++;
    emit({ type: "text_delta", json: JSON.stringify(text) });
  }

  private toolCall(call: JsonObject, position: number, emit: EventSink): void {
    const index = typeof call.index === "number" ? call.index : position;
    const fn = isRecord(call.function) ? call.function : undefined;
    if (!this.toolCalls.has(index)) {
      this.toolCalls.add(index);
      emit({
        type: "tool_call_start",
        index,
        id: typeof call.id === "string" && call.id !== "" ? call.id : `toolu_gatehouse_${index}`,
        name: typeof fn?.name === "string" ? fn.name : "",
      });
    }
    const fragment = fn?.arguments;
    if (typeof fragment === "string" && fragment !== "") {
      this.deltas++;
      emit({ type: "tool_call_delta", index, json: JSON.stringify(fragment) });
    }
  }
}
