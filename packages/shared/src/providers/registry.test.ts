import { ProviderTypeSchema } from "../index";
import { describe, expect, it } from "vitest";
import { getAdapter, modelsTarget } from "./registry";
import { credential } from "./test-credential";

describe("provider registry", () => {
  it("has an adapter of the right type for every provider type", () => {
    for (const type of ProviderTypeSchema.options) expect(getAdapter(type).type).toBe(type);
  });

  it("maps native formats", () => {
    expect(getAdapter("anthropic").nativeFormat).toBe("anthropic");
    for (const type of ["openai", "azure_openai", "gemini", "openai_compatible"] as const) {
      expect(getAdapter(type).nativeFormat).toBe("openai");
    }
  });

  it("lists models per provider", () => {
    expect(modelsTarget(credential("openai", "https://api.openai.com/v1")).url).toBe(
      "https://api.openai.com/v1/models",
    );
    expect(modelsTarget(credential("anthropic", "https://api.anthropic.com")).url).toBe(
      "https://api.anthropic.com/v1/models",
    );
    expect(modelsTarget(credential("azure_openai", "https://r.openai.azure.com")).url).toBe(
      "https://r.openai.azure.com/openai/models?api-version=2024-10-21",
    );
  });
});
