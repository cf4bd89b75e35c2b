import { EventEmitter } from "node:events";

/**
 * What undici accepts as a `signal`: anything with `aborted` and an `abort` event. An
 * EventEmitter costs a fraction of an AbortController (whose lazily built AbortSignal is an
 * EventTarget, measurably expensive per request on Node 20).
 */
export class UpstreamAbort extends EventEmitter {
  aborted = false;
  abort(): void {
    if (this.aborted) return;
    this.aborted = true;
    this.emit("abort");
  }
}
