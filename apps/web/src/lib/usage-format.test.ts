import { describe, expect, it } from "vitest";
import { tokenSummary } from "./usage-format";

const plain = {
  inputTokens: 1_200,
  cachedInputTokens: 0,
  cacheWrite5mTokens: 0,
  cacheWrite1hTokens: 0,
  outputTokens: 300,
  reasoningTokens: 0,
};

describe("tokenSummary (the request detail's token row)", () => {
  it("shows a plain request as before", () => {
    expect(tokenSummary(plain)).toBe("1,200 in (0 cached) · 300 out");
  });

  it("names cache writes by TTL and reasoning tokens, each as a part of its total", () => {
    expect(
      tokenSummary({
        ...plain,
        inputTokens: 3_512,
        cachedInputTokens: 500,
        cacheWrite5mTokens: 1_000,
        cacheWrite1hTokens: 2_000,
        outputTokens: 900,
        reasoningTokens: 768,
      }),
    ).toBe(
      "3,512 in (500 cached · 1,000 written to cache for 5 min · 2,000 written to cache for 1 h) · 900 out (768 reasoning)",
    );
  });
});
