import { usageFromOpenaiAnyJson } from "../usage";
import { peekType, sseEvent } from "../sse";
import type { StreamTranslator, TokenUsage } from "../types";
import { responsesErrorEvent } from "./errors";

/**
 * OpenAI → OpenAI Responses API stream (`event: response.*`). Events go out unchanged. Usage
 * comes from the terminal event (`response.completed`, or `response.incomplete` when cut by
 * max_output_tokens), parsed only when `usage()` is called; `response.failed` and `error`
 * events already tell the client, so no second error event is added after them. Without a
 * terminal event, output tokens are estimated as the number of text/argument deltas forwarded.
 */
export class ResponsesPassthroughTranslator implements StreamTranslator {
  completed = false;
  contentStarted = false;
  upstreamError = false;
  private usageData: string | null = null;
  private parsedUsage: TokenUsage | null = null;
  private deltas = 0;
  private errorSent = false;

  push(event: string | undefined, data: string): string {
    switch (event ?? peekType(data)) {
      case "response.output_text.delta":
      case "response.function_call_arguments.delta":
      case "response.refusal.delta":
      case "response.reasoning_summary_text.delta":
        this.deltas++;
        this.contentStarted = true;
        break;
      case "response.completed":
      case "response.incomplete":
        this.completed = true;
        this.contentStarted = true;
        this.usageData = data;
        break;
      case "response.failed":
        this.usageData = data;
        this.errorSent = true;
        this.upstreamError = true;
        break;
      case "error":
        this.errorSent = true;
        this.upstreamError = true;
        break;
    }
    return sseEvent(event, data);
  }

  end(): string {
    return "";
  }

  error(message: string): string {
    if (this.errorSent) return "";
    this.errorSent = true;
    return responsesErrorEvent(message);
  }

  usage(): TokenUsage {
    if (this.parsedUsage === null && this.usageData !== null) {
      try {
        this.parsedUsage = usageFromOpenaiAnyJson(JSON.parse(this.usageData));
      } catch {
        this.usageData = null;
      }
    }
    return this.parsedUsage ?? { inputTokens: 0, outputTokens: this.deltas, cachedInputTokens: 0 };
  }
}
