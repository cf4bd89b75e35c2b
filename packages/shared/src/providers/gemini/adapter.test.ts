import { describe, expect, it } from "vitest";
import { credential } from "../test-credential";
import { GEMINI_DEFAULT_BASE_URL, geminiAdapter } from "./adapter";

describe("gemini adapter", () => {
  it("targets Google's OpenAI-compatible endpoint with Bearer auth", () => {
    const target = geminiAdapter.target(
      credential("gemini", `${GEMINI_DEFAULT_BASE_URL}/`, {}, "AIzaSyTest"),
      "chat.completions",
      "gemini-2.5-flash",
    );
    expect(target).toEqual({
      url: "https://generativelanguage.googleapis.com/v1beta/openai/chat/completions",
      headers: {
        "content-type": "application/json",
        accept: "application/json",
        authorization: "Bearer AIzaSyTest",
      },
    });
  });

  it("serves chat and embeddings only", () => {
    const cred = credential("gemini", GEMINI_DEFAULT_BASE_URL);
    expect(geminiAdapter.target(cred, "embeddings", "gemini-embedding-001").url).toBe(
      "https://generativelanguage.googleapis.com/v1beta/openai/embeddings",
    );
    expect(geminiAdapter.modelsTarget(cred).url).toBe(
      "https://generativelanguage.googleapis.com/v1beta/openai/models",
    );
    expect(geminiAdapter.endpoints.has("responses")).toBe(false);
    expect(geminiAdapter.endpoints.has("completions")).toBe(false);
    expect(() => geminiAdapter.target(cred, "responses", "gemini-2.5-flash")).toThrow();
    expect(geminiAdapter.type).toBe("gemini");
  });
});
