import { Agent } from "undici";

export interface UpstreamAgentOptions {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** sockets per upstream origin; requests beyond it queue inside undici */
  connectionsPerOrigin?: number;
}

/** The one keep-alive connection pool every upstream call goes through (never global fetch). */
export function createUpstreamAgent(options: UpstreamAgentOptions): Agent {
  return new Agent({
    connections: options.connectionsPerOrigin ?? 1024,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    connect: { timeout: 10_000 },
  });
}
