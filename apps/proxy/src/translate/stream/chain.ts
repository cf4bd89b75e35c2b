import type { ResponseEvent } from "../events";
import type { StreamTranslator, TokenUsage } from "../types";
import type { EventSink, ResponseTransform, StreamParser, StreamSerialiser } from "./chain-types";

/**
 * A response chain as the relay drives it: upstream SSE events in, client SSE text out. Two
 * shapes behind one interface:
 *  - TranslatingChain: parser → transforms → serialiser, for a translated stream or a
 *    transform that needs the content;
 *  - PassthroughChain: the upstream's events go out as they came; a sniffer reads only
 *    usage and completion, and transforms see only the final usage and the output text.
 * `close()` ends the chain once, whatever ended the stream: the final usage event goes
 * through the transforms, and they release what they hold.
 */
export interface ResponseChain extends StreamTranslator {
  close(): void;
}

/** The events that start an answer's content (the relay's commit point). */
const CONTENT_EVENTS: ReadonlySet<ResponseEvent["type"]> = new Set<ResponseEvent["type"]>([
  "text_delta",
  "tool_call_start",
  "tool_call_delta",
  "finish",
  "done",
]);

abstract class ChainBase {
  protected out = "";
  private closed = false;
  protected readonly emit: EventSink;

  constructor(
    protected readonly transforms: readonly ResponseTransform[],
    last: EventSink,
  ) {
    let next = last;
    for (let i = transforms.length - 1; i >= 0; i--) {
      const transform = transforms[i]!;
      if (transform.event === undefined) continue;
      const after = next;
      next = (event) => transform.event!(event, after);
    }
    this.emit = next;
  }

  protected abstract finalUsage(): ResponseEvent;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.emit(this.finalUsage());
    for (let i = 0; i < this.transforms.length; i++) {
      const transform = this.transforms[i]!;
      if (transform.end === undefined) continue;
      // what a transform releases goes through the transforms after it
      const rest = this.transforms.slice(i + 1);
      transform.end((event) => this.emitFrom(rest, event));
    }
  }

  /** Text leaving the chain; every transform with an output hook sees it. */
  protected take(extra: string): string {
    const text = this.out + extra;
    this.out = "";
    if (text !== "") for (const t of this.transforms) t.output?.(text);
    return text;
  }

  protected abstract emitFrom(transforms: readonly ResponseTransform[], event: ResponseEvent): void;
}

export class TranslatingChain extends ChainBase implements ResponseChain {
  contentStarted = false;
  upstreamError = false;
  /** sees the parser's events before the transforms, for the relay's commit point */
  private readonly observe: EventSink;

  constructor(
    private readonly parser: StreamParser,
    transforms: readonly ResponseTransform[],
    private readonly serialiser: StreamSerialiser,
  ) {
    super(transforms, (event) => {
      this.out += serialiser.write(event);
    });
    this.observe = (event) => {
      if (!this.contentStarted && CONTENT_EVENTS.has(event.type)) this.contentStarted = true;
      else if (event.type === "error") this.upstreamError = true;
      this.emit(event);
    };
  }

  get completed(): boolean {
    return this.parser.completed;
  }

  push(event: string | undefined, data: string): string {
    this.parser.push(event, data, this.observe);
    return this.take("");
  }

  end(): string {
    this.close();
    return this.take(this.serialiser.end());
  }

  error(message: string): string {
    this.close();
    return this.take(this.serialiser.error(message));
  }

  usage(): TokenUsage {
    return this.parser.usage();
  }

  protected finalUsage(): ResponseEvent {
    return this.parser.finalUsage();
  }

  protected emitFrom(transforms: readonly ResponseTransform[], event: ResponseEvent): void {
    let next: EventSink = (e) => {
      this.out += this.serialiser.write(e);
    };
    for (let i = transforms.length - 1; i >= 0; i--) {
      const t = transforms[i]!;
      if (t.event === undefined) continue;
      const after = next;
      next = (e) => t.event!(e, after);
    }
    next(event);
  }
}

export class PassthroughChain extends ChainBase implements ResponseChain {
  constructor(
    private readonly sniffer: StreamTranslator,
    transforms: readonly ResponseTransform[],
  ) {
    // nothing typed reaches a serialiser here: the sniffer's own text is the output
    super(transforms, () => undefined);
  }

  get completed(): boolean {
    return this.sniffer.completed;
  }

  get contentStarted(): boolean {
    return this.sniffer.contentStarted;
  }

  get upstreamError(): boolean {
    return this.sniffer.upstreamError;
  }

  push(event: string | undefined, data: string): string {
    return this.take(this.sniffer.push(event, data));
  }

  end(): string {
    this.close();
    return this.take(this.sniffer.end());
  }

  error(message: string): string {
    this.close();
    return this.take(this.sniffer.error(message));
  }

  usage(): TokenUsage {
    return this.sniffer.usage();
  }

  protected finalUsage(): ResponseEvent {
    return { type: "usage", usage: this.sniffer.usage() };
  }

  protected emitFrom(): void {}
}
