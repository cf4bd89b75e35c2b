import { describe, expect, it } from "vitest";
import { credential } from "../test-credential";
import { azureModelsTarget, azureOpenaiAdapter } from "./adapter";

describe("azure openai adapter", () => {
  const cred = credential(
    "azure_openai",
    "https://contoso.openai.azure.com/",
    {},
    "0123456789abcdef0123456789abcdef",
  );

  it("targets the deployment URL with the default api-version and the api-key header", () => {
    expect(azureOpenaiAdapter.target(cred, "chat.completions", "gpt-4o-prod")).toEqual({
      url: "https://contoso.openai.azure.com/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "api-key": "0123456789abcdef0123456789abcdef",
      },
    });
  });

  it("uses options.apiVersion and encodes the deployment name", () => {
    const cred2 = credential("azure_openai", "https://contoso.openai.azure.com", {
      apiVersion: "2025-01-01-preview",
    });
    expect(azureOpenaiAdapter.target(cred2, "embeddings", "embed large/v2").url).toBe(
      "https://contoso.openai.azure.com/openai/deployments/embed%20large%2Fv2/embeddings?api-version=2025-01-01-preview",
    );
    expect(azureOpenaiAdapter.target(cred2, "completions", "instruct").url).toBe(
      "https://contoso.openai.azure.com/openai/deployments/instruct/completions?api-version=2025-01-01-preview",
    );
    expect(azureModelsTarget(cred2).url).toBe(
      "https://contoso.openai.azure.com/openai/models?api-version=2025-01-01-preview",
    );
  });

  it("keeps URLs per deployment apart", () => {
    expect(azureOpenaiAdapter.target(cred, "chat.completions", "a").url).toContain(
      "/deployments/a/",
    );
    expect(azureOpenaiAdapter.target(cred, "chat.completions", "b").url).toContain(
      "/deployments/b/",
    );
    expect(azureOpenaiAdapter.target(cred, "chat.completions", "a").url).toContain(
      "/deployments/a/",
    );
  });

  it("sends the Responses API to the v1 surface with the deployment as model", () => {
    expect(azureOpenaiAdapter.target(cred, "responses", "gpt-4o-prod").url).toBe(
      "https://contoso.openai.azure.com/openai/v1/responses",
    );
    const body: Record<string, unknown> = { model: "client-alias", input: "hi" };
    azureOpenaiAdapter.prepareBody!(body, "responses", "gpt-4o-prod");
    expect(body.model).toBe("gpt-4o-prod");
  });

  it("removes model from deployment-scoped bodies", () => {
    const body: Record<string, unknown> = { model: "gpt-4o", messages: [] };
    azureOpenaiAdapter.prepareBody!(body, "chat.completions", "gpt-4o-prod");
    expect(body).toEqual({ messages: [] });
  });

  it("sends no Authorization header", () => {
    expect(
      azureOpenaiAdapter.target(cred, "chat.completions", "d").headers.authorization,
    ).toBeUndefined();
  });
});
