import type { IncomingMessage } from "node:http";
import { GatewayError } from "../errors";
import { drainBody } from "../http/drain";
import type { RequestContext } from "./context";

/** The client went away while we were still reading or waiting; nothing can be answered. */
export class ClientGoneError extends Error {
  override readonly name = "ClientGoneError";
}

/**
 * After a 413, what is still discarded so the answer reaches the client (http/drain.ts): the
 * rest of a body up to this many times the limit. A declared length beyond it is not drained:
 * the connection is closed after the answer instead.
 */
const DRAIN_LIMIT_FACTOR = 4;

function tooLarge(
  ctx: RequestContext,
  limit: number,
  declared: number,
  deadline: number,
): GatewayError {
  const req = ctx.req;
  const drainMax = DRAIN_LIMIT_FACTOR * limit;
  if (declared > drainMax) {
    ctx.closeConnection = true;
    // stop pulling bytes in; Node closes the connection once the answer is written
    req.pause();
  } else {
    drainBody(req, drainMax, deadline - performance.now());
  }
  return new GatewayError(
    "payload_too_large",
    `The request body is larger than this gateway accepts (${limit} bytes).`,
  );
}

function tooSlow(ctx: RequestContext, timeoutMs: number): GatewayError {
  ctx.closeConnection = true;
  // whatever already arrived is discarded, so closing sends FIN, not a reset over the answer
  ctx.req.resume();
  return new GatewayError(
    "request_timeout",
    `The request body did not arrive within ${timeoutMs} ms; send it at once, or ask the operator to raise GATEHOUSE_CLIENT_BODY_TIMEOUT_MS.`,
  );
}

/**
 * Reads the request body into one Buffer, enforcing the size limit and the body deadline: a
 * declared content-length over the limit is refused before a single body byte is kept, a body
 * without one is counted while it arrives and refused as soon as it passes the limit (both
 * 413, the rest discarded so the answer is not lost to a reset), and a body that has not fully
 * arrived by the deadline is answered 408 and its connection closed.
 */
export function readBody(ctx: RequestContext): Promise<void> {
  const req: IncomingMessage = ctx.req;
  const { maxBodyBytes: limit, clientBodyTimeoutMs: timeoutMs } = ctx.services.settings;
  const deadline = performance.now() + timeoutMs;
  const header = req.headers["content-length"];
  const declared = header === undefined ? -1 : Number(header);
  if (declared > limit) {
    return Promise.reject(tooLarge(ctx, limit, declared, deadline));
  }
  return new Promise<void>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        reject(tooLarge(ctx, limit, declared, deadline));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      ctx.rawBody = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
      resolve();
    };
    const onError = () => {
      cleanup();
      reject(new ClientGoneError("the client aborted the request body"));
    };
    const onTimeout = () => {
      cleanup();
      reject(tooSlow(ctx, timeoutMs));
    };
    const timer = setTimeout(onTimeout, timeoutMs);
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    // a client that goes away mid-body may only produce 'close'
    req.on("close", onError);
  });
}
