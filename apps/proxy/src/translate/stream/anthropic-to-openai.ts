import { isRecord } from "../guards";
import { finishReasonFromAnthropic, openaiCompletionId } from "../mappings";
import { DONE_EVENT, peekIndex, peekType, trailingStringLiteral } from "../sse";
import type { StreamTranslator, StreamTranslatorOptions, TokenUsage } from "../types";
import { AnthropicUsageTracker } from "./anthropic-usage";
import { openaiErrorEvent } from "./errors";

const TEXT_MARKER = '"type":"text_delta","text":';
const JSON_MARKER = '"type":"input_json_delta","partial_json":';
const DELTA_TYPE = '"delta":{"type":"';

/**
 * Anthropic messages stream → OpenAI chat.completion.chunk stream:
 *   message_start        → first chunk, delta {role:"assistant",content:""}
 *   text_delta           → delta {content}
 *   tool_use block start → delta {tool_calls:[{index,id,type,function:{name,arguments:""}}]}
 *   input_json_delta     → delta {tool_calls:[{index,function:{arguments}}]}
 *   message_delta        → final chunk: delta {}, finish_reason
 *   message_stop         → usage chunk (choices []) if the client asked for usage, then [DONE]
 * thinking/signature/citation deltas and server-tool blocks have no chat.completions field and
 * are skipped. Text and argument deltas are spliced into the chunk as the raw JSON string
 * literal Anthropic sent (no parse, no stringify); other shapes fall back to JSON.parse.
 */
export class AnthropicToOpenaiTranslator implements StreamTranslator {
  completed = false;
  private readonly tracker = new AnthropicUsageTracker();
  private readonly modelJson: string;
  private readonly created = Math.floor(Date.now() / 1000);
  private idJson = JSON.stringify(openaiCompletionId(undefined));
  /** `{"id":…,"choices":[{"index":0,"delta":` — everything before a chunk's delta */
  private prefix: string;
  /** Anthropic content-block index → OpenAI tool_calls index (-1: not a tool block) */
  private readonly toolIndex: number[] = [];
  private nextToolIndex = 0;
  private doneSent = false;
  private errorSent = false;

  constructor(private readonly options: StreamTranslatorOptions) {
    this.modelJson = JSON.stringify(options.clientModel);
    this.prefix = this.buildPrefix();
  }

  push(event: string | undefined, data: string): string {
    switch (event ?? peekType(data)) {
      case "content_block_delta":
        return this.delta(data);
      case "content_block_start":
        return this.blockStart(data);
      case "message_start": {
        const parsed = this.tracker.read("message_start", data);
        if (parsed !== null && isRecord(parsed.message)) {
          this.idJson = JSON.stringify(openaiCompletionId(parsed.message.id));
          this.prefix = this.buildPrefix();
        }
        return this.chunk('{"role":"assistant","content":""}', "null");
      }
      case "message_delta": {
        const parsed = this.tracker.read("message_delta", data);
        const delta = parsed !== null && isRecord(parsed.delta) ? parsed.delta : undefined;
        return this.chunk("{}", `"${finishReasonFromAnthropic(delta?.stop_reason)}"`);
      }
      case "message_stop": {
        this.completed = true;
        if (this.doneSent) return "";
        this.doneSent = true;
        return this.options.clientWantsUsage ? this.usageChunk() + DONE_EVENT : DONE_EVENT;
      }
      case "error":
        return this.upstreamError(data);
      default:
        // ping, content_block_stop
        return "";
    }
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
    return this.tracker.usage();
  }

  private delta(data: string): string {
    let literal = trailingStringLiteral(data, TEXT_MARKER);
    if (literal !== null) return this.text(literal);
    literal = trailingStringLiteral(data, JSON_MARKER);
    if (literal !== null) return this.arguments(peekIndex(data), literal);
    // thinking, signature and citation deltas have no chat.completions field: skip unparsed
    const typeAt = data.indexOf(DELTA_TYPE);
    if (typeAt !== -1) {
      const type = typeAt + DELTA_TYPE.length;
      if (data.startsWith('thinking_delta"', type)) {
        this.tracker.deltas++; // billed output all the same
        return "";
      }
      if (!data.startsWith('text_delta"', type) && !data.startsWith('input_json_delta"', type))
        return "";
    }
    return this.parsedDelta(data);
  }

  /** Slow path for deltas not in Anthropic's usual compact shape. */
  private parsedDelta(data: string): string {
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return "";
    }
    if (!isRecord(parsed) || !isRecord(parsed.delta)) return "";
    const delta = parsed.delta;
    if (delta.type === "text_delta" && typeof delta.text === "string")
      return this.text(JSON.stringify(delta.text));
    if (
      delta.type === "input_json_delta" &&
      typeof delta.partial_json === "string" &&
      typeof parsed.index === "number"
    ) {
      return this.arguments(parsed.index, JSON.stringify(delta.partial_json));
    }
    return "";
  }

  private text(literal: string): string {
    if (literal === '""') return "";
    this.tracker.deltas++;
    return this.chunk(`{"content":${literal}}`, "null");
  }

  private arguments(blockIndex: number, literal: string): string {
    const index = this.toolIndex[blockIndex];
    // Anthropic opens every tool call with an empty fragment; OpenAI's first chunk has "" already
    if (index === undefined || index === -1 || literal === '""') return "";
    this.tracker.deltas++;
    return this.chunk(
      `{"tool_calls":[{"index":${index},"function":{"arguments":${literal}}}]}`,
      "null",
    );
  }

  private blockStart(data: string): string {
    // only tool_use blocks (and a text block that starts non-empty) produce a chunk
    const isTool = data.includes('"type":"tool_use"');
    if (!isTool && (!data.includes('"type":"text"') || data.includes('"text":""'))) return "";
    let parsed: unknown;
    try {
      parsed = JSON.parse(data);
    } catch {
      return "";
    }
    if (!isRecord(parsed) || !isRecord(parsed.content_block) || typeof parsed.index !== "number")
      return "";
    const block = parsed.content_block;
    if (block.type === "text" && typeof block.text === "string")
      return this.text(JSON.stringify(block.text));
    if (block.type !== "tool_use") return "";
    const index = this.nextToolIndex++;
    this.toolIndex[parsed.index] = index;
    const call = {
      index,
      id: block.id,
      type: "function",
      function: { name: block.name, arguments: "" },
    };
    return this.chunk(`{"tool_calls":[${JSON.stringify(call)}]}`, "null");
  }

  private upstreamError(data: string): string {
    if (this.errorSent) return "";
    this.errorSent = true;
    let message = "The upstream provider failed mid-stream.";
    let type = "api_error";
    try {
      const parsed: unknown = JSON.parse(data);
      const error = isRecord(parsed) ? parsed.error : undefined;
      if (isRecord(error)) {
        if (typeof error.message === "string") message = error.message;
        if (typeof error.type === "string") type = error.type;
      }
    } catch {
      // keep the generic message
    }
    return openaiErrorEvent(message, type, type);
  }

  private buildPrefix(): string {
    return `{"id":${this.idJson},"object":"chat.completion.chunk","created":${this.created},"model":${this.modelJson},"choices":[{"index":0,"delta":`;
  }

  private chunk(delta: string, finishReason: string): string {
    return `data: ${this.prefix}${delta},"logprobs":null,"finish_reason":${finishReason}}]}\n\n`;
  }

  private usageChunk(): string {
    const usage = this.tracker.usage();
    const body = {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
      prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
    };
    return `data: {"id":${this.idJson},"object":"chat.completion.chunk","created":${this.created},"model":${this.modelJson},"choices":[],"usage":${JSON.stringify(body)}}\n\n`;
  }
}
