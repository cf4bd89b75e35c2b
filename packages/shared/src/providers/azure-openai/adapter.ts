import type { Endpoint } from "../../index";
import { JSON_HEADERS, normaliseBaseUrl, perCredential } from "../per-credential";
import type { ProviderAdapter, ResolvedCredential, UpstreamTarget } from "../types";

export const AZURE_DEFAULT_API_VERSION = "2024-10-21";

const DEPLOYMENT_PATHS: Readonly<Partial<Record<Endpoint, string>>> = {
  "chat.completions": "/chat/completions",
  completions: "/completions",
  embeddings: "/embeddings",
};

interface Prepared {
  base: string;
  query: string;
  headers: Readonly<Record<string, string>>;
  /** upstream model (deployment) -> endpoint -> URL; bounded by the deployments configured */
  urls: Map<string, Partial<Record<Endpoint, string>>>;
}

/**
 * Azure OpenAI: base `https://<resource>.openai.azure.com`, key in `api-key`.
 * Chat, completions and embeddings are deployment-scoped URLs with `api-version`
 * (`options.apiVersion`, default 2024-10-21, which supports `stream_options`); the model comes
 * from the URL, so `model` is removed from the body. The Responses API exists only on Azure's
 * v1 surface (`/openai/v1/responses`, no api-version), which takes the deployment name as
 * `model` in the body like OpenAI.
 */
const prepare = perCredential((credential): Prepared => {
  const base = normaliseBaseUrl(credential.baseUrl);
  return {
    base,
    query: `?api-version=${encodeURIComponent(credential.options.apiVersion || AZURE_DEFAULT_API_VERSION)}`,
    headers: { ...JSON_HEADERS, "api-key": credential.apiKey },
    urls: new Map(),
  };
});

function urlFor(prepared: Prepared, endpoint: Endpoint, upstreamModel: string): string | undefined {
  if (endpoint === "responses") return `${prepared.base}/openai/v1/responses`;
  const path = DEPLOYMENT_PATHS[endpoint];
  if (path === undefined) return undefined;
  let byEndpoint = prepared.urls.get(upstreamModel);
  if (byEndpoint === undefined) {
    byEndpoint = {};
    prepared.urls.set(upstreamModel, byEndpoint);
  }
  let url = byEndpoint[endpoint];
  if (url === undefined) {
    url = `${prepared.base}/openai/deployments/${encodeURIComponent(upstreamModel)}${path}${prepared.query}`;
    byEndpoint[endpoint] = url;
  }
  return url;
}

export const azureOpenaiAdapter: ProviderAdapter = {
  type: "azure_openai",
  nativeFormat: "openai",
  endpoints: new Set<Endpoint>(["chat.completions", "completions", "embeddings", "responses"]),
  needsStreamUsageOption: true,
  target(credential, endpoint, upstreamModel) {
    const prepared = prepare(credential);
    const url = urlFor(prepared, endpoint, upstreamModel);
    if (url === undefined) throw new Error(`provider azure_openai does not serve ${endpoint}`);
    return { url, headers: { ...prepared.headers } };
  },
  prepareBody(body, endpoint, upstreamModel) {
    if (endpoint === "responses") body.model = upstreamModel;
    else delete body.model;
  },
};

export function azureModelsTarget(credential: ResolvedCredential): UpstreamTarget {
  const prepared = prepare(credential);
  return {
    url: `${prepared.base}/openai/models${prepared.query}`,
    headers: { ...prepared.headers },
  };
}
