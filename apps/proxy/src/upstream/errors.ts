import type { GatewayErrorType } from "@gatehouse/shared";

export interface UpstreamFailure {
  type: GatewayErrorType | "client_aborted";
  message: string;
}

const TIMEOUT_CODES = new Set([
  "UND_ERR_HEADERS_TIMEOUT",
  "UND_ERR_BODY_TIMEOUT",
  "GATEHOUSE_UPSTREAM_TOTAL_TIMEOUT",
  "GATEHOUSE_UPSTREAM_TTFB_TIMEOUT",
  // the route's (or the agent's) connect time-out: a 504 like the others
  "UND_ERR_CONNECT_TIMEOUT",
]);
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ETIMEDOUT",
  "UND_ERR_SOCKET",
  "UND_ERR_CLOSED",
  "UND_ERR_DESTROYED",
]);

/** What a client is told when the gateway's shutdown deadline cuts its request: a 503 (or an
 * error event) it can retry, against another replica. */
export const SHUTDOWN_MESSAGE =
  "The gateway is shutting down and cut this request at its shutdown deadline; retry it.";

/**
 * Classifies a failed upstream call. Messages are our own words: undici's can carry the
 * upstream address, never a key, but a client has no use for either.
 */
export function classifyUpstreamError(
  error: unknown,
  provider: string,
  aborted: boolean,
): UpstreamFailure {
  if (aborted) return { type: "client_aborted", message: "the client closed the connection" };
  const code = errorCode(error);
  // not the provider's fault: never retried, never counted against the deployment's health
  if (code === "GATEHOUSE_PROXY_SHUTDOWN")
    return { type: "unavailable", message: SHUTDOWN_MESSAGE };
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return { type: "upstream_timeout", message: timeoutMessage(code, provider) };
  }
  if (code !== undefined && UNREACHABLE_CODES.has(code)) {
    return {
      type: "upstream_unreachable",
      message: `The upstream provider (${provider}) could not be reached.`,
    };
  }
  return {
    type: "upstream_error",
    message: `The call to the upstream provider (${provider}) failed.`,
  };
}

function timeoutMessage(code: string, provider: string): string {
  switch (code) {
    case "UND_ERR_BODY_TIMEOUT":
      return `The upstream provider (${provider}) stopped sending data in the middle of its answer.`;
    case "GATEHOUSE_UPSTREAM_TOTAL_TIMEOUT":
      return `The upstream provider (${provider}) did not finish its answer within the gateway's time limit.`;
    case "UND_ERR_CONNECT_TIMEOUT":
      return `The upstream provider (${provider}) could not be connected to in time.`;
    case "GATEHOUSE_UPSTREAM_TTFB_TIMEOUT":
      return `The upstream provider (${provider}) did not start its answer in time.`;
    default:
      return `The upstream provider (${provider}) did not answer in time.`;
  }
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === "string") return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
