import type { Endpoint, ProviderType, WireFormat } from "../index";

/** A provider credential as the proxy uses it: the snapshot's fields with the secret decrypted. */
export interface ResolvedCredential {
  id: string;
  provider: ProviderType;
  /** what the provider's official SDK uses as baseURL, without a trailing slash:
   *  OpenAI `https://api.openai.com/v1`, Anthropic `https://api.anthropic.com`,
   *  Gemini `https://generativelanguage.googleapis.com/v1beta/openai`,
   *  Azure `https://<resource>.openai.azure.com` */
  baseUrl: string;
  apiKey: string;
  /** provider specific extras, e.g. azure `apiVersion` */
  options: Readonly<Record<string, string>>;
}

export interface UpstreamTarget {
  /** absolute URL */
  url: string;
  /** request headers for the upstream (auth, version, content-type); never logged */
  headers: Record<string, string>;
}

/**
 * One adapter per provider (a folder each under providers/). An adapter knows where and how to
 * call its provider; format translation between OpenAI and Anthropic lives in translate/ and
 * is chosen by comparing the client's wire format with the adapter's `nativeFormat`.
 */
export interface ProviderAdapter {
  readonly type: ProviderType;
  /** the wire format the upstream speaks */
  readonly nativeFormat: WireFormat;
  /** endpoints the provider serves natively (in its own format) */
  readonly endpoints: ReadonlySet<Endpoint>;
  /** OpenAI-type upstreams only send usage in streams when asked (`stream_options.include_usage`) */
  readonly needsStreamUsageOption: boolean;
  target(credential: ResolvedCredential, endpoint: Endpoint, upstreamModel: string): UpstreamTarget;
  /** provider-specific touches to the (already translated) JSON body, e.g. Azure drops `model` */
  prepareBody?(body: Record<string, unknown>, endpoint: Endpoint, upstreamModel: string): void;
}
