import { describe, expect, it } from "vitest";
import { credential } from "../test-credential";
import { anthropicAdapter, anthropicModelsTarget } from "./adapter";

describe("anthropic adapter", () => {
  const cred = credential("anthropic", "https://api.anthropic.com/", {}, "sk-ant-api03-xyz");

  it("targets /v1/messages with x-api-key and anthropic-version", () => {
    expect(anthropicAdapter.target(cred, "messages", "claude-sonnet-4-5")).toEqual({
      url: "https://api.anthropic.com/v1/messages",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        "x-api-key": "sk-ant-api03-xyz",
        "anthropic-version": "2023-06-01",
      },
    });
  });

  it("targets count_tokens and models", () => {
    expect(anthropicAdapter.target(cred, "messages.count_tokens", "claude-sonnet-4-5").url).toBe(
      "https://api.anthropic.com/v1/messages/count_tokens",
    );
    expect(anthropicModelsTarget(cred).url).toBe("https://api.anthropic.com/v1/models");
  });

  it("sends no Authorization header and needs no stream usage option", () => {
    expect(anthropicAdapter.target(cred, "messages", "m").headers.authorization).toBeUndefined();
    expect(anthropicAdapter.needsStreamUsageOption).toBe(false);
    expect(anthropicAdapter.nativeFormat).toBe("anthropic");
  });

  it("takes a beta header and version override from the options", () => {
    const headers = anthropicAdapter.target(
      credential("anthropic", "https://api.anthropic.com", {
        anthropicBeta: "prompt-caching-2024-07-31",
        anthropicVersion: "2024-01-01",
      }),
      "messages",
      "m",
    ).headers;
    expect(headers["anthropic-beta"]).toBe("prompt-caching-2024-07-31");
    expect(headers["anthropic-version"]).toBe("2024-01-01");
  });

  it("serves no OpenAI endpoint", () => {
    expect(() => anthropicAdapter.target(cred, "chat.completions", "m")).toThrow();
  });
});
