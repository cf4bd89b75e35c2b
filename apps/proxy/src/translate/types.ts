import type { TokenUsage, WireFormat } from "@gatehouse/shared";

// TokenUsage is the cost arithmetic's own type (every prompt token in inputTokens; cache reads,
// 5-minute and 1-hour cache writes as subsets of it; reasoning as a subset of outputTokens), so
// what the translators read is what gets priced.

/**
 * Turns an upstream SSE stream into the client's SSE stream, one upstream event at a time.
 * Used both for translation (anthropic → openai, openai → anthropic) and for same-format
 * pass-through where only usage needs watching (and, for OpenAI, the usage-only chunk may
 * need hiding from a client that did not ask for it).
 */
export interface StreamTranslator {
  /** One upstream SSE event (`event:` name if any, raw `data:` text). Returns the SSE text to
   * write to the client for it; "" when nothing is to be written. */
  push(event: string | undefined, data: string): string;
  /** The upstream ended cleanly; returns the closing text (e.g. `data: [DONE]\n\n`). */
  end(): string;
  /** Client-format error event to write when the upstream fails mid-stream. */
  error(message: string): string;
  /** Usage seen so far (from usage events, else estimated from the deltas forwarded). */
  usage(): TokenUsage;
  /** True once the upstream signalled a complete answer (OpenAI finish_reason / [DONE],
   * Anthropic message_stop). A stream that ends without it ended abnormally. */
  readonly completed: boolean;
  /** True once the upstream sent the answer's first content: a text, tool-call or reasoning
   * delta, a finish, or the answer's end. The stream relay holds everything before it, so a
   * failure until then can still move on to another deployment invisibly. */
  readonly contentStarted: boolean;
  /** True once the upstream sent an error event of its own (before content: a failed attempt). */
  readonly upstreamError: boolean;
}

export interface StreamTranslatorOptions {
  /** the model name to show the client (the alias it asked for) */
  clientModel: string;
  /** OpenAI clients: whether the client itself asked for stream_options.include_usage */
  clientWantsUsage: boolean;
}

export type { TokenUsage, WireFormat };
