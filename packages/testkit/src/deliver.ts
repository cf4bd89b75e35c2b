import type { Exchange, JsonReply, Reply, StreamReply } from "./exchange";
import { contentPolicyError, contextWindowError } from "./provider-errors";

const SSE_CONTENT_TYPE = "text/event-stream; charset=utf-8";

/**
 * Sends a reply with the exchange's fault applied: `hang` never answers, `status` replaces the
 * reply with an error, the latency delays the first byte, `disconnectAfter` / `errorAfter`
 * break a stream after that many token chunks, `stallAfter` stops sending (connection open).
 */
export function deliver(x: Exchange, reply: Reply): void {
  const fault = x.fault;
  if (fault?.hang) return;
  if (fault?.reset) {
    x.res.destroy();
    return;
  }
  if (fault?.contextWindow) reply = contextWindowError(x);
  else if (fault?.contentPolicy) reply = contentPolicyError(x);
  else if (fault?.status !== undefined)
    reply = x.dialect.faultError(x, fault.status, fault.retryAfter);
  const latency = fault?.latencyMs ?? x.options.latencyMs;
  later(x, latency, () => (reply.kind === "json" ? sendJson(x, reply) : sendStream(x, reply)));
}

function sendJson(x: Exchange, reply: JsonReply): void {
  if (x.fault?.disconnectAfter !== undefined && x.fault.status === undefined) {
    x.res.destroy();
    return;
  }
  const headers = x.dialect.headers(x, "application/json");
  headers["content-length"] = Buffer.byteLength(reply.body);
  if (reply.headers) Object.assign(headers, reply.headers);
  x.res.writeHead(reply.status, headers);
  x.res.end(reply.body);
}

function sendStream(x: Exchange, reply: StreamReply): void {
  const disconnectAfter = x.fault?.disconnectAfter;
  const errorAfter = x.fault?.errorAfter;
  const stallAfter = x.fault?.stallAfter;
  let tokens = reply.tokens;
  let tail = reply.tail;
  if (stallAfter !== undefined) {
    // the head and the first chunks, then nothing: the socket stays open until the client leaves
    x.res.writeHead(200, x.dialect.headers(x, SSE_CONTENT_TYPE));
    x.res.write(reply.head + tokens.slice(0, stallAfter).join(""));
    return;
  }
  if (disconnectAfter !== undefined) {
    tokens = tokens.slice(0, disconnectAfter);
    tail = "";
  } else if (errorAfter !== undefined) {
    tokens = tokens.slice(0, errorAfter);
    tail = reply.error ? reply.error(tokens.length) : x.dialect.streamError();
  }
  // A broken stream ends by destroying the socket once its last chunk is flushed: the client
  // sees a truncated chunked body, never a clean end.
  const send = (data: string, last: boolean): void => {
    if (!last) x.res.write(data);
    else if (disconnectAfter === undefined) x.res.end(data);
    else x.res.write(data, () => x.res.destroy());
  };

  // Without a Content-Length the body goes out chunked, as the real APIs send streams.
  x.res.writeHead(200, x.dialect.headers(x, SSE_CONTENT_TYPE));

  const delay = x.options.chunkDelayMs;
  if (delay <= 0) {
    send(reply.head + tokens.join("") + tail, true);
    return;
  }
  const writes = [reply.head + (tokens[0] ?? ""), ...tokens.slice(1)];
  if (tail) writes.push(tail);
  let next = 0;
  const step = (): void => {
    const last = next === writes.length - 1;
    send(writes[next++]!, last);
    if (!last) later(x, delay, step);
  };
  step();
}

/** Runs `fn` after `ms` (at once for 0), unless the client has gone away meanwhile. */
function later(x: Exchange, ms: number, fn: () => void): void {
  if (ms <= 0) {
    fn();
    return;
  }
  const timer = setTimeout(() => {
    x.res.off("close", cancel);
    if (!x.res.destroyed) fn();
  }, ms);
  const cancel = (): void => clearTimeout(timer);
  x.res.once("close", cancel);
}
