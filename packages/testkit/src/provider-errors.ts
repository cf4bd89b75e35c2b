import { anthropicDialect } from "./anthropic/dialect";
import type { Exchange, JsonReply } from "./exchange";

/** The context window the fake pretends its models have (the real ones' common size). */
const CONTEXT_TOKENS = 128_000;
const ANTHROPIC_CONTEXT_TOKENS = 200_000;

/**
 * The error each provider really sends for a prompt longer than the model's context window:
 * OpenAI 400 `invalid_request_error` with `code: "context_length_exceeded"` and
 * `param: "messages"`; Anthropic 400 `invalid_request_error` "prompt is too long: N tokens > M
 * maximum". The counts are made up (the fake has no context window of its own).
 */
export function contextWindowError(x: Exchange): JsonReply {
  if (x.dialect === anthropicDialect) {
    return x.dialect.error(
      x,
      400,
      `prompt is too long: ${ANTHROPIC_CONTEXT_TOKENS + 8_310} tokens > ${ANTHROPIC_CONTEXT_TOKENS} maximum`,
      { type: "invalid_request_error" },
    );
  }
  return x.dialect.error(
    x,
    400,
    `This model's maximum context length is ${CONTEXT_TOKENS} tokens. However, your messages resulted in ${CONTEXT_TOKENS + 2_532} tokens. Please reduce the length of the messages.`,
    { type: "invalid_request_error", param: "messages", code: "context_length_exceeded" },
  );
}

/**
 * OpenAI's refusal of a prompt its safety system flagged (reasoning models on chat
 * completions and the Responses API). Anthropic has no such error: it answers, with
 * `stop_reason: "refusal"`; asking the fake for one is a 400 naming that.
 */
export function contentPolicyError(x: Exchange): JsonReply {
  if (x.dialect === anthropicDialect) {
    return x.dialect.error(
      x,
      400,
      "fake provider: content_policy is an OpenAI error; Anthropic answers with stop_reason 'refusal' instead",
      { type: "invalid_request_error" },
    );
  }
  return x.dialect.error(
    x,
    400,
    "Invalid prompt: your prompt was flagged as potentially violating our usage policy. Please try again with a different prompt.",
    { type: "invalid_request_error", param: null, code: "invalid_prompt" },
  );
}
