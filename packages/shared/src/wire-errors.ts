/**
 * Gatehouse's error catalogue. Every error the proxy returns has one of these types; the
 * proxy maps each to the client's wire format (OpenAI `{"error":{message,type,code}}` or
 * Anthropic `{"type":"error","error":{type,message}}`) in exactly one place. Usage events and
 * request logs store the type, so the dashboard can filter by it.
 */
export const GatewayErrorTypes = {
  invalid_request: {
    status: 400,
    openaiType: "invalid_request_error",
    anthropicType: "invalid_request_error",
  },
  authentication: {
    status: 401,
    openaiType: "invalid_request_error",
    anthropicType: "authentication_error",
  },
  permission: {
    status: 403,
    openaiType: "invalid_request_error",
    anthropicType: "permission_error",
  },
  not_found: { status: 404, openaiType: "invalid_request_error", anthropicType: "not_found_error" },
  /** the client did not send its headers or body in time (apps/proxy client timeouts) */
  request_timeout: {
    status: 408,
    openaiType: "invalid_request_error",
    anthropicType: "invalid_request_error",
  },
  payload_too_large: {
    status: 413,
    openaiType: "invalid_request_error",
    anthropicType: "request_too_large",
  },
  headers_too_large: {
    status: 431,
    openaiType: "invalid_request_error",
    anthropicType: "invalid_request_error",
  },
  /** a guardrail `block` action: the request (or answer) holds a value the workspace refuses to
   * send; the message names the detector, never the value */
  guardrail_blocked: {
    status: 400,
    openaiType: "invalid_request_error",
    anthropicType: "invalid_request_error",
  },
  rate_limited: {
    status: 429,
    openaiType: "rate_limit_exceeded",
    anthropicType: "rate_limit_error",
  },
  budget_exceeded: {
    status: 429,
    openaiType: "insufficient_quota",
    anthropicType: "rate_limit_error",
  },
  upstream_error: { status: 502, openaiType: "api_error", anthropicType: "api_error" },
  upstream_unreachable: { status: 502, openaiType: "api_error", anthropicType: "api_error" },
  upstream_timeout: { status: 504, openaiType: "timeout", anthropicType: "timeout_error" },
  unavailable: { status: 503, openaiType: "api_error", anthropicType: "overloaded_error" },
  internal: { status: 500, openaiType: "api_error", anthropicType: "api_error" },
} as const;

export type GatewayErrorType = keyof typeof GatewayErrorTypes;
