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
      reasoningTokens: 4,
    });
    expect(
      usageFromOpenaiAnyJson({ type: "response.completed", response: { usage: responseUsage } }),
    ).toEqual({
      inputTokens: 37,
      outputTokens: 11,
      cachedInputTokens: 32,
      reasoningTokens: 4,
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
    ).toEqual({
      inputTokens: 3050,
      outputTokens: 70,
      cachedInputTokens: 2000,
      // no cache_creation split (older API versions): the default 5-minute TTL
      cacheWrite5mTokens: 1000,
    });
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

  it("splits Anthropic cache writes by TTL, each a subset of input", () => {
    expect(
      usageFromAnthropicJson({
        usage: {
          input_tokens: 12,
          cache_creation_input_tokens: 3000,
          cache_read_input_tokens: 500,
          cache_creation: { ephemeral_5m_input_tokens: 1000, ephemeral_1h_input_tokens: 2000 },
          output_tokens: 40,
        },
      }),
    ).toEqual({
      inputTokens: 3512,
      outputTokens: 40,
      cachedInputTokens: 500,
      cacheWrite5mTokens: 1000,
      cacheWrite1hTokens: 2000,
    });
    // a split that accounts for less than the total: the rest has the default TTL
    expect(
      usageFromAnthropicJson({
        usage: {
          input_tokens: 0,
          cache_creation_input_tokens: 300,
          cache_creation: { ephemeral_1h_input_tokens: 100 },
          output_tokens: 1,
        },
      }),
    ).toMatchObject({ inputTokens: 300, cacheWrite5mTokens: 200, cacheWrite1hTokens: 100 });
  });

  it("reads OpenAI reasoning tokens as a subset of completion tokens", () => {
    expect(
      usageFromOpenaiJson({
        usage: {
          prompt_tokens: 20,
          completion_tokens: 900,
          total_tokens: 920,
          completion_tokens_details: { reasoning_tokens: 768 },
        },
      }),
    ).toEqual({ inputTokens: 20, outputTokens: 900, cachedInputTokens: 0, reasoningTokens: 768 });
  });

  it("bills reasoning a compatible server reports beside completion tokens as output too", () => {
    // total = prompt + completion + reasoning: the completion count left the thinking out
    expect(
      usageFromOpenaiJson({
        usage: {
          prompt_tokens: 21,
          completion_tokens: 10,
          total_tokens: 91,
          completion_tokens_details: { reasoning_tokens: 60 },
        },
      }),
    ).toEqual({ inputTokens: 21, outputTokens: 70, cachedInputTokens: 0, reasoningTokens: 60 });
  });
});
