import type { WireFormat } from "@gatehouse/shared";
import { GatewayError } from "../errors";
import { isRecord } from "./guards";

/**
 * A request that cannot be expressed in the upstream's wire format (n > 1 to Anthropic, a
 * tool call whose arguments are not JSON, ...). Always the client's fault: 400
 * `invalid_request`, mapped to the wire by the server like every GatewayError.
 */
export class TranslationError extends GatewayError {
  constructor(message: string, param: string | null = null) {
    super("invalid_request", message, param);
  }
}

/* ---------------------------------------------------------------- error bodies */

interface ErrorKind {
  openai: string;
  anthropic: string;
}

const BY_STATUS: Readonly<Record<number, ErrorKind>> = {
  400: { openai: "invalid_request_error", anthropic: "invalid_request_error" },
  401: { openai: "authentication_error", anthropic: "authentication_error" },
  403: { openai: "permission_error", anthropic: "permission_error" },
  404: { openai: "not_found_error", anthropic: "not_found_error" },
  408: { openai: "timeout", anthropic: "timeout_error" },
  413: { openai: "invalid_request_error", anthropic: "request_too_large" },
  422: { openai: "invalid_request_error", anthropic: "invalid_request_error" },
  429: { openai: "rate_limit_exceeded", anthropic: "rate_limit_error" },
  500: { openai: "api_error", anthropic: "api_error" },
  502: { openai: "api_error", anthropic: "api_error" },
  503: { openai: "api_error", anthropic: "overloaded_error" },
  504: { openai: "timeout", anthropic: "timeout_error" },
  529: { openai: "api_error", anthropic: "overloaded_error" },
};

function kindFor(status: number): ErrorKind {
  return BY_STATUS[status] ?? (status >= 500 ? BY_STATUS[500]! : BY_STATUS[400]!);
}

/**
 * Key-shaped strings a provider may echo back (OpenAI's 401 quotes the masked key's prefix and
 * suffix): `sk-…`/`sk-ant-…`, Google `AIza…`, `Bearer …`.
 */
const SECRET_PATTERN = /\b(?:sk-[A-Za-z0-9_*-]{3,}|AIza[A-Za-z0-9_-]{10,})|Bearer\s+[^\s"',;]+/g;
const MAX_MESSAGE_CHARS = 2000;

function scrub(message: string): string {
  const clean = message.replace(SECRET_PATTERN, "[redacted]");
  return clean.length > MAX_MESSAGE_CHARS ? `${clean.slice(0, MAX_MESSAGE_CHARS)}…` : clean;
}

interface UpstreamError {
  message: string | null;
  type: string | null;
  code: string | null;
}

function readUpstreamError(rawBody: string): UpstreamError {
  const found: UpstreamError = { message: null, type: null, code: null };
  let parsed: unknown;
  try {
    parsed = JSON.parse(rawBody);
  } catch {
    // plain text (an nginx page, a bare "Internal Server Error"): keep it only if short and not HTML
    const text = rawBody.trim();
    if (text !== "" && text.length <= 300 && !text.includes("<")) found.message = text;
    return found;
  }
  // Gemini's compatibility endpoint wraps its error in an array
  if (Array.isArray(parsed)) parsed = parsed[0];
  if (!isRecord(parsed)) return found;
  const error = parsed.error;
  if (isRecord(error)) {
    // OpenAI {"error":{message,type,param,code}}, Anthropic {"type":"error","error":{type,message}},
    // Google {"error":{code: 400, message, status}} (its numeric code and status are dropped)
    if (typeof error.message === "string") found.message = error.message;
    if (typeof error.type === "string") found.type = error.type;
    if (typeof error.code === "string") found.code = error.code;
  } else if (typeof error === "string") {
    found.message = error;
  } else if (typeof parsed.message === "string") {
    found.message = parsed.message;
  } else if (typeof parsed.detail === "string") {
    // FastAPI-based servers (vLLM, TGI)
    found.message = parsed.detail;
  }
  return found;
}

/**
 * Rewrites an upstream error body into the client's wire format: OpenAI
 * `{"error":{"message","type","param","code"}}` or Anthropic `{"type":"error","error":{"type","message"}}`.
 * Keeps the provider's message (scrubbed of anything key-shaped, capped in length) and, when
 * the formats match, its type and code; nothing else from the upstream body is copied.
 */
export function translateErrorBody(
  clientFormat: WireFormat,
  upstreamFormat: WireFormat,
  status: number,
  rawBody: string,
): string {
  const upstream = readUpstreamError(rawBody);
  const kind = kindFor(status);
  const message = scrub(upstream.message ?? `The upstream provider answered HTTP ${status}.`);
  const sameFormat = clientFormat === upstreamFormat;
  if (clientFormat === "anthropic") {
    const type = sameFormat && upstream.type !== null ? upstream.type : kind.anthropic;
    return JSON.stringify({ type: "error", error: { type, message } });
  }
  return JSON.stringify({
    error: {
      message,
      type: sameFormat && upstream.type !== null ? upstream.type : kind.openai,
      param: null,
      code: sameFormat ? upstream.code : null,
    },
  });
}
