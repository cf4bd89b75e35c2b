import type { Endpoint, ProviderType } from "../../index";
import { JSON_HEADERS, normaliseBaseUrl, perCredential } from "../per-credential";
import type { ProviderAdapter, ResolvedCredential, UpstreamTarget } from "../types";

/** Paths under an OpenAI-style base URL (which already ends in `/v1` or its equivalent). */
const OPENAI_PATHS: Readonly<Partial<Record<Endpoint, string>>> = {
  "chat.completions": "/chat/completions",
  completions: "/completions",
  embeddings: "/embeddings",
  responses: "/responses",
};

export const OPENAI_ENDPOINTS: readonly Endpoint[] = [
  "chat.completions",
  "completions",
  "embeddings",
  "responses",
];

interface Prepared {
  urls: Partial<Record<Endpoint, string>>;
  headers: Readonly<Record<string, string>>;
  models: string;
}

export interface OpenaiStyleAdapter extends ProviderAdapter {
  /** `GET ${baseUrl}/models` (not an Endpoint: the proxy serves /v1/models itself or forwards it) */
  modelsTarget(credential: ResolvedCredential): UpstreamTarget;
}

/**
 * An adapter for any upstream speaking OpenAI's wire format under an OpenAI-style base URL
 * with `Authorization: Bearer`. OpenAI itself, Gemini's compatibility endpoint and generic
 * OpenAI-compatible servers are this with a different type and endpoint list.
 */
export function defineOpenaiStyleAdapter(
  type: ProviderType,
  endpoints: readonly Endpoint[],
): OpenaiStyleAdapter {
  const endpointSet: ReadonlySet<Endpoint> = new Set(endpoints);
  const prepare = perCredential((credential): Prepared => {
    const base = normaliseBaseUrl(credential.baseUrl);
    const urls: Partial<Record<Endpoint, string>> = {};
    for (const endpoint of endpoints) urls[endpoint] = base + OPENAI_PATHS[endpoint];
    const headers: Record<string, string> = { ...JSON_HEADERS };
    // local servers (Ollama, vLLM without --api-key) take no key: send no header at all
    if (credential.apiKey !== "") headers.authorization = `Bearer ${credential.apiKey}`;
    const { organization, project } = credential.options;
    if (organization) headers["openai-organization"] = organization;
    if (project) headers["openai-project"] = project;
    return { urls, headers, models: `${base}/models` };
  });

  return {
    type,
    nativeFormat: "openai",
    endpoints: endpointSet,
    needsStreamUsageOption: true,
    target(credential, endpoint) {
      const prepared = prepare(credential);
      const url = prepared.urls[endpoint];
      if (url === undefined) throw new Error(`provider ${type} does not serve ${endpoint}`);
      // a copy: the caller may add per-request headers
      return { url, headers: { ...prepared.headers } };
    },
    modelsTarget(credential) {
      const prepared = prepare(credential);
      return { url: prepared.models, headers: { ...prepared.headers } };
    },
  };
}

export const openaiAdapter = defineOpenaiStyleAdapter("openai", OPENAI_ENDPOINTS);
