import type { Endpoint, WireFormat } from "@gatehouse/shared";

/**
 * How one attempt reaches its deployment:
 *  - passthrough: same wire format (the body is forwarded, re-serialised only if it changed)
 *  - openai-to-anthropic / anthropic-to-openai: translated both ways by translate/
 *  - local-count: answered here (count_tokens for a route without a native counter)
 */
export type UpstreamMode =
  "passthrough" | "openai-to-anthropic" | "anthropic-to-openai" | "local-count";

/** A deployment's parsed upstream URL and headers for one endpoint (cached per snapshot). */
export interface UpstreamTarget {
  readonly origin: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** Everything one upstream call needs, built per attempt for that attempt's deployment. */
export interface UpstreamRequest {
  readonly mode: UpstreamMode;
  /** the endpoint called upstream (differs from the client's when translating) */
  readonly endpoint: Endpoint;
  readonly format: WireFormat;
  readonly upstreamModel: string;
  readonly target: UpstreamTarget | null;
  readonly body: string | Buffer;
}
