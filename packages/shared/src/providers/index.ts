/**
 * Provider adapters: where and how to call each provider. Pure (no I/O), so the proxy's hot
 * path and the dashboard's "test connection" use the same code.
 */
export { getAdapter, modelsTarget } from "./registry";
export type { ProviderAdapter, ResolvedCredential, UpstreamTarget } from "./types";
export { GEMINI_DEFAULT_BASE_URL } from "./gemini/adapter";
