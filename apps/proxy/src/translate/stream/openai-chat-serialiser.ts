import type { ResponseEvent } from "../events";
import { openaiCompletionId } from "../mappings";
import { DONE_EVENT } from "../sse";
import type { StreamTranslatorOptions, TokenUsage } from "../types";
import type { StreamSerialiser } from "./chain-types";
import { openaiErrorEvent } from "./errors";

/**
 * Typed events → OpenAI chat.completion.chunk stream:
 *   message_start   → first chunk, delta {role:"assistant",content:""}
 *   text_delta      → delta {content}
 *   tool_call_start → delta {tool_calls:[{index,id,type,function:{name,arguments:""}}]}
 *   tool_call_delta → delta {tool_calls:[{index,function:{arguments}}]}
 *   finish          → final chunk: delta {}, finish_reason
 *   done            → usage chunk (choices []) if the client asked for usage, then [DONE]
 * Deltas are spliced in as the JSON literals they arrive as; the chunk prefix is built once.
 */
export class OpenaiChatSerialiser implements StreamSerialiser {
  private readonly modelJson: string;
  private readonly created = Math.floor(Date.now() / 1000);
  private idJson = JSON.stringify(openaiCompletionId(undefined));
  /** `{"id":…,"choices":[{"index":0,"delta":` — everything before a chunk's delta */
  private prefix: string;
  private usage: TokenUsage | null = null;
  private doneSent = false;
  private errorSent = false;

  constructor(private readonly options: StreamTranslatorOptions) {
    this.modelJson = JSON.stringify(options.clientModel);
    this.prefix = this.buildPrefix();
  }

  write(event: ResponseEvent): string {
    switch (event.type) {
      case "text_delta":
        return event.json === '""' ? "" : this.chunk(`{"content":${event.json}}`, "null");
      case "tool_call_delta":
        return this.chunk(
          `{"tool_calls":[{"index":${event.index},"function":{"arguments":${event.json}}}]}`,
          "null",
        );
      case "tool_call_start": {
        const call = {
          index: event.index,
          id: event.id,
          type: "function",
          function: { name: event.name, arguments: "" },
        };
        return this.chunk(`{"tool_calls":[${JSON.stringify(call)}]}`, "null");
      }
      case "message_start":
        if (event.id !== null) {
          this.idJson = JSON.stringify(openaiCompletionId(event.id));
          this.prefix = this.buildPrefix();
        }
        return this.chunk('{"role":"assistant","content":""}', "null");
      case "usage":
        this.usage = event.usage;
        return "";
      case "finish":
        return this.chunk("{}", `"${event.reason}"`);
      case "done":
        if (this.doneSent) return "";
        this.doneSent = true;
        return this.options.clientWantsUsage && this.usage !== null
          ? this.usageChunk(this.usage) + DONE_EVENT
          : DONE_EVENT;
      case "error":
        if (this.errorSent) return "";
        this.errorSent = true;
        return openaiErrorEvent(event.message, event.errorType, event.errorType);
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

  private buildPrefix(): string {
    return `{"id":${this.idJson},"object":"chat.completion.chunk","created":${this.created},"model":${this.modelJson},"choices":[{"index":0,"delta":`;
  }

  private chunk(delta: string, finishReason: string): string {
    return `data: ${this.prefix}${delta},"logprobs":null,"finish_reason":${finishReason}}]}\n\n`;
  }

  private usageChunk(usage: TokenUsage): string {
    const body = {
      prompt_tokens: usage.inputTokens,
      completion_tokens: usage.outputTokens,
      total_tokens: usage.inputTokens + usage.outputTokens,
      prompt_tokens_details: { cached_tokens: usage.cachedInputTokens },
    };
    return `data: {"id":${this.idJson},"object":"chat.completion.chunk","created":${this.created},"model":${this.modelJson},"choices":[],"usage":${JSON.stringify(body)}}\n\n`;
  }
}
