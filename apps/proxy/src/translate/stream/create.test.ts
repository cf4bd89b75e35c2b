import { describe, expect, it } from "vitest";
import { createStreamTranslator } from "./create";

const options = { clientModel: "m", clientWantsUsage: false };

describe("createStreamTranslator", () => {
  it("accepts either side's chat endpoint for the translating pairs", () => {
    expect(() => createStreamTranslator("openai", "anthropic", "messages", options)).not.toThrow();
    expect(() =>
      createStreamTranslator("anthropic", "openai", "chat.completions", options),
    ).not.toThrow();
  });

  it("refuses combinations that cannot stream", () => {
    expect(() => createStreamTranslator("openai", "anthropic", "embeddings", options)).toThrow(
      /no stream translator/,
    );
    expect(() =>
      createStreamTranslator("anthropic", "anthropic", "messages.count_tokens", options),
    ).toThrow();
    expect(() => createStreamTranslator("openai", "openai", "embeddings", options)).toThrow();
  });
});
