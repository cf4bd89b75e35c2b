import type { ResponseEvent, ResponseMessage, UsageEvent } from "../events";
import type { TokenUsage } from "../types";

/** Receives the typed events a parser reads out of an upstream stream. */
export type EventSink = (event: ResponseEvent) => void;

/**
 * Reads one upstream stream format into typed events. Usage is the parser's to know (each
 * format reports it differently; without a report it estimates from the deltas it saw).
 */
export interface StreamParser {
  /** One upstream SSE event (`event:` name if any, raw `data:` text). */
  push(event: string | undefined, data: string, emit: EventSink): void;
  /** Usage seen so far: reported, else estimated from the content deltas. */
  usage(): TokenUsage;
  /** The same, as the event a chain sends on before the stream's end. */
  finalUsage(): UsageEvent;
  /** True once the upstream signalled a complete answer. */
  readonly completed: boolean;
}

/** Writes typed events in one client stream format. */
export interface StreamSerialiser {
  /** The client text for one event ("" when it has none). */
  write(event: ResponseEvent): string;
  /** The upstream ended cleanly: the closing text, if the answer still needs one. */
  end(): string;
  /** The stream failed: a client-format error event (never a clean-looking end). */
  error(message: string): string;
}

/**
 * One step of the response chain between the upstream and the client (guardrails' answer
 * guard, usage accounting, payload capture; next: a cache tee). Composed in order; each sees
 * what the previous one passed on.
 */
export interface ResponseTransform {
  /** It must see the answer's content as typed events: with such a transform a same-format
   * stream goes through the editing chain (content deltas typed, every other event as it
   * came), never the plain pass-through. */
  readonly needsContent: boolean;
  /** A streamed event: pass it on with `next` (zero, one or several times). */
  event?(event: ResponseEvent, next: EventSink): void;
  /** An upstream event is about to go out untouched (editing chain): pass on, with `next`,
   * what is held back, so it goes out before it. */
  flush?(next: EventSink): void;
  /** The stream is over (cleanly, failed, or the client left): release anything held. */
  end?(next: EventSink): void;
  /** A complete (non-streamed, translated or content-needing) answer: return it, maybe changed. */
  message?(message: ResponseMessage): ResponseMessage;
  /** The client text written for the answer (streams and JSON alike), in order. */
  output?(text: string | Buffer): void;
}
