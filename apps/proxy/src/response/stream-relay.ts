import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { createSseSplitter } from "../translate/sse";
import type { ResponseChain } from "../translate/stream/chain";
import { FirstContentTimeoutError, type UpstreamCall } from "../upstream/call";
import type { UpstreamFailure } from "../upstream/errors";

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  // tell buffering reverse proxies (nginx) to pass chunks through
  "x-accel-buffering": "no",
} as const;

/**
 * The most client text held before the first content event. Real streams put a few hundred
 * bytes there (OpenAI's role chunk, Anthropic's message_start and ping, the Responses API's
 * created/in_progress/added events); a stream that sends more without content is committed
 * anyway rather than buffered without end.
 */
export const MAX_HELD_CHARS = 64 * 1024;

export interface StreamRelayInput {
  readonly res: ServerResponse;
  readonly upstream: UpstreamCall;
  readonly chain: ResponseChain;
  readonly status: number;
  /** headers besides the SSE ones (request id, rate-limit headers), read at commit */
  headers(): OutgoingHttpHeaders;
  /** how long the first content event may take from now (the rest of the time-to-first-token
   * limit); null = no limit of its own */
  readonly firstContentMs: number | null;
  /** the response was committed: headers and the held events go out now */
  onCommit(): void;
  /** the first byte went to the client (time to first byte) */
  onFirstByte(): void;
  /** the client ended the request (its connection is gone): no error tail. The gateway's own
   * shutdown deadline is not this: it cuts the upstream call, and the client gets the tail. */
  gone(): boolean;
  /** an upstream failure in our own words (never the provider's address or key) */
  classify(error: unknown): UpstreamFailure;
}

export interface StreamRelayResult {
  /** the response went out (headers written); false = nothing reached the client */
  readonly committed: boolean;
  /** the stream reached the client's answer end cleanly */
  readonly complete: boolean;
  /** why it did not (upstream_error, upstream_timeout, …); null when complete or the client left */
  readonly errorType: string | null;
  /** not committed: what failed, for the attempt loop to move on from */
  readonly failure: UpstreamFailure | null;
  /** the client went away before the end */
  readonly gone: boolean;
  /** a transform of the chain ended the answer (a guardrail block; errorType says which):
   * not the upstream's failure, the upstream was not read further */
  readonly cut: boolean;
}

/**
 * The one writer of streamed answers. It holds the response (writes nothing, not even the
 * headers) until the upstream's first content event, buffering the events before it; a
 * failure until then (an error event, a reset, the end of the stream, the time-to-first-token
 * limit) resolves uncommitted, so the attempt loop can try another deployment without the
 * client seeing anything. At the first content event it commits: status, headers and the held
 * events, then each upstream chunk through the response chain as it arrives, pausing the
 * upstream while the client's socket is full. After the commit an upstream that fails or ends
 * before a complete answer gets the chain's client-format error event, never a clean end; a
 * client that leaves gets nothing more, and the usage seen so far is kept (the chain is closed
 * on every path).
 */
export function relayStream(input: StreamRelayInput): Promise<StreamRelayResult> {
  const { res, upstream, chain } = input;
  let pending = "";
  const splitter = createSseSplitter((event, data) => {
    pending += chain.push(event, data);
  });

  return new Promise<StreamRelayResult>((resolve) => {
    let settled = false;
    let committed = false;
    let firstByte = false;
    let timer: ReturnType<typeof setTimeout> | null = null;
    if (input.firstContentMs !== null) {
      timer = setTimeout(
        () => upstream.timeOut(new FirstContentTimeoutError()),
        Math.max(1, input.firstContentMs),
      );
      timer.unref?.();
    }
    const clearTimer = () => {
      if (timer !== null) {
        clearTimeout(timer);
        timer = null;
      }
    };

    const write = (text: string) => {
      if (text === "" || res.destroyed) return;
      if (!firstByte) {
        firstByte = true;
        input.onFirstByte();
      }
      if (!res.write(text)) {
        upstream.pause();
        res.once("drain", onDrain);
      }
    };
    const onDrain = () => upstream.resume();

    const commit = () => {
      committed = true;
      clearTimer();
      if (!res.destroyed) res.writeHead(input.status, { ...SSE_HEADERS, ...input.headers() });
      input.onCommit();
    };

    const settle = (
      tail: string,
      result: Omit<StreamRelayResult, "committed" | "failure" | "cut">,
      cut = false,
    ) => {
      if (settled) return;
      settled = true;
      clearTimer();
      res.off("drain", onDrain);
      chain.close();
      if (!res.destroyed) {
        write(tail);
        res.end();
      }
      resolve({ ...result, committed: true, failure: null, cut });
    };
    /** before the commit: nothing was written, the attempt failed */
    const fail = (failure: UpstreamFailure) => {
      if (settled) return;
      settled = true;
      clearTimer();
      chain.close();
      upstream.discard();
      pending = "";
      resolve({
        committed: false,
        complete: false,
        errorType: failure.type,
        failure,
        gone: false,
        cut: false,
      });
    };
    const takePending = () => {
      const out = pending;
      pending = "";
      return out;
    };
    /** held until content: commit when it came (or too much came without it) */
    const holdOrCommit = (): boolean => {
      // a transform's cut is the answer too: its error event goes out
      if (chain.contentStarted || chain.cutBy !== null || pending.length > MAX_HELD_CHARS) {
        commit();
        return true;
      }
      if (chain.upstreamError) {
        fail({
          type: "upstream_error",
          message: "The upstream provider reported an error before its answer started.",
        });
      }
      return false;
    };

    upstream.pipe({
      data(chunk) {
        if (settled) return;
        splitter.feed(chunk);
        if (!committed && !holdOrCommit()) return;
        if (pending !== "") write(takePending());
        if (chain.cutBy !== null) {
          // the chain wrote its error event: nothing more is read, the provider stops generating
          upstream.discard();
          settle("", { complete: false, errorType: chain.cutBy, gone: false }, true);
        }
      },
      end() {
        if (settled) return;
        splitter.flush();
        if (!committed && !holdOrCommit()) {
          fail({
            type: "upstream_error",
            message: "The upstream provider ended the stream before its answer started.",
          });
          return;
        }
        const rest = takePending();
        if (chain.completed) {
          settle(rest + chain.end(), { complete: true, errorType: null, gone: false });
        } else {
          settle(
            rest +
              chain.error("The upstream provider ended the stream before the answer was complete."),
            { complete: false, errorType: "upstream_error", gone: false },
          );
        }
      },
      error(error) {
        if (settled) return;
        if (input.gone()) {
          if (committed) settle("", { complete: false, errorType: null, gone: true });
          else {
            settled = true;
            clearTimer();
            chain.close();
            resolve({
              committed: false,
              complete: false,
              errorType: null,
              failure: null,
              gone: true,
              cut: false,
            });
          }
          return;
        }
        const failure = input.classify(error);
        if (!committed) {
          fail(failure);
          return;
        }
        settle(takePending() + chain.error(failure.message), {
          complete: false,
          errorType: failure.type,
          gone: false,
        });
      },
    });
  });
}
