import { peekType, sseEvent } from "../sse";
import type { StreamTranslator, TokenUsage } from "../types";
import { anthropicErrorEvent } from "./errors";
import { AnthropicUsageTracker } from "./anthropic-usage";

/**
 * Anthropic → Anthropic messages stream. Events go out unchanged (always with their `event:`
 * name: the SDKs ignore unnamed events). Only message_start (input and cache tokens) and
 * message_delta (output tokens, cumulative) are parsed. Completed on message_stop.
 */
export class AnthropicPassthroughTranslator implements StreamTranslator {
  completed = false;
  contentStarted = false;
  upstreamError = false;
  private readonly tracker = new AnthropicUsageTracker();
  private errorSent = false;

  push(event: string | undefined, data: string): string {
    const type = event ?? peekType(data);
    switch (type) {
      case "content_block_delta":
        // Anthropic opens each tool input with an empty fragment: no token
        if (!data.endsWith('""}}')) {
          this.tracker.deltas++;
          this.contentStarted = true;
        }
        break;
      case "content_block_start":
        // a tool call (its name) is content; a text block opens empty
        if (!this.contentStarted && data.includes('"type":"tool_use"')) this.contentStarted = true;
        break;
      case "message_start":
        this.tracker.read(type, data);
        break;
      case "message_delta":
        this.tracker.read(type, data);
        this.contentStarted = true;
        break;
      case "message_stop":
        this.completed = true;
        this.contentStarted = true;
        break;
      case "error":
        this.errorSent = true;
        this.upstreamError = true;
        break;
    }
    return sseEvent(type, data);
  }

  end(): string {
    return "";
  }

  error(message: string): string {
    if (this.errorSent) return "";
    this.errorSent = true;
    return anthropicErrorEvent(message);
  }

  usage(): TokenUsage {
    return this.tracker.usage();
  }
}
