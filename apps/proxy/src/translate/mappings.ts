/** Stop-reason vocabulary shared by the JSON and stream translators. */

export type OpenaiFinishReason =
  "stop" | "length" | "tool_calls" | "content_filter" | "function_call";
export type AnthropicStopReason =
  | "end_turn"
  | "max_tokens"
  | "stop_sequence"
  | "tool_use"
  | "pause_turn"
  | "refusal"
  | "model_context_window_exceeded";

const ANTHROPIC_TO_OPENAI: Readonly<Record<string, OpenaiFinishReason>> = {
  end_turn: "stop",
  stop_sequence: "stop",
  // a server-tool loop paused; the answer so far is complete from a chat client's view
  pause_turn: "stop",
  max_tokens: "length",
  model_context_window_exceeded: "length",
  tool_use: "tool_calls",
  refusal: "content_filter",
};

const OPENAI_TO_ANTHROPIC: Readonly<Record<string, AnthropicStopReason>> = {
  stop: "end_turn",
  length: "max_tokens",
  tool_calls: "tool_use",
  function_call: "tool_use",
  // Anthropic's own word for a safety stop; SDKs since 2025 know it
  content_filter: "refusal",
};

export function finishReasonFromAnthropic(stopReason: unknown): OpenaiFinishReason {
  return (typeof stopReason === "string" && ANTHROPIC_TO_OPENAI[stopReason]) || "stop";
}

export function stopReasonFromOpenai(finishReason: unknown): AnthropicStopReason {
  return (typeof finishReason === "string" && OPENAI_TO_ANTHROPIC[finishReason]) || "end_turn";
}

/** Tool-call ids differ in prefix only; ids are opaque to both APIs, so they pass unchanged. */
export const CHATCMPL_PREFIX = "chatcmpl-";

/** `msg_…` id for an OpenAI completion id (`chatcmpl-abc` → `msg_abc`). */
export function anthropicMessageId(openaiId: unknown): string {
  if (typeof openaiId !== "string" || openaiId === "") return "msg_gatehouse";
  return `msg_${openaiId.startsWith(CHATCMPL_PREFIX) ? openaiId.slice(CHATCMPL_PREFIX.length) : openaiId}`;
}

/** `chatcmpl-…` id for an Anthropic message id. */
export function openaiCompletionId(anthropicId: unknown): string {
  return (
    CHATCMPL_PREFIX +
    (typeof anthropicId === "string" && anthropicId !== "" ? anthropicId : "gatehouse")
  );
}
