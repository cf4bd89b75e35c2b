import type { TokenUsage } from "./types";

/**
 * The response chain's vocabulary: every upstream answer is parsed once into these, whatever
 * its wire format, so a transform (usage accounting, PII restore, a cache tee) is written once
 * and works for every pair of client and upstream formats. Serialisers turn them back into the
 * client's format.
 *
 * Text travels as a JSON string literal (`json`, quotes included) because that is how it
 * arrives and how it leaves: a serialiser splices it into its own JSON without a parse and a
 * stringify per delta. A transform that needs the text calls `deltaText(event)`.
 */

/** Why the model stopped, in the chat-completions words both formats map onto. */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

export interface MessageStartEvent {
  readonly type: "message_start";
  /** the upstream's message/completion id (null when it sent none) */
  readonly id: string | null;
}
export interface TextDeltaEvent {
  readonly type: "text_delta";
  /** the text fragment as a JSON string literal */
  readonly json: string;
}
export interface ToolCallStartEvent {
  readonly type: "tool_call_start";
  /** the tool call's position among this answer's tool calls (0, 1, …) */
  readonly index: number;
  readonly id: string;
  readonly name: string;
}
export interface ToolCallDeltaEvent {
  readonly type: "tool_call_delta";
  readonly index: number;
  /** an arguments fragment as a JSON string literal */
  readonly json: string;
}
export interface UsageEvent {
  readonly type: "usage";
  readonly usage: TokenUsage;
  /** true when the upstream reported nothing and the counts are estimated from the deltas */
  readonly estimated?: boolean;
}
export interface FinishEvent {
  readonly type: "finish";
  readonly reason: FinishReason;
}
/** The upstream signalled a complete answer ([DONE], message_stop). */
export interface DoneEvent {
  readonly type: "done";
}
/** An error the upstream sent inside its stream. */
export interface ErrorEvent {
  readonly type: "error";
  readonly message: string;
  /** the provider's error type (e.g. overloaded_error), or "api_error" */
  readonly errorType: string;
}

export type ResponseEvent =
  | MessageStartEvent
  | TextDeltaEvent
  | ToolCallStartEvent
  | ToolCallDeltaEvent
  | UsageEvent
  | FinishEvent
  | DoneEvent
  | ErrorEvent;

export const DONE: DoneEvent = Object.freeze({ type: "done" });

/** The text of a text or tool-call delta. */
export function deltaText(event: TextDeltaEvent | ToolCallDeltaEvent): string {
  return JSON.parse(event.json) as string;
}

export function textDelta(text: string): TextDeltaEvent {
  return { type: "text_delta", json: JSON.stringify(text) };
}

/** A complete (non-streamed) answer, whatever format it came in. */
export interface ResponseMessage {
  /** the upstream's id, null when it sent none */
  readonly id: string | null;
  readonly content: readonly ResponseContentBlock[];
  readonly finishReason: FinishReason;
  readonly usage: TokenUsage | null;
}

export type ResponseContentBlock =
  | { readonly type: "text"; readonly text: string }
  /** OpenAI's `message.refusal`: kept apart from text so an OpenAI client still sees a
   * refusal (SDK parse helpers rely on it); Anthropic has no such field and gets it as text. */
  | { readonly type: "refusal"; readonly text: string }
  | {
      readonly type: "tool_call";
      readonly id: string;
      readonly name: string;
      /** the arguments as a JSON text (OpenAI's `arguments`, Anthropic's `input` stringified) */
      readonly arguments: string;
    };
