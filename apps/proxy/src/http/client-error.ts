import { STATUS_CODES, type ServerResponse } from "node:http";
import type { Socket } from "node:net";
import type { GatewayErrorType, WireFormat } from "@gatehouse/shared";
import { GatewayErrorTypes } from "@gatehouse/shared";
import { errorBody } from "../errors";
import { nextRequestId } from "../request-id";
import { answerAndLinger, isDraining } from "./drain";

/** Node's parser errors carry the bytes it choked on (their first line names the path). */
interface ClientError extends Error {
  code?: string;
  reason?: string;
  rawPacket?: Buffer;
}

export interface ClientErrorAnswer {
  readonly type: GatewayErrorType;
  readonly message: string;
}

/**
 * What a request Node's HTTP parser refused (or timed out) is told, instead of Node's bare
 * 400/408/431 without a body. Null: nothing can be answered (the client reset the connection).
 */
export function clientErrorAnswer(
  error: ClientError,
  limits: { headersTimeoutMs: number; maxHeaderBytes: number },
): ClientErrorAnswer | null {
  switch (error.code) {
    case "ECONNRESET":
    case "EPIPE":
      return null;
    case "HPE_HEADER_OVERFLOW":
      return {
        type: "headers_too_large",
        message: `The request headers are larger than this gateway accepts (${limits.maxHeaderBytes} bytes).`,
      };
    case "HPE_CHUNK_EXTENSIONS_OVERFLOW":
      return {
        type: "payload_too_large",
        message: "The request's chunk extensions are larger than this gateway accepts.",
      };
    case "ERR_HTTP_REQUEST_TIMEOUT":
      return {
        type: "request_timeout",
        message: `The request was not received in time (its headers must arrive within ${limits.headersTimeoutMs} ms).`,
      };
    default: {
      // e.g. HPE_INVALID_METHOD "Invalid method encountered": the parser's words, never the bytes
      const reason = typeof error.reason === "string" ? `: ${error.reason}` : "";
      return {
        type: "invalid_request",
        message: `The request is not valid HTTP/1.1 (${error.code ?? "parse error"}${reason}).`,
      };
    }
  }
}

/** Anthropic's format when the bytes we have look like an Anthropic call, else OpenAI's. */
export function sniffFormat(raw: Buffer | undefined): WireFormat {
  if (raw === undefined) return "openai";
  // only on this error path: the request line and headers as text, lower-cased
  const text = raw.toString("latin1", 0, Math.min(raw.length, 64 * 1024)).toLowerCase();
  const lineEnd = text.indexOf("\r\n");
  const requestLine = lineEnd === -1 ? text : text.slice(0, lineEnd);
  return requestLine.includes(" /v1/messages") || text.includes("\r\nanthropic-version:")
    ? "anthropic"
    : "openai";
}

/**
 * The server's 'clientError' handler: answers in JSON (the client's wire format as far as it
 * can be told), then closes the connection gracefully. A connection whose response has already
 * started, or that is discarding a body answered early, is just closed.
 */
export function handleClientError(
  error: ClientError,
  socket: Socket,
  limits: { headersTimeoutMs: number; maxHeaderBytes: number },
  onAnswer: (type: GatewayErrorType, status: number) => void,
): void {
  // Node's own handler looks at the same field: a response in progress owns the socket
  const active = (socket as Socket & { _httpMessage?: ServerResponse | null })._httpMessage;
  const answer = clientErrorAnswer(error, limits);
  if (answer === null || !socket.writable || active || isDraining(socket)) {
    socket.destroy();
    return;
  }
  const { status } = GatewayErrorTypes[answer.type];
  const body = errorBody(sniffFormat(error.rawPacket), answer.type, answer.message, null);
  answerAndLinger(
    socket,
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
      "content-type: application/json\r\n" +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `x-request-id: ${nextRequestId()}\r\n` +
      "connection: close\r\n\r\n" +
      body,
  );
  onAnswer(answer.type, status);
}
