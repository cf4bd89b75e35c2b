import type { ProviderType } from "../index";
import type { ResolvedCredential } from "./types";

/** A credential as the proxy resolves it, for adapter tests. */
export function credential(
  provider: ProviderType,
  baseUrl: string,
  options: Record<string, string> = {},
  apiKey = "sk-test-123",
): ResolvedCredential {
  return { id: `cred_${provider}`, provider, baseUrl, apiKey, options };
}
