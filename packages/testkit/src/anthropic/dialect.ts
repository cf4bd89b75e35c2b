import type { OutgoingHttpHeaders } from "node:http";
import type { Dialect, ErrorDetails, Exchange, JsonReply } from "../exchange";
import { idFactory } from "../ids";

const ORGANIZATION_ID = "00000000-0000-4000-8000-00000000fa6e";
const REQUESTS_LIMIT = 4_000;
const INPUT_TOKENS_LIMIT = 2_000_000;
const OUTPUT_TOKENS_LIMIT = 400_000;

const DEFAULT_ERRORS: Record<number, { type: string; message: string }> = {
  400: { type: "invalid_request_error", message: "Invalid request" },
  401: { type: "authentication_error", message: "invalid x-api-key" },
  403: {
    type: "permission_error",
    message: "Your API key does not have permission to use the specified resource.",
  },
  404: { type: "not_found_error", message: "Not found" },
  413: {
    type: "request_too_large",
    message: "Request exceeds the maximum allowed number of bytes.",
  },
  429: {
    type: "rate_limit_error",
    message: "Number of request tokens has exceeded your per-minute rate limit",
  },
  500: { type: "api_error", message: "Internal server error" },
  504: { type: "timeout_error", message: "Request timed out" },
  529: { type: "overloaded_error", message: "Overloaded" },
};

function defaultError(status: number): { type: string; message: string } {
  return DEFAULT_ERRORS[status] ?? DEFAULT_ERRORS[status >= 500 ? 500 : 400]!;
}

const STREAM_ERROR = `event: error\ndata: ${JSON.stringify({
  type: "error",
  error: { type: "overloaded_error", message: "Overloaded" },
})}\n\n`;

export const anthropicDialect: Dialect = {
  name: "anthropic",
  newRequestId: idFactory("req_011C", 20),

  headers(x: Exchange, contentType: string): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = {
      "content-type": contentType,
      "request-id": x.requestId,
      "anthropic-organization-id": ORGANIZATION_ID,
      "anthropic-ratelimit-requests-limit": REQUESTS_LIMIT,
      "anthropic-ratelimit-requests-remaining": REQUESTS_LIMIT - 1,
      "anthropic-ratelimit-input-tokens-limit": INPUT_TOKENS_LIMIT,
      "anthropic-ratelimit-input-tokens-remaining": INPUT_TOKENS_LIMIT,
      "anthropic-ratelimit-output-tokens-limit": OUTPUT_TOKENS_LIMIT,
      "anthropic-ratelimit-output-tokens-remaining": OUTPUT_TOKENS_LIMIT,
    };
    if (contentType.startsWith("text/event-stream")) headers["cache-control"] = "no-cache";
    return headers;
  },

  error(x, status, message, details: ErrorDetails = {}): JsonReply {
    const fallback = defaultError(status);
    return {
      kind: "json",
      status,
      body: JSON.stringify({
        type: "error",
        error: { type: details.type ?? fallback.type, message: message ?? fallback.message },
        request_id: x.requestId,
      }),
    };
  },

  faultError(x, status, retryAfter): JsonReply {
    const reply = this.error(x, status);
    const seconds = retryAfter ?? (status === 429 ? 1 : undefined);
    if (seconds !== undefined) {
      reply.headers = { "retry-after": String(seconds) };
      if (status === 429) {
        reply.headers["anthropic-ratelimit-requests-remaining"] = "0";
        reply.headers["anthropic-ratelimit-requests-reset"] = new Date(
          Date.now() + seconds * 1000,
        ).toISOString();
      }
    }
    return reply;
  },

  streamError: () => STREAM_ERROR,
};

/** Anthropic's 400 for a request it cannot take. */
export function invalidRequest(x: Exchange, message: string): JsonReply {
  return anthropicDialect.error(x, 400, message, { type: "invalid_request_error" });
}
