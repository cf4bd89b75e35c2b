import { isRecord, type JsonObject } from "../guards";
import { anthropicMessageId, stopReasonFromOpenai, type AnthropicStopReason } from "../mappings";
import { usageFromOpenaiUsage } from "../usage";
import { lastKey, skipSpaces, stringLiteralEnd } from "../sse";
import type { StreamTranslator, StreamTranslatorOptions, TokenUsage } from "../types";
import { anthropicErrorEvent } from "./errors";

const NO_BLOCK = -1;
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

/**
 * OpenAI chat.completion.chunk stream → Anthropic messages stream:
 *   first chunk      → message_start (usage input_tokens 0: OpenAI reports usage only at the
 *                      end; the real counts go out in message_delta.usage, which the
 *                      Anthropic SDKs copy into the final message)
 *   content          → text block: content_block_start, text_delta…, content_block_stop
 *   tool_calls       → one tool_use block per call: start (id, name, input {}), an
 *                      input_json_delta per argument fragment, stop
 *   finish_reason    → closes the open block, remembers the stop reason
 *   [DONE] (or a clean end without it) → message_delta (stop_reason, usage) + message_stop
 * message_delta waits for [DONE] because the usage chunk (requested by the server with
 * include_usage) arrives after the finish_reason chunk. Plain content chunks in OpenAI's
 * key order are spliced without parsing (see contentOnlyLiteral); every other chunk is parsed,
 * since OpenAI-compatible servers vary in key order and spacing.
 */
export class OpenaiToAnthropicTranslator implements StreamTranslator {
  completed = false;
  private readonly modelJson: string;
  private started = false;
  private stopped = false;
  private errorSent = false;
  private nextBlock = 0;
  private openBlock = NO_BLOCK;
  private openIsText = false;
  /** OpenAI tool_calls index → Anthropic content-block index */
  private readonly toolBlocks = new Map<number, number>();
  private stopReason: AnthropicStopReason | null = null;
  private reported: TokenUsage | null = null;
  private deltas = 0;

  constructor(options: StreamTranslatorOptions) {
    this.modelJson = JSON.stringify(options.clientModel);
  }

  push(_event: string | undefined, data: string): string {
    if (data === "[DONE]") {
      this.completed = true;
      // after an upstream error the client already has its error event: no clean ending
      return this.errorSent ? "" : this.finish();
    }
    if (this.started) {
      const literal = contentOnlyLiteral(data);
      if (literal !== null) return literal === '""' ? "" : this.textLiteral(literal);
    }
    let chunk: unknown;
    try {
      chunk = JSON.parse(data);
    } catch {
      return "";
    }
    if (!isRecord(chunk)) return "";
    if (chunk.error !== undefined) return this.upstreamError(chunk.error);

    let out = "";
    if (!this.started) out += this.messageStart(chunk.id);
    const choice: unknown = Array.isArray(chunk.choices) ? chunk.choices[0] : undefined;
    if (isRecord(choice)) {
      const delta = choice.delta;
      if (isRecord(delta)) {
        if (typeof delta.content === "string" && delta.content !== "")
          out += this.text(delta.content);
        if (typeof delta.refusal === "string" && delta.refusal !== "")
          out += this.text(delta.refusal);
        if (Array.isArray(delta.tool_calls)) {
          for (let k = 0; k < delta.tool_calls.length; k++) {
            const call: unknown = delta.tool_calls[k];
            if (isRecord(call)) out += this.toolCall(call, k);
          }
        }
      }
      if (typeof choice.finish_reason === "string") {
        this.stopReason = stopReasonFromOpenai(choice.finish_reason);
        this.completed = true;
        out += this.closeBlock();
      }
    }
    if (isRecord(chunk.usage)) this.reported = usageFromOpenaiUsage(chunk.usage) ?? this.reported;
    return out;
  }

  end(): string {
    if (this.errorSent) return "";
    return this.finish();
  }

  error(message: string): string {
    if (this.errorSent) return "";
    this.errorSent = true;
    return anthropicErrorEvent(message);
  }

  usage(): TokenUsage {
    return this.reported ?? { inputTokens: 0, outputTokens: this.deltas, cachedInputTokens: 0 };
  }

  private messageStart(id: unknown): string {
    this.started = true;
    return (
      `event: message_start\ndata: {"type":"message_start","message":{"id":${JSON.stringify(anthropicMessageId(id))},` +
      `"type":"message","role":"assistant","model":${this.modelJson},"content":[],"stop_reason":null,` +
      `"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}\n\n`
    );
  }

  private text(text: string): string {
    return this.textLiteral(JSON.stringify(text));
  }

  /** A text delta from a JSON string literal (quotes included). */
  private textLiteral(literal: string): string {
    let out = "";
    if (this.openBlock === NO_BLOCK || !this.openIsText) {
      out += this.closeBlock();
      out += this.startBlock(true, '{"type":"text","text":""}');
    }
    this.deltas++;
    return (
      out +
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.openBlock},"delta":{"type":"text_delta","text":${literal}}}\n\n`
    );
  }

  private toolCall(call: JsonObject, position: number): string {
    const key = typeof call.index === "number" ? call.index : position;
    const fn = isRecord(call.function) ? call.function : undefined;
    let out = "";
    let block = this.toolBlocks.get(key);
    if (block === undefined) {
      out += this.closeBlock();
      const id = typeof call.id === "string" && call.id !== "" ? call.id : `toolu_gatehouse_${key}`;
      const name = typeof fn?.name === "string" ? fn.name : "";
      out += this.startBlock(
        false,
        `{"type":"tool_use","id":${JSON.stringify(id)},"name":${JSON.stringify(name)},"input":{}}`,
      );
      block = this.openBlock;
      this.toolBlocks.set(key, block);
    }
    const fragment = fn?.arguments;
    if (typeof fragment === "string" && fragment !== "") {
      // fragments for an earlier call after a later one started (rare) keep their own index
      this.deltas++;
      out += `event: content_block_delta\ndata: {"type":"content_block_delta","index":${block},"delta":{"type":"input_json_delta","partial_json":${JSON.stringify(fragment)}}}\n\n`;
    }
    return out;
  }

  private startBlock(isText: boolean, contentBlock: string): string {
    this.openBlock = this.nextBlock++;
    this.openIsText = isText;
    return `event: content_block_start\ndata: {"type":"content_block_start","index":${this.openBlock},"content_block":${contentBlock}}\n\n`;
  }

  private closeBlock(): string {
    if (this.openBlock === NO_BLOCK) return "";
    const out = `event: content_block_stop\ndata: {"type":"content_block_stop","index":${this.openBlock}}\n\n`;
    this.openBlock = NO_BLOCK;
    return out;
  }

  private finish(): string {
    if (this.stopped) return "";
    this.stopped = true;
    let out = this.started ? "" : this.messageStart(undefined);
    out += this.closeBlock();
    const usage = this.usage();
    const delta = { stop_reason: this.stopReason ?? "end_turn", stop_sequence: null };
    const usageJson = this.reported
      ? {
          input_tokens: usage.inputTokens - usage.cachedInputTokens,
          cache_read_input_tokens: usage.cachedInputTokens,
          output_tokens: usage.outputTokens,
        }
      : { output_tokens: usage.outputTokens };
    out += `event: message_delta\ndata: ${JSON.stringify({ type: "message_delta", delta, usage: usageJson })}\n\n`;
    return `${out}event: message_stop\ndata: {"type":"message_stop"}\n\n`;
  }

  private upstreamError(error: unknown): string {
    if (this.errorSent) return "";
    this.errorSent = true;
    const message =
      isRecord(error) && typeof error.message === "string"
        ? error.message
        : "The upstream provider failed mid-stream.";
    return anthropicErrorEvent(message);
  }
}
