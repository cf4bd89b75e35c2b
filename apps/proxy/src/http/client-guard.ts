import {
  maxHeaderSize,
  type IncomingMessage,
  type Server,
  type ServerOptions,
  type ServerResponse,
} from "node:http";
import type { Socket } from "node:net";
import type { WireFormat } from "@gatehouse/shared";
import { errorBody } from "../errors";
import { endpointIndex, type ProxyMetrics } from "../metrics";
import { nextRequestId, safeClientRequestId } from "../request-id";
import { handleClientError } from "./client-error";
import type { ClientLimits } from "./client-limits";
import { JSON_TYPE } from "./send";

const OTHER_INDEX = endpointIndex("other");

/**
 * Node's own client deadlines, from our settings. `headersTimeout` cuts a client that drips its
 * headers (answered 408 by the clientError handler); `requestTimeout` is only a backstop behind
 * readBody's body deadline (which answers 408 in the wire format itself) for requests whose body
 * no stage reads. Neither applies once a request has fully arrived, so a long stream is never
 * cut by them; `keepAliveTimeout` applies between requests only.
 */
export function serverOptions(limits: ClientLimits): ServerOptions {
  return {
    keepAliveTimeout: limits.clientIdleTimeoutMs,
    headersTimeout: limits.clientHeadersTimeoutMs,
    requestTimeout: limits.clientHeadersTimeoutMs + limits.clientBodyTimeoutMs + 1_000,
    // how often Node looks for expired requests (default 30 s, by which a slow client would
    // overstay its deadline)
    connectionsCheckingInterval: Math.min(
      1_000,
      Math.max(10, Math.floor(limits.clientHeadersTimeoutMs / 4)),
    ),
  };
}

export interface ClientGuard {
  /** this connection came in over the connection cap: answer it with a 503 and close it */
  overCapacity(socket: Socket): boolean;
  /** the 503 for a connection over the cap, in the client's wire format */
  refuse(req: IncomingMessage, res: ServerResponse, path: string): void;
  /** client connections open now */
  readonly open: number;
}

/**
 * Installs the connection cap and the JSON answers for requests Node's parser refuses or that
 * time out before their headers are complete.
 *
 * The cap: up to `maxConnections` connections are served. One past it is accepted, its first
 * request answered 503 (with retry-after) and the connection closed, so a client learns at once
 * instead of queueing; past twice the cap, Node drops new connections before any JavaScript
 * runs (a flood must not cost us more than that).
 */
export function guardClients(
  server: Server,
  limits: ClientLimits,
  metrics: ProxyMetrics,
): ClientGuard {
  const cap = limits.maxConnections;
  let open = 0;
  let overCount = 0;
  const over = new WeakSet<Socket>();
  server.maxConnections = cap * 2;
  server.on("connection", (socket: Socket) => {
    open++;
    const isOver = open > cap;
    if (isOver) {
      over.add(socket);
      overCount++;
    }
    socket.once("close", () => {
      open--;
      if (isOver) overCount--;
    });
  });

  const errorLimits = {
    headersTimeoutMs: limits.clientHeadersTimeoutMs,
    maxHeaderBytes: maxHeaderSize,
  };
  server.on("clientError", (error: Error, socket: Socket) => {
    handleClientError(error, socket, errorLimits, (type, status) => {
      metrics.countRequest(OTHER_INDEX, status);
      metrics.countError(type);
    });
  });

  return {
    overCapacity: (socket) => overCount > 0 && over.has(socket),
    refuse(req, res, path) {
      const format: WireFormat = path.startsWith("/v1/messages") ? "anthropic" : "openai";
      const body = errorBody(
        format,
        "unavailable",
        `The gateway is at its connection limit (${cap}); retry shortly.`,
        null,
      );
      // discard what came with it so the close is a FIN, not a reset over the answer
      req.resume();
      res.writeHead(503, {
        "content-type": JSON_TYPE,
        "content-length": Buffer.byteLength(body),
        "x-request-id": safeClientRequestId(req.headers["x-request-id"]) ?? nextRequestId(),
        "retry-after": "1",
        connection: "close",
      });
      res.end(body);
      metrics.countRequest(OTHER_INDEX, 503);
      metrics.countError("unavailable");
    },
    get open() {
      return open;
    },
  };
}
