import type { FinishReason, ResponseEvent } from "../events";
import { anthropicMessageId, stopReasonFromOpenai, type AnthropicStopReason } from "../mappings";
import type { StreamTranslatorOptions, TokenUsage } from "../types";
import type { StreamSerialiser } from "./chain-types";
import { anthropicErrorEvent } from "./errors";

const NO_BLOCK = -1;

/**
 * Typed events → Anthropic messages stream:
 *   message_start (or the first delta) → message_start (usage input_tokens 0: the real counts
 *                     go out in message_delta.usage, which the SDKs copy into the final message)
 *   text_delta      → a text block: content_block_start, text_delta…, content_block_stop
 *   tool_call_*     → one tool_use block per call: start (id, name, input {}), an
 *                     input_json_delta per argument fragment, stop
 *   finish          → closes the open block, remembers the stop reason
 *   done (or a clean end without it) → message_delta (stop_reason, usage) + message_stop
 * message_delta waits for `done` because OpenAI's usage chunk arrives after its finish chunk.
 */
export class AnthropicSerialiser implements StreamSerialiser {
  private readonly modelJson: string;
  private started = false;
  private stopped = false;
  private errorSent = false;
  private nextBlock = 0;
  private openBlock = NO_BLOCK;
  private openIsText = false;
  /** tool-call index → content-block index */
  private readonly toolBlocks = new Map<number, number>();
  private stopReason: AnthropicStopReason | null = null;
  private usage: TokenUsage | null = null;
  private usageEstimated = true;

  constructor(options: StreamTranslatorOptions) {
    this.modelJson = JSON.stringify(options.clientModel);
  }

  write(event: ResponseEvent): string {
    switch (event.type) {
      case "text_delta":
        return event.json === '""' ? "" : this.start(null) + this.text(event.json);
      case "tool_call_delta": {
        const block = this.toolBlocks.get(event.index);
        if (block === undefined || event.json === '""') return "";
        return `event: content_block_delta\ndata: {"type":"content_block_delta","index":${block},"delta":{"type":"input_json_delta","partial_json":${event.json}}}\n\n`;
      }
      case "tool_call_start":
        return this.start(null) + this.toolStart(event.index, event.id, event.name);
      case "message_start":
        return this.start(event.id);
      case "usage":
        this.usage = event.usage;
        this.usageEstimated = event.estimated === true;
        return "";
      case "finish":
        this.stopReason = stopReasonFromOpenai(event.reason satisfies FinishReason);
        return this.closeBlock();
      case "done":
        return this.errorSent ? "" : this.finish();
      case "error":
        if (this.errorSent) return "";
        this.errorSent = true;
        return anthropicErrorEvent(event.message);
    }
  }

  end(): string {
    return this.errorSent ? "" : this.finish();
  }

  error(message: string): string {
    if (this.errorSent) return "";
    this.errorSent = true;
    return anthropicErrorEvent(message);
  }

  private start(id: string | null): string {
    if (this.started) return "";
    this.started = true;
    return (
      `event: message_start\ndata: {"type":"message_start","message":{"id":${JSON.stringify(anthropicMessageId(id ?? undefined))},` +
      `"type":"message","role":"assistant","model":${this.modelJson},"content":[],"stop_reason":null,` +
      `"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}\n\n`
    );
  }

  private text(literal: string): string {
    let out = "";
    if (this.openBlock === NO_BLOCK || !this.openIsText) {
      out += this.closeBlock();
      out += this.startBlock(true, '{"type":"text","text":""}');
    }
    return (
      out +
      `event: content_block_delta\ndata: {"type":"content_block_delta","index":${this.openBlock},"delta":{"type":"text_delta","text":${literal}}}\n\n`
    );
  }

  private toolStart(index: number, id: string, name: string): string {
    let out = this.closeBlock();
    out += this.startBlock(
      false,
      `{"type":"tool_use","id":${JSON.stringify(id)},"name":${JSON.stringify(name)},"input":{}}`,
    );
    this.toolBlocks.set(index, this.openBlock);
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
    let out = this.start(null);
    out += this.closeBlock();
    const usage = this.usage;
    const delta = { stop_reason: this.stopReason ?? "end_turn", stop_sequence: null };
    const usageJson =
      usage !== null && !this.usageEstimated
        ? {
            input_tokens: usage.inputTokens - usage.cachedInputTokens,
            cache_read_input_tokens: usage.cachedInputTokens,
            output_tokens: usage.outputTokens,
          }
        : { output_tokens: usage?.outputTokens ?? 0 };
    out += `event: message_delta\ndata: ${JSON.stringify({ type: "message_delta", delta, usage: usageJson })}\n\n`;
    return `${out}event: message_stop\ndata: {"type":"message_stop"}\n\n`;
  }
}
