/** Client-format error events written when an upstream fails mid-stream. */

export const STREAM_ERROR_CODE = "upstream_stream_error";

/** OpenAI clients: the SDKs throw on a data chunk carrying `error`. No [DONE] follows it. */
export function openaiErrorEvent(
  message: string,
  type = "api_error",
  code: string = STREAM_ERROR_CODE,
): string {
  return `data: ${JSON.stringify({ error: { message, type, code } })}\n\n`;
}

/** Anthropic clients: an `error` event, as Anthropic sends for e.g. overloaded_error mid-stream. */
export function anthropicErrorEvent(message: string, type = "api_error"): string {
  return `event: error\ndata: ${JSON.stringify({ type: "error", error: { type, message } })}\n\n`;
}

/** Responses API clients: Responses' own `error` event, plus the `error` object the OpenAI SDK
 * throws on. */
export function responsesErrorEvent(message: string): string {
  const error = { message, type: "api_error", code: STREAM_ERROR_CODE };
  return `event: error\ndata: ${JSON.stringify({ type: "error", code: STREAM_ERROR_CODE, message, param: null, error })}\n\n`;
}
