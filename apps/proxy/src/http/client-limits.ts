/**
 * How long and how many clients may hold the proxy's connections. A slow or hostile client (one
 * byte of headers or body at a time, or thousands of idle sockets) is cut at these bounds,
 * with an answer in its wire format where one can still be given. None of them applies to a
 * response: a stream may run as long as the provider keeps it going.
 */
export interface ClientLimits {
  /** time from a connection's first byte (or its opening) to the end of the request headers */
  clientHeadersTimeoutMs: number;
  /** time to receive the whole request body, counted from the end of the headers (408 after) */
  clientBodyTimeoutMs: number;
  /** how long an idle keep-alive connection stays open between requests */
  clientIdleTimeoutMs: number;
  /** client connections served at once; past it new ones get a 503, past twice it none at all */
  maxConnections: number;
}

export const DEFAULT_CLIENT_LIMITS: ClientLimits = {
  clientHeadersTimeoutMs: 15_000,
  clientBodyTimeoutMs: 60_000,
  // longer than common load-balancer idle timeouts (60 s), so the proxy is not the side that
  // closes a connection a balancer is about to reuse
  clientIdleTimeoutMs: 65_000,
  maxConnections: 10_000,
};
