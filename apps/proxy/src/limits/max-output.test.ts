import { describe, expect, it } from "vitest";
import { capMaxOutputTokens, requestedOutput } from "./max-output";

describe("requestedOutput", () => {
  it("reads any max-output name, else the default, times n where the API has n", () => {
    expect(requestedOutput({ max_tokens: 50 }, "chat.completions", 4096)).toEqual({
      perChoice: 50,
      choices: 1,
    });
    expect(requestedOutput({ max_completion_tokens: 70, n: 3 }, "chat.completions", 4096)).toEqual({
      perChoice: 70,
      choices: 3,
    });
    expect(requestedOutput({ max_output_tokens: 90 }, "responses", 4096)).toEqual({
      perChoice: 90,
      choices: 1,
    });
    expect(requestedOutput({}, "chat.completions", 4096)).toEqual({ perChoice: 4096, choices: 1 });
    // Anthropic and Responses have no n
    expect(requestedOutput({ max_tokens: 20, n: 4 }, "messages", 4096)).toEqual({
      perChoice: 20,
      choices: 1,
    });
    expect(requestedOutput({ input: "x" }, "embeddings", 4096)).toEqual({
      perChoice: 0,
      choices: 1,
    });
    // unreadable values fall back to the default
    expect(requestedOutput({ max_tokens: "lots", n: 2.5 }, "completions", 4096)).toEqual({
      perChoice: 4096,
      choices: 1,
    });
  });
});

describe("capMaxOutputTokens", () => {
  it("lowers OpenAI chat's max_tokens and max_completion_tokens, split over n answers", () => {
    const body = { model: "m", messages: [], max_tokens: 500, n: 2 };
    const capped = capMaxOutputTokens(body, "chat.completions", 301);
    expect(capped).toEqual({ body: { ...body, max_tokens: 150 }, perChoice: 150 });
    // pure: the input is untouched
    expect(body.max_tokens).toBe(500);

    const both = capMaxOutputTokens(
      { max_tokens: 900, max_completion_tokens: 40 },
      "chat.completions",
      100,
    );
    expect(both).toEqual({ body: { max_tokens: 100, max_completion_tokens: 40 }, perChoice: 40 });
  });

  it("writes max_completion_tokens when an OpenAI chat body sets no limit", () => {
    expect(capMaxOutputTokens({ messages: [] }, "chat.completions", 4096)).toEqual({
      body: { messages: [], max_completion_tokens: 4096 },
      perChoice: 4096,
    });
  });

  it("bounds the Responses API's max_output_tokens and Anthropic's max_tokens", () => {
    expect(capMaxOutputTokens({ input: "hi" }, "responses", 64)).toEqual({
      body: { input: "hi", max_output_tokens: 64 },
      perChoice: 64,
    });
    expect(capMaxOutputTokens({ max_output_tokens: 1000 }, "responses", 64)?.perChoice).toBe(64);
    expect(capMaxOutputTokens({ max_tokens: 4096, messages: [] }, "messages", 333)).toEqual({
      body: { max_tokens: 333, messages: [] },
      perChoice: 333,
    });
  });

  it("returns null when the body is already within the bound (nothing to re-serialise)", () => {
    expect(capMaxOutputTokens({ max_tokens: 20 }, "chat.completions", 20)).toBeNull();
    expect(capMaxOutputTokens({ max_tokens: 20 }, "messages", 1000)).toBeNull();
    expect(capMaxOutputTokens({ max_tokens: 10, n: 3 }, "completions", 30)).toBeNull();
    // the legacy completions API stops at 16 tokens by default
    expect(capMaxOutputTokens({ prompt: "x" }, "completions", 100)).toBeNull();
    expect(capMaxOutputTokens({ prompt: "x" }, "completions", 10)).toEqual({
      body: { prompt: "x", max_tokens: 10 },
      perChoice: 10,
    });
    // no answer to bound
    expect(capMaxOutputTokens({ input: "x" }, "embeddings", 5)).toBeNull();
    expect(capMaxOutputTokens({ messages: [] }, "messages.count_tokens", 5)).toBeNull();
  });

  it("bounds a value it cannot read rather than forwarding it unbounded", () => {
    expect(capMaxOutputTokens({ max_tokens: "9999" }, "messages", 50)).toEqual({
      body: { max_tokens: 50 },
      perChoice: 50,
    });
  });
});
