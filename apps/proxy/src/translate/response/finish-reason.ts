import type { FinishReason } from "../events";

/**
 * An OpenAI `finish_reason` in the neutral vocabulary. The legacy `function_call` is a tool
 * call; anything else (null, a compatible provider's own word) is a plain stop, as
 * `stopReasonFromOpenai` treats it.
 */
export function finishReasonFromOpenai(value: unknown): FinishReason {
  switch (value) {
    case "length":
    case "tool_calls":
    case "content_filter":
      return value;
    case "function_call":
      return "tool_calls";
    default:
      return "stop";
  }
}
