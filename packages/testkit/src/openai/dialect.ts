import type { OutgoingHttpHeaders } from "node:http";
import type { Dialect, ErrorDetails, Exchange, JsonReply } from "../exchange";
import { idFactory } from "../ids";

const REQUESTS_LIMIT = 10_000;
const TOKENS_LIMIT = 30_000_000;

const DEFAULT_ERRORS: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: "Bad request.", type: "invalid_request_error", code: null },
  401: {
    message: "Incorrect API key provided.",
    type: "invalid_request_error",
    code: "invalid_api_key",
  },
  403: {
    message: "You are not allowed to perform this request.",
    type: "invalid_request_error",
    code: null,
  },
  404: {
    message: "The requested resource does not exist.",
    type: "invalid_request_error",
    code: null,
  },
  429: {
    message: "Rate limit reached for requests per min (RPM). Please try again later.",
    type: "requests",
    code: "rate_limit_exceeded",
  },
  500: {
    message: "The server had an error while processing your request. Sorry about that!",
    type: "server_error",
    code: null,
  },
  503: {
    message: "The engine is currently overloaded, please try again later.",
    type: "server_error",
    code: null,
  },
};

function defaultError(status: number): { message: string; type: string; code: string | null } {
  return DEFAULT_ERRORS[status] ?? DEFAULT_ERRORS[status >= 500 ? 500 : 400]!;
}

function errorBody(
  message: string,
  type: string,
  param: string | null,
  code: string | null,
): string {
  return JSON.stringify({ error: { message, type, param, code } });
}

const STREAM_ERROR = `data: ${errorBody(DEFAULT_ERRORS[500]!.message, "server_error", null, null)}\n\n`;

export const openaiDialect: Dialect = {
  name: "openai",
  newRequestId: idFactory("req_", 32, "hex"),

  headers(x: Exchange, contentType: string): OutgoingHttpHeaders {
    return {
      "content-type": contentType,
      "openai-organization": "gatehouse-fake",
      "openai-processing-ms": String(Date.now() - x.startedAt),
      "openai-version": "2020-10-01",
      "x-request-id": x.requestId,
      "x-ratelimit-limit-requests": REQUESTS_LIMIT,
      "x-ratelimit-limit-tokens": TOKENS_LIMIT,
      "x-ratelimit-remaining-requests": REQUESTS_LIMIT - 1,
      "x-ratelimit-remaining-tokens": TOKENS_LIMIT - 1000,
      "x-ratelimit-reset-requests": "6ms",
      "x-ratelimit-reset-tokens": "2ms",
    };
  },

  error(_x, status, message, details: ErrorDetails = {}): JsonReply {
    const fallback = defaultError(status);
    return {
      kind: "json",
      status,
      body: errorBody(
        message ?? fallback.message,
        details.type ?? fallback.type,
        details.param ?? null,
        details.code === undefined ? fallback.code : details.code,
      ),
    };
  },

  faultError(x, status, retryAfter): JsonReply {
    const reply = this.error(x, status);
    if (status === 429) {
      const seconds = retryAfter ?? 1;
      reply.headers = {
        "retry-after": String(seconds),
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": `${seconds}s`,
      };
    } else if (retryAfter !== undefined) {
      reply.headers = { "retry-after": String(retryAfter) };
    }
    return reply;
  },

  streamError: () => STREAM_ERROR,
};

/** OpenAI's 400 for a missing or malformed field. */
export function invalidParam(
  x: Exchange,
  param: string,
  message: string,
  code: string | null = null,
): JsonReply {
  return openaiDialect.error(x, 400, message, { type: "invalid_request_error", param, code });
}
