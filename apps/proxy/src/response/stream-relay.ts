import type { OutgoingHttpHeaders, ServerResponse } from "node:http";
import { createSseSplitter } from "../translate/sse";
import type { ResponseChain } from "../translate/stream/chain";
import type { UpstreamCall } from "../upstream/call";
import type { UpstreamFailure } from "../upstream/errors";

export const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  // tell buffering reverse proxies (nginx) to pass chunks through
  "x-accel-buffering": "no",
} as const;

export interface StreamRelayInput {
  readonly res: ServerResponse;
  readonly upstream: UpstreamCall;
  readonly chain: ResponseChain;
  readonly status: number;
  /** headers besides the SSE ones (request id, rate-limit headers) */
  readonly headers: OutgoingHttpHeaders;
  /** the first byte went to the client (time to first byte) */
  onFirstByte(): void;
  /** the client (or the gateway's own shutdown) ended the request: don't write an error tail */
  gone(): boolean;
  /** an upstream failure in our own words (never the provider's address or key) */
  classify(error: unknown): UpstreamFailure;
}

export interface StreamRelayResult {
  /** the stream reached the client's answer end cleanly */
  readonly complete: boolean;
  /** why it did not (upstream_error, upstream_timeout, …); null when complete or the client left */
  readonly errorType: string | null;
  /** the client went away before the end */
  readonly gone: boolean;
}

/**
 * The one writer of streamed answers. It commits (writes the status and headers) when the
 * relay starts, then forwards each upstream chunk through the response chain as it arrives,
 * pausing the upstream while the client's socket is full. An upstream that fails or ends
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
  res.writeHead(input.status, { ...SSE_HEADERS, ...input.headers });

  return new Promise<StreamRelayResult>((resolve) => {
    let settled = false;
    let firstByte = false;

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

    const settle = (tail: string, result: StreamRelayResult) => {
      if (settled) return;
      settled = true;
      res.off("drain", onDrain);
      chain.close();
      if (!res.destroyed) {
        write(tail);
        res.end();
      }
      resolve(result);
    };
    const takePending = () => {
      const out = pending;
      pending = "";
      return out;
    };

    upstream.pipe({
      data(chunk) {
        if (settled) return;
        splitter.feed(chunk);
        if (pending !== "") write(takePending());
      },
      end() {
        splitter.flush();
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
        if (input.gone()) {
          settle("", { complete: false, errorType: null, gone: true });
          return;
        }
        const failure = input.classify(error);
        settle(takePending() + chain.error(failure.message), {
          complete: false,
          errorType: failure.type,
          gone: false,
        });
      },
    });
  });
}
