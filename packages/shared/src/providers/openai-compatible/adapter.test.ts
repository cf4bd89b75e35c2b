import { describe, expect, it } from "vitest";
import { credential } from "../test-credential";
import { openaiCompatibleAdapter } from "./adapter";

describe("openai-compatible adapter", () => {
  it("targets vLLM/Ollama-style base URLs", () => {
    const target = openaiCompatibleAdapter.target(
      credential("openai_compatible", "http://127.0.0.1:8000/v1/"),
      "chat.completions",
      "meta-llama/Llama-3.1-8B-Instruct",
    );
    expect(target.url).toBe("http://127.0.0.1:8000/v1/chat/completions");
    expect(target.headers.authorization).toBe("Bearer sk-test-123");
    expect(
      openaiCompatibleAdapter.target(
        credential("openai_compatible", "https://api.groq.com/openai/v1"),
        "completions",
        "x",
      ).url,
    ).toBe("https://api.groq.com/openai/v1/completions");
  });

  it("sends no Authorization header when the credential has no key (local Ollama)", () => {
    const target = openaiCompatibleAdapter.target(
      credential("openai_compatible", "http://localhost:11434/v1", {}, ""),
      "embeddings",
      "nomic-embed-text",
    );
    expect(target.headers).toEqual({
      "content-type": "application/json",
      accept: "application/json",
    });
    expect(target.url).toBe("http://localhost:11434/v1/embeddings");
  });

  it("is an OpenAI-format provider of its own type", () => {
    expect(openaiCompatibleAdapter.type).toBe("openai_compatible");
    expect(openaiCompatibleAdapter.nativeFormat).toBe("openai");
    expect(openaiCompatibleAdapter.needsStreamUsageOption).toBe(true);
  });
});
