import { describe, expect, it } from "vitest";
import { usageFromAnthropicJson, usageFromOpenaiAnyJson, usageFromOpenaiJson } from "./usage";

describe("usage extraction", () => {
  it("reads chat and completions usage with cached tokens as a subset of input", () => {
    expect(
      usageFromOpenaiJson({
        object: "chat.completion",
        usage: {
          prompt_tokens: 2006,
          completion_tokens: 300,
          total_tokens: 2306,
          prompt_tokens_details: { cached_tokens: 1920 },
        },
      }),
    ).toEqual({ inputTokens: 2006, outputTokens: 300, cachedInputTokens: 1920 });
    expect(
      usageFromOpenaiJson({
        object: "text_completion",
        usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
      }),
    ).toEqual({
      inputTokens: 5,
      outputTokens: 7,
      cachedInputTokens: 0,
    });
  });

  it("returns null when there is no usage", () => {
    expect(usageFromOpenaiJson({ choices: [] })).toBeNull();
    expect(usageFromOpenaiJson("nope")).toBeNull();
    expect(usageFromAnthropicJson({ content: [] })).toBeNull();
    expect(usageFromOpenaiAnyJson({ usage: null })).toBeNull();
  });

  it("reads embeddings, Responses objects and Responses terminal events", () => {
    expect(
      usageFromOpenaiAnyJson({
        object: "list",
        data: [],
        usage: { prompt_tokens: 8, total_tokens: 8 },
      }),
    ).toEqual({
      inputTokens: 8,
      outputTokens: 0,
      cachedInputTokens: 0,
    });
    const responseUsage = {
      input_tokens: 37,
      input_tokens_details: { cached_tokens: 32 },
      output_tokens: 11,
      output_tokens_details: { reasoning_tokens: 4 },
      total_tokens: 48,
    };
    expect(usageFromOpenaiAnyJson({ object: "response", usage: responseUsage })).toEqual({
      inputTokens: 37,
      outputTokens: 11,
      cachedInputTokens: 32,
    });
    expect(
      usageFromOpenaiAnyJson({ type: "response.completed", response: { usage: responseUsage } }),
    ).toEqual({
      inputTokens: 37,
      outputTokens: 11,
      cachedInputTokens: 32,
    });
  });

  it("adds Anthropic cache reads and writes to input, cached = reads", () => {
    expect(
      usageFromAnthropicJson({
        usage: {
          input_tokens: 50,
          cache_creation_input_tokens: 1000,
          cache_read_input_tokens: 2000,
          output_tokens: 70,
        },
      }),
    ).toEqual({ inputTokens: 3050, outputTokens: 70, cachedInputTokens: 2000 });
    expect(
      usageFromAnthropicJson({
        usage: { input_tokens: 9, output_tokens: 3, cache_read_input_tokens: null },
      }),
    ).toEqual({
      inputTokens: 9,
      outputTokens: 3,
      cachedInputTokens: 0,
    });
  });
});
