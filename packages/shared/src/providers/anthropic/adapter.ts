import type { Endpoint } from "../../index";
import { JSON_HEADERS, normaliseBaseUrl, perCredential } from "../per-credential";
import type { ProviderAdapter, ResolvedCredential, UpstreamTarget } from "../types";

export const ANTHROPIC_VERSION = "2023-06-01";

const PATHS: Readonly<Partial<Record<Endpoint, string>>> = {
  messages: "/v1/messages",
  "messages.count_tokens": "/v1/messages/count_tokens",
};

interface Prepared {
  urls: Partial<Record<Endpoint, string>>;
  headers: Readonly<Record<string, string>>;
  models: string;
}

/** Anthropic's base URL has no version segment (`https://api.anthropic.com`); paths carry `/v1`. */
const prepare = perCredential((credential): Prepared => {
  const base = normaliseBaseUrl(credential.baseUrl);
  const headers: Record<string, string> = {
    ...JSON_HEADERS,
    "x-api-key": credential.apiKey,
    "anthropic-version": credential.options.anthropicVersion || ANTHROPIC_VERSION,
  };
  if (credential.options.anthropicBeta)
    headers["anthropic-beta"] = credential.options.anthropicBeta;
  return {
    urls: {
      messages: base + PATHS.messages,
      "messages.count_tokens": base + PATHS["messages.count_tokens"],
    },
    headers,
    models: `${base}/v1/models`,
  };
});

export const anthropicAdapter: ProviderAdapter = {
  type: "anthropic",
  nativeFormat: "anthropic",
  endpoints: new Set<Endpoint>(["messages", "messages.count_tokens"]),
  // Anthropic streams always carry usage (message_start + message_delta)
  needsStreamUsageOption: false,
  target(credential, endpoint) {
    const prepared = prepare(credential);
    const url = prepared.urls[endpoint];
    if (url === undefined) throw new Error(`provider anthropic does not serve ${endpoint}`);
    return { url, headers: { ...prepared.headers } };
  },
};

export function anthropicModelsTarget(credential: ResolvedCredential): UpstreamTarget {
  const prepared = prepare(credential);
  return { url: prepared.models, headers: { ...prepared.headers } };
}
