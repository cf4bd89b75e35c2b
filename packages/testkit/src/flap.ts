import type { ServerResponse } from "node:http";
import { FaultError } from "./faults";

/**
 * A flapping upstream: time is cut into windows of `periodMs` counted from `since`; the first
 * window fails, the next one answers normally, and so on. Unlike a queued fault it depends on
 * the clock, not on how many requests came, so a soak at any rate sees the same outage
 * pattern, and a client that knows `since` can tell which window a request fell into.
 */
export interface FlapOptions {
  /** length of one window in ms; failing and healthy windows alternate */
  periodMs: number;
  /** "status" (default): an error answer in the API's format; "reset": the connection is
   * destroyed before any response byte (a reset before headers, JSON and streams alike) */
  mode?: "status" | "reset";
  /** the status of a failing answer in "status" mode; default 503 */
  status?: number;
  /** epoch ms at which the first (failing) window starts; default: when flapping is set.
   * Requests before it are answered normally. */
  since?: number;
}

export interface FlapState {
  periodMs: number;
  mode: "status" | "reset";
  status: number;
  since: number;
  /** whether a request arriving now is in a failing window */
  failing: boolean;
  /** API requests failed by the flap since it was set */
  failed: number;
}

/** What a request gets from the flap: nothing, an error status, or a reset. */
export type FlapOutcome = undefined | "reset" | { status: number };

const FLAP_FIELDS = new Set(["periodMs", "mode", "status", "since"]);

/** Checks flap options given by a test, over HTTP or from the environment. */
export function parseFlap(input: unknown): FlapOptions {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new FaultError("flap options must be a JSON object");
  }
  for (const key of Object.keys(input)) {
    if (!FLAP_FIELDS.has(key)) throw new FaultError(`unknown flap field '${key}'`);
  }
  const { periodMs, mode, status, since } = input as Record<string, unknown>;
  if (typeof periodMs !== "number" || !Number.isInteger(periodMs) || periodMs < 1) {
    throw new FaultError("flap field 'periodMs' must be an integer >= 1");
  }
  if (mode !== undefined && mode !== "status" && mode !== "reset") {
    throw new FaultError('flap field \'mode\' must be "status" or "reset"');
  }
  if (
    status !== undefined &&
    (typeof status !== "number" || !Number.isInteger(status) || status < 400 || status > 599)
  ) {
    throw new FaultError("flap field 'status' must be an HTTP error status (400-599)");
  }
  if (since !== undefined && (typeof since !== "number" || !Number.isFinite(since))) {
    throw new FaultError("flap field 'since' must be epoch milliseconds");
  }
  return input as FlapOptions;
}

/** Whether `at` falls into a failing window of a flap of `periodMs` that started at `since`. */
export function inFailingWindow(at: number, since: number, periodMs: number): boolean {
  if (at < since) return false;
  return Math.floor((at - since) / periodMs) % 2 === 0;
}

/** The flap of one fake provider instance: off until set. */
export class Flapping {
  #options: Required<FlapOptions> | null = null;
  #failed = 0;

  /** starts flapping (replacing any earlier flap), or stops it with null */
  set(options: FlapOptions | null, now: number = Date.now()): void {
    this.#failed = 0;
    if (options === null) {
      this.#options = null;
      return;
    }
    const { periodMs, mode = "status", status = 503, since = now } = parseFlap(options);
    this.#options = { periodMs, mode, status, since };
  }

  /** what a request arriving at `at` gets; counts it when it fails */
  take(at: number = Date.now()): FlapOutcome {
    const flap = this.#options;
    if (!flap || !inFailingWindow(at, flap.since, flap.periodMs)) return undefined;
    this.#failed += 1;
    return flap.mode === "reset" ? "reset" : { status: flap.status };
  }

  state(now: number = Date.now()): FlapState | null {
    const flap = this.#options;
    if (!flap) return null;
    return {
      ...flap,
      failing: inFailingWindow(now, flap.since, flap.periodMs),
      failed: this.#failed,
    };
  }
}

/**
 * `GET /_fake/flap` (the state, or null) and `POST /_fake/flap` (flap options, or null to
 * stop). Returns false when the path is not this one's.
 */
export function flapControl(
  method: string,
  path: string,
  raw: Buffer,
  res: ServerResponse,
  flapping: Flapping,
): boolean {
  if (path !== "/_fake/flap") return false;
  const send = (status: number, value: unknown): void => {
    const body = JSON.stringify(value);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  };
  if (method === "GET") {
    send(200, flapping.state());
    return true;
  }
  if (method !== "POST") {
    send(405, { error: "GET or POST /_fake/flap" });
    return true;
  }
  try {
    const input: unknown = JSON.parse(raw.toString("utf8"));
    flapping.set(input === null ? null : parseFlap(input));
    send(200, flapping.state());
  } catch (error) {
    send(400, {
      error: error instanceof FaultError ? error.message : "the body must be flap options or null",
    });
  }
  return true;
}
