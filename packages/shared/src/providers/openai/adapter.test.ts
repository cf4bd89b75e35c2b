import { describe, expect, it } from "vitest";
import { credential } from "../test-credential";
import { openaiAdapter } from "./adapter";

describe("openai adapter", () => {
  const cred = credential("openai", "https://api.openai.com/v1");

  it("targets each endpoint under the base URL with Bearer auth", () => {
    expect(openaiAdapter.target(cred, "chat.completions", "gpt-4o")).toEqual({
      url: "https://api.openai.com/v1/chat/completions",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        authorization: "Bearer sk-test-123",
      },
    });
    expect(openaiAdapter.target(cred, "completions", "gpt-3.5-turbo-instruct").url).toBe(
      "https://api.openai.com/v1/completions",
    );
    expect(openaiAdapter.target(cred, "embeddings", "text-embedding-3-small").url).toBe(
      "https://api.openai.com/v1/embeddings",
    );
    expect(openaiAdapter.target(cred, "responses", "gpt-4.1").url).toBe(
      "https://api.openai.com/v1/responses",
    );
    expect(openaiAdapter.modelsTarget(cred).url).toBe("https://api.openai.com/v1/models");
  });

  it("never produces a double slash from a base URL with trailing slashes", () => {
    const target = openaiAdapter.target(
      credential("openai", "https://api.openai.com/v1//"),
      "chat.completions",
      "gpt-4o",
    );
    expect(target.url).toBe("https://api.openai.com/v1/chat/completions");
  });

  it("declares its format, endpoints and the stream usage option", () => {
    expect(openaiAdapter.nativeFormat).toBe("openai");
    expect([...openaiAdapter.endpoints].sort()).toEqual([
      "chat.completions",
      "completions",
      "embeddings",
      "responses",
    ]);
    expect(openaiAdapter.endpoints.has("messages")).toBe(false);
    expect(openaiAdapter.needsStreamUsageOption).toBe(true);
  });

  it("adds organization and project headers from the credential options", () => {
    const target = openaiAdapter.target(
      credential("openai", "https://api.openai.com/v1", {
        organization: "org-1",
        project: "proj_2",
      }),
      "chat.completions",
      "gpt-4o",
    );
    expect(target.headers["openai-organization"]).toBe("org-1");
    expect(target.headers["openai-project"]).toBe("proj_2");
  });

  it("hands out a fresh headers object each call, so callers may add headers", () => {
    const first = openaiAdapter.target(cred, "chat.completions", "gpt-4o");
    first.headers["x-request-id"] = "req_1";
    expect(
      openaiAdapter.target(cred, "chat.completions", "gpt-4o").headers["x-request-id"],
    ).toBeUndefined();
  });

  it("refuses an endpoint it does not serve", () => {
    expect(() => openaiAdapter.target(cred, "messages", "gpt-4o")).toThrow(
      /does not serve messages/,
    );
  });
});
