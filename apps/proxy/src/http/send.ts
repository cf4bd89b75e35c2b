import type { OutgoingHttpHeaders } from "node:http";
import { errorBody, type GatewayError } from "../errors";
import type { RequestContext } from "../pipeline/context";

export const JSON_TYPE = "application/json";

/** Marks the time to first byte (once). */
export function markFirstByte(ctx: RequestContext): void {
  if (ctx.ttfbMs === null) ctx.ttfbMs = performance.now() - ctx.t0;
}

/**
 * Writes a complete response with its x-request-id. Headers go in one object to writeHead:
 * mixing in res.setHeader() would push Node onto its slower header-merging path.
 */
export function sendBody(
  ctx: RequestContext,
  status: number,
  contentType: string,
  body: string | Buffer,
  extraHeaders?: Readonly<Record<string, string>> | null,
): void {
  const res = ctx.res;
  if (res.headersSent || res.destroyed) return;
  ctx.status = status;
  markFirstByte(ctx);
  const headers: OutgoingHttpHeaders = {
    "content-type": contentType,
    "content-length": typeof body === "string" ? Buffer.byteLength(body) : body.length,
    "x-request-id": ctx.requestId,
  };
  if (ctx.limitHeaders !== null) Object.assign(headers, ctx.limitHeaders);
  if (extraHeaders) Object.assign(headers, extraHeaders);
  if (ctx.closeConnection) headers.connection = "close";
  res.writeHead(status, headers);
  res.end(body);
}

/** The one place a GatewayError becomes a response, in the client's wire format. */
export function sendError(ctx: RequestContext, error: GatewayError): void {
  ctx.status = error.status;
  ctx.errorType = error.type;
  sendBody(
    ctx,
    error.status,
    JSON_TYPE,
    errorBody(ctx.clientFormat, error.type, error.message, error.param),
    error.headers,
  );
}
