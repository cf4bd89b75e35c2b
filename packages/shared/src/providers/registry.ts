import type { ProviderType } from "../index";
import { anthropicAdapter, anthropicModelsTarget } from "./anthropic/adapter";
import { azureModelsTarget, azureOpenaiAdapter } from "./azure-openai/adapter";
import { geminiAdapter } from "./gemini/adapter";
import { openaiAdapter } from "./openai/adapter";
import { openaiCompatibleAdapter } from "./openai-compatible/adapter";
import type { ProviderAdapter, ResolvedCredential, UpstreamTarget } from "./types";

/** Exhaustive over ProviderType: a new provider type does not compile until it has an adapter. */
const ADAPTERS: Readonly<Record<ProviderType, ProviderAdapter>> = {
  openai: openaiAdapter,
  anthropic: anthropicAdapter,
  azure_openai: azureOpenaiAdapter,
  gemini: geminiAdapter,
  openai_compatible: openaiCompatibleAdapter,
};

export function getAdapter(type: ProviderType): ProviderAdapter {
  return ADAPTERS[type];
}

const MODELS_TARGETS: Readonly<
  Record<ProviderType, (credential: ResolvedCredential) => UpstreamTarget>
> = {
  openai: openaiAdapter.modelsTarget,
  anthropic: anthropicModelsTarget,
  azure_openai: azureModelsTarget,
  gemini: geminiAdapter.modelsTarget,
  openai_compatible: openaiCompatibleAdapter.modelsTarget,
};

/** Where to list a credential's upstream models (`GET`); not an Endpoint, so not on the adapter. */
export function modelsTarget(credential: ResolvedCredential): UpstreamTarget {
  return MODELS_TARGETS[credential.provider](credential);
}
