import { Agent, type Dispatcher } from "undici";

export interface UpstreamAgentOptions {
  headersTimeoutMs: number;
  bodyTimeoutMs: number;
  /** sockets per upstream origin; requests beyond it queue inside undici */
  connectionsPerOrigin?: number;
  /** TCP (and TLS) connect time-out; default 10 s */
  connectTimeoutMs?: number;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** The one keep-alive connection pool every upstream call goes through (never global fetch). */
export function createUpstreamAgent(options: UpstreamAgentOptions): Agent {
  return new Agent({
    connections: options.connectionsPerOrigin ?? 1024,
    pipelining: 1,
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    headersTimeout: options.headersTimeoutMs,
    bodyTimeout: options.bodyTimeoutMs,
    connect: { timeout: options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
  });
}

/** distinct connect time-outs given their own pool at most; others share the default pool */
const MAX_CONNECT_POOLS = 16;

/**
 * The upstream pools by connect time-out. undici takes the connect time-out per agent, not
 * per dispatch (DispatchOptions has headersTimeout and bodyTimeout only), so a route with its
 * own `timeouts.connectMs` gets a pool of its own, made on first use and shared by every route
 * with the same value; the headers and body time-outs stay per dispatch.
 */
export class UpstreamAgents {
  private readonly byConnectMs = new Map<number, Dispatcher>();

  constructor(
    readonly base: Dispatcher,
    /** null: the base dispatcher was given from outside (tests) and serves every value */
    private readonly options: UpstreamAgentOptions | null,
  ) {}

  /** The pool for a connect time-out (null = the proxy's default). */
  for(connectMs: number | null): Dispatcher {
    if (connectMs === null || this.options === null) return this.base;
    let agent = this.byConnectMs.get(connectMs);
    if (agent === undefined) {
      if (this.byConnectMs.size >= MAX_CONNECT_POOLS) return this.base;
      agent = createUpstreamAgent({ ...this.options, connectTimeoutMs: connectMs });
      this.byConnectMs.set(connectMs, agent);
    }
    return agent;
  }

  async close(): Promise<void> {
    const all = [...this.byConnectMs.values()];
    if (this.options !== null) all.push(this.base);
    await Promise.all(all.map((a) => a.close().catch(() => undefined)));
  }
}
