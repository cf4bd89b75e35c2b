import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from "node:http";
import { parseDirectives, type Fault } from "./faults";

export interface ResolvedOptions {
  latencyMs: number;
  chunkDelayMs: number;
  apiKey: string | undefined;
  completionTokens: number;
}

/** A complete JSON answer (success or error). */
export interface JsonReply {
  kind: "json";
  status: number;
  body: string;
  headers?: OutgoingHttpHeaders;
}

/**
 * A server-sent-event answer, already framed: `head` goes out with the first token,
 * each of `tokens` is one chunk carrying one output token, `tail` ends the stream.
 */
export interface StreamReply {
  kind: "sse";
  head: string;
  tokens: string[];
  tail: string;
  /** the in-stream error event after `sent` token chunks, when it differs from the dialect's */
  error?: (sent: number) => string;
}

export type Reply = JsonReply | StreamReply;

export interface ErrorDetails {
  type?: string;
  param?: string | null;
  code?: string | null;
}

/** What differs between the OpenAI and the Anthropic wire formats outside the endpoints. */
export interface Dialect {
  readonly name: "openai" | "anthropic";
  newRequestId(): string;
  /** the headers every answer carries (request id, rate-limit headers, ...) */
  headers(x: Exchange, contentType: string): OutgoingHttpHeaders;
  error(x: Exchange, status: number, message?: string, details?: ErrorDetails): JsonReply;
  /** the answer for a fault's `status` (429 carries retry-after and rate-limit headers) */
  faultError(x: Exchange, status: number, retryAfter: number | undefined): JsonReply;
  /** an error event sent inside a stream, after which the stream ends */
  streamError(): string;
}

/** One request being answered. */
export interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly startedAt: number;
  readonly requestId: string;
  readonly dialect: Dialect;
  readonly options: ResolvedOptions;
  readonly body: unknown;
  /** the fault that applies: the queued one, overridden field by field by message directives */
  fault: Fault | undefined;
}

export type Endpoint = (x: Exchange) => Reply;

/**
 * Merges the `[[fake:...]]` directives found in the user's text into the exchange's fault
 * and returns the result. Throws FaultError on a bad directive.
 */
export function applyDirectives(x: Exchange, userText: string): Fault | undefined {
  const directed = parseDirectives(userText);
  if (directed) x.fault = { ...x.fault, ...directed };
  return x.fault;
}
