import type { IncomingMessage } from "node:http";
import type { Socket } from "node:net";

/*
 * Closing a socket while the client's bytes sit unread in it makes the kernel answer with a
 * reset, and a reset can wipe the answer out of the client's receive buffer before the client
 * has read it: an undici/fetch client that is still uploading then sees ECONNRESET instead of
 * our 413. So an answer given before the request was read to its end is followed by reading and
 * discarding what the client still sends — bounded, so a huge or endless body cannot keep a
 * connection (and the proxy's CPU) busy.
 */

/** After a raw answer on a broken connection: how long, and how much, to discard before closing. */
const LINGER_MS = 2_000;
const LINGER_MAX_BYTES = 1024 * 1024;

const draining = new WeakSet<Socket>();

/** True while a connection is discarding the rest of a body that was answered early. */
export function isDraining(socket: Socket): boolean {
  return draining.has(socket);
}

/**
 * Reads and discards the rest of a request body the proxy answered without reading (413).
 * When the body ends the connection is reusable; past `maxBytes` or `timeoutMs` it is cut.
 */
export function drainBody(req: IncomingMessage, maxBytes: number, timeoutMs: number): void {
  const socket = req.socket;
  if (req.readableEnded || socket.destroyed) return;
  draining.add(socket);
  let drained = 0;
  const finish = () => {
    clearTimeout(timer);
    req.off("data", onData);
    req.off("end", finish);
    req.off("close", finish);
    draining.delete(socket);
  };
  const cut = () => {
    finish();
    socket.destroy();
  };
  const onData = (chunk: Buffer) => {
    drained += chunk.length;
    if (drained > maxBytes) cut();
  };
  const timer = setTimeout(cut, Math.max(0, timeoutMs));
  req.on("data", onData);
  req.once("end", finish);
  req.once("close", finish);
  req.resume();
}

/**
 * Writes a complete raw HTTP answer on a connection the HTTP parser has given up on (a parse
 * error, a headers timeout), half-closes it, discards what the client still sends for a short
 * while, then closes it.
 */
export function answerAndLinger(socket: Socket, answer: string): void {
  // the parser's listener: it is done with this connection. Adding our own 'data' listener
  // makes Node hand the socket's bytes to JavaScript instead of the parser.
  socket.removeAllListeners("data");
  let discarded = 0;
  const close = () => {
    clearTimeout(timer);
    socket.destroy();
  };
  const timer = setTimeout(close, LINGER_MS);
  timer.unref();
  socket.on("data", (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > LINGER_MAX_BYTES) close();
  });
  socket.once("end", close);
  socket.once("close", () => clearTimeout(timer));
  socket.on("error", close);
  socket.end(answer);
  socket.resume();
}
