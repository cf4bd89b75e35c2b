import type { ResponseEvent } from "../events";
import type { StreamTranslator, TokenUsage } from "../types";
import type { EventSink, ResponseTransform, StreamParser, StreamSerialiser } from "./chain-types";
import type { DeltaEditor } from "./delta-editors";

/**
 * A response chain as the relay drives it: upstream SSE events in, client SSE text out. Three
 * shapes behind one interface:
 *  - TranslatingChain: parser → transforms → serialiser, for a translated stream;
 *  - EditingChain: the formats match but a transform needs the content (guardrails): the
 *    upstream's events go out as they came, except the content deltas, which the transforms
 *    see typed and which go out as they made them, in the upstream's own shape;
 *  - PassthroughChain: the upstream's events go out as they came; a sniffer reads only
 *    usage and completion, and transforms see only the final usage and the output text.
 * `close()` ends the chain once, whatever ended the stream: the final usage event goes
 * through the transforms, and they release what they hold.
 */
export interface ResponseChain extends StreamTranslator {
  close(): void;
  /** A transform ended the answer with an error event of its own (a guardrail block): its
   * error type. The relay stops reading the upstream; nothing more goes out. */
  readonly cutBy: string | null;
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
  cutBy: string | null = null;
  protected out = "";
  private closed = false;
  protected readonly emit: EventSink;
  /** the error event the parser read from the upstream: any other reaching the end of the
   * chain is a transform's own */
  protected upstreamErrorEvent: ResponseEvent | null = null;

  constructor(
    protected readonly transforms: readonly ResponseTransform[],
    last: EventSink,
  ) {
    this.emit = compose(transforms, last);
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

  /** An upstream event is about to go out as it came: what the transforms hold goes first. */
  protected flushTransforms(): void {
    for (let i = 0; i < this.transforms.length; i++) {
      const transform = this.transforms[i]!;
      if (transform.flush === undefined) continue;
      const rest = this.transforms.slice(i + 1);
      transform.flush((event) => this.emitFrom(rest, event));
    }
  }

  /** An error event at the end of the chain that the upstream did not send: the answer is cut. */
  protected cutting(event: ResponseEvent): boolean {
    if (event.type !== "error" || event === this.upstreamErrorEvent) return false;
    this.cutBy ??= event.errorType;
    return true;
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
    super(transforms, (event) => this.write(event));
    this.observe = (event) => {
      if (!this.contentStarted && CONTENT_EVENTS.has(event.type)) this.contentStarted = true;
      else if (event.type === "error") {
        this.upstreamError = true;
        this.upstreamErrorEvent = event;
      }
      this.emit(event);
    };
  }

  private write(event: ResponseEvent): void {
    if (this.cutBy !== null) return;
    this.cutting(event);
    this.out += this.serialiser.write(event);
  }

  get completed(): boolean {
    return this.parser.completed;
  }

  push(event: string | undefined, data: string): string {
    if (this.cutBy !== null) return "";
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
    pipeThrough(transforms, (e) => this.write(e), event);
  }
}

/** A sink that passes each event through `transforms` in order, then into `last`. */
function compose(transforms: readonly ResponseTransform[], last: EventSink): EventSink {
  let next = last;
  for (let i = transforms.length - 1; i >= 0; i--) {
    const transform = transforms[i]!;
    if (transform.event === undefined) continue;
    const after = next;
    next = (event) => transform.event!(event, after);
  }
  return next;
}

/** `event` through `transforms` in order, then into `last` (what a transform releases late). */
function pipeThrough(
  transforms: readonly ResponseTransform[],
  last: EventSink,
  event: ResponseEvent,
): void {
  compose(transforms, last)(event);
}

/**
 * The chains whose usage, completion and end come from a sniffer of the upstream's own
 * format (its bytes go out as they came): the pass-through, and the editing chain.
 */
abstract class SniffedChain extends ChainBase {
  constructor(
    protected readonly sniffer: StreamTranslator,
    transforms: readonly ResponseTransform[],
    last: EventSink,
  ) {
    super(transforms, last);
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

  end(): string {
    this.close();
    return this.take(this.cutBy === null ? this.sniffer.end() : "");
  }

  error(message: string): string {
    this.close();
    return this.take(this.cutBy === null ? this.sniffer.error(message) : "");
  }

  usage(): TokenUsage {
    return this.sniffer.usage();
  }

  protected finalUsage(): ResponseEvent {
    return { type: "usage", usage: this.sniffer.usage() };
  }
}

/**
 * Same format both sides, with a transform that needs the content (guardrails: restore
 * placeholders, scan the answer). Every upstream event is read by the format's parser; a pure
 * content delta is replaced by what the transforms make of it (the editor writes it in the
 * upstream's shape: dropped while held back, changed when restored or masked), and every other
 * event goes out byte for byte — thinking and signature deltas, citations, server-tool
 * blocks, pings, the role and finish chunks — after the transforms released what they hold
 * (so held text lands in its block, before the block's stop). An event that carries content
 * besides something else goes out without it, its content as deltas. Usage and completion are
 * the sniffer's, as in the pass-through.
 */
export class EditingChain extends SniffedChain implements ResponseChain {
  private readonly typed: ResponseEvent[] = [];
  private readonly collect: EventSink = (event) => {
    this.typed.push(event);
  };
  /** while a pure delta event goes through: how many of its own events came out unchanged
   * (-1: something else came out) */
  private echoed = -1;

  constructor(
    sniffer: StreamTranslator,
    private readonly parser: StreamParser,
    private readonly editor: DeltaEditor,
    transforms: readonly ResponseTransform[],
  ) {
    super(sniffer, transforms, (event) => this.write(event));
  }

  push(event: string | undefined, data: string): string {
    const raw = this.sniffer.push(event, data);
    if (this.cutBy !== null) return "";
    this.editor.observe(event, data);
    const typed = this.typed;
    typed.length = 0;
    this.parser.push(event, data, this.collect);
    if (this.editor.replaceable(event, data, typed)) {
      this.echoed = 0;
      for (const e of typed) this.emit(e);
      // the transforms passed every delta on as it was: the upstream's own bytes go out
      if (this.echoed === typed.length && this.cutBy === null) this.out = raw;
      this.echoed = -1;
      return this.take("");
    }
    this.flushTransforms();
    let content = false;
    for (const e of typed) {
      if (e.type === "text_delta" || e.type === "tool_call_delta") content = true;
      else if (e.type === "error") this.upstreamErrorEvent = e;
    }
    if (!content) {
      if (this.cutBy === null) this.out += raw;
      for (const e of typed) this.emit(e);
      return this.take("");
    }
    const rest = this.editor.withoutContent(event, data);
    if (rest.first && this.cutBy === null) this.out += rest.text;
    for (const e of typed) this.emit(e);
    if (!rest.first && this.cutBy === null) this.out += rest.text;
    return this.take("");
  }

  protected emitFrom(transforms: readonly ResponseTransform[], event: ResponseEvent): void {
    pipeThrough(transforms, (e) => this.write(e), event);
  }

  /** The end of the chain: changed deltas in the upstream's shape, a transform's cut as the
   * format's error event; everything else is in the upstream's own event. */
  private write(event: ResponseEvent): void {
    if (this.cutBy !== null) return;
    if (event.type === "text_delta" || event.type === "tool_call_delta") {
      if (this.echoed >= 0) {
        this.echoed = event === this.typed[this.echoed] ? this.echoed + 1 : -Infinity;
      }
      this.out += this.editor.delta(event);
    } else if (event.type === "error" && this.cutting(event)) {
      this.out += this.sniffer.error(event.message);
    }
  }
}

export class PassthroughChain extends SniffedChain implements ResponseChain {
  constructor(sniffer: StreamTranslator, transforms: readonly ResponseTransform[]) {
    // nothing typed reaches a serialiser here: the sniffer's own text is the output
    super(sniffer, transforms, () => undefined);
  }

  push(event: string | undefined, data: string): string {
    return this.take(this.sniffer.push(event, data));
  }

  protected emitFrom(): void {}
}
