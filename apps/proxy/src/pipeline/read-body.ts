import { GatewayError } from "../errors";
import type { RequestContext } from "./context";

/** The client went away while we were still reading or waiting; nothing can be answered. */
export class ClientGoneError extends Error {
  override readonly name = "ClientGoneError";
}

function tooLarge(ctx: RequestContext, limit: number): GatewayError {
  // the rest of the body stays unread, so the connection cannot be reused
  ctx.closeConnection = true;
  return new GatewayError(
    "payload_too_large",
    `The request body is larger than this gateway accepts (${limit} bytes).`,
  );
}

/**
 * Reads the request body into one Buffer, enforcing the size limit: a declared
 * content-length over it is refused before a single body byte is read, and a body without
 * one is counted while it arrives and abandoned as soon as it passes the limit.
 */
export function readBody(ctx: RequestContext): Promise<void> {
  const req = ctx.req;
  const limit = ctx.services.settings.maxBodyBytes;
  const declared = req.headers["content-length"];
  if (declared !== undefined && Number(declared) > limit) {
    return Promise.reject(tooLarge(ctx, limit));
  }
  return new Promise<void>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const cleanup = () => {
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("close", onError);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        cleanup();
        req.pause();
        reject(tooLarge(ctx, limit));
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
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    // a client that goes away mid-body may only produce 'close'
    req.on("close", onError);
  });
}
