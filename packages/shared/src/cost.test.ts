import { describe, expect, it } from "vitest";
import { costNanoUsd, estimateMaxCostNanoUsd, formatUsd, usdToNanoUsd } from "./cost";
import { MODEL_PRICES } from "./prices";

const gpt4o = MODEL_PRICES["gpt-4o"]; // $2.50 in, $10 out, $1.25 cached, per 1M
const usage = (inputTokens: number, outputTokens: number, cachedInputTokens = 0) => ({
  inputTokens,
  outputTokens,
  cachedInputTokens,
});

describe("costNanoUsd", () => {
  it("prices tokens exactly in nano-USD", () => {
    // 1M input = $2.50, 1M output = $10
    expect(costNanoUsd(gpt4o, usage(1_000_000, 0))).toBe(2_500_000_000);
    expect(costNanoUsd(gpt4o, usage(0, 1_000_000))).toBe(10_000_000_000);
    // 1,000 in + 500 out = 0.0025 + 0.005 USD
    expect(costNanoUsd(gpt4o, usage(1_000, 500))).toBe(7_500_000);
    expect(costNanoUsd(gpt4o, usage(0, 0))).toBe(0);
  });

  it("bills cached input, a subset of input, at the cached price", () => {
    // 1,000 input of which 800 cached: 200 at $2.50/1M + 800 at $1.25/1M
    expect(costNanoUsd(gpt4o, usage(1_000, 0, 800))).toBe(500_000 + 1_000_000);
    expect(costNanoUsd(gpt4o, usage(1_000, 0, 1_000))).toBe(1_250_000);
  });

  it("bills cached input at the input price when the model has no cached price", () => {
    const noCache = { ...gpt4o, cachedInputMicroUsdPerMTok: null };
    expect(costNanoUsd(noCache, usage(1_000, 0, 800))).toBe(costNanoUsd(noCache, usage(1_000, 0)));
  });

  it("rounds up once, on the sum, not per part", () => {
    // a price of 1 micro-USD per 1M tokens is 0.001 nano-USD per token
    const tiny = {
      inputMicroUsdPerMTok: 1,
      outputMicroUsdPerMTok: 1,
      cachedInputMicroUsdPerMTok: 1,
    };
    expect(costNanoUsd(tiny, usage(1, 0))).toBe(1); // 0.001 → 1
    expect(costNanoUsd(tiny, usage(1_000, 0))).toBe(1); // exactly 1
    expect(costNanoUsd(tiny, usage(1_001, 0))).toBe(2); // 1.001 → 2
    // 0.5 + 0.3 + 0.2 nano = exactly 1; rounding each part up would charge 3
    expect(costNanoUsd(tiny, usage(800, 200, 300))).toBe(1);
  });

  it("never returns a fraction", () => {
    const p = MODEL_PRICES["claude-3-5-haiku"];
    for (const [i, o, c] of [
      [1, 1, 0],
      [7, 13, 3],
      [123_457, 9_876, 100_000],
    ] as const) {
      expect(Number.isInteger(costNanoUsd(p, usage(i, o, c)))).toBe(true);
    }
  });

  it("stays exact beyond 2^53 intermediate products", () => {
    const pricey = MODEL_PRICES["o1-pro"]; // $150 in, $600 out
    // 20M output tokens × 600,000,000 = 1.2e16 > MAX_SAFE_INTEGER before the division
    const tokens = 20_000_001;
    const expected = (BigInt(tokens) * 600_000_000n + 999n) / 1000n;
    expect(costNanoUsd(pricey, usage(0, tokens))).toBe(Number(expected));
    const mixed = usage(15_000_003, 15_000_007, 1);
    const exact =
      BigInt(15_000_002) * 150_000_000n + 1n * 150_000_000n + 15_000_007n * 600_000_000n;
    expect(costNanoUsd(pricey, mixed)).toBe(Number((exact + 999n) / 1000n));
  });

  it("refuses a cost it cannot represent exactly", () => {
    const absurd = {
      inputMicroUsdPerMTok: 2 ** 40,
      outputMicroUsdPerMTok: 0,
      cachedInputMicroUsdPerMTok: null,
    };
    expect(() => costNanoUsd(absurd, usage(2 ** 40, 0))).toThrow(RangeError);
  });

  it.each([
    ["negative input", usage(-1, 0)],
    ["fractional output", usage(1, 0.5)],
    ["NaN", usage(Number.NaN, 0)],
    ["cached more than input", usage(10, 0, 11)],
  ])("rejects %s", (_, bad) => {
    expect(() => costNanoUsd(gpt4o, bad)).toThrow(RangeError);
  });

  describe("prompt-cache writes (Anthropic)", () => {
    const sonnet = MODEL_PRICES["claude-sonnet-4-5"]; // $3 in, $3.75 5m write, $6 1h write, $0.30 read
    const writes = (input: number, output: number, write5m: number, write1h: number, read = 0) => ({
      ...usage(input, output, read),
      cacheWrite5mTokens: write5m,
      cacheWrite1hTokens: write1h,
    });

    it("bills 5-minute writes at 1.25x input, not at the input price", () => {
      // 2,000 uncached at $3/1M + 8,000 written for 5 minutes at $3.75/1M
      expect(costNanoUsd(sonnet, writes(10_000, 0, 8_000, 0))).toBe(6_000_000 + 30_000_000);
      expect(costNanoUsd(sonnet, writes(10_000, 0, 8_000, 0))).toBeGreaterThan(
        costNanoUsd(sonnet, usage(10_000, 0)),
      );
    });

    it("bills 1-hour writes at 2x input", () => {
      expect(costNanoUsd(sonnet, writes(10_000, 0, 0, 8_000))).toBe(6_000_000 + 48_000_000);
    });

    it("bills reads, both writes, uncached input and output each at their own price", () => {
      // 1,000 uncached $3 + 2,000 read $0.30 + 3,000 5m $3.75 + 4,000 1h $6 + 500 out $15
      expect(costNanoUsd(sonnet, writes(10_000, 500, 3_000, 4_000, 2_000))).toBe(
        3_000_000 + 600_000 + 11_250_000 + 24_000_000 + 7_500_000,
      );
    });

    it("applies Anthropic's multipliers when a price has no write prices (a workspace override)", () => {
      const override = {
        inputMicroUsdPerMTok: 3,
        outputMicroUsdPerMTok: 0,
        cachedInputMicroUsdPerMTok: null,
      };
      // 1,000 5m writes at 3.75 micro-USD/1M = 3.75 nano → 4; 1h at 6 → 6
      expect(costNanoUsd(override, writes(1_000, 0, 1_000, 0))).toBe(4);
      expect(costNanoUsd(override, writes(1_000, 0, 0, 1_000))).toBe(6);
      // 2,000 5m writes at 1.25 micro-USD/1M (2.5 nano) + 500 uncached at 1 (0.5 nano) = 3
      // exactly: rounding each part up would charge 4
      const one = { ...override, inputMicroUsdPerMTok: 1 };
      expect(costNanoUsd(one, writes(2_500, 0, 2_000, 0))).toBe(3);
    });

    it("rejects reads and writes that add up to more than the input", () => {
      expect(() => costNanoUsd(sonnet, writes(100, 0, 60, 30, 20))).toThrow(RangeError);
      expect(() => costNanoUsd(sonnet, writes(100, 0, -1, 0))).toThrow(RangeError);
    });
  });

  describe("reasoning tokens", () => {
    const o3 = MODEL_PRICES.o3; // $8 out
    it("bills them as output: shown apart, never charged twice or at another price", () => {
      const withReasoning = { ...usage(1_000, 800), reasoningTokens: 600 };
      expect(costNanoUsd(o3, withReasoning)).toBe(costNanoUsd(o3, usage(1_000, 800)));
      expect(costNanoUsd(o3, withReasoning)).toBe(2_000_000 + 6_400_000);
    });

    it("rejects more reasoning than output", () => {
      expect(() => costNanoUsd(o3, { ...usage(10, 5), reasoningTokens: 6 })).toThrow(RangeError);
    });
  });

  describe("long-context tiers", () => {
    const sonnet = MODEL_PRICES["claude-sonnet-4-5"]; // above 200k: $6 in, $22.50 out, $0.60 read
    const gemini = MODEL_PRICES["gemini-2.5-pro"]; // above 200k: $2.50 in, $15 out

    it("keeps the base rates up to the threshold and bills the whole request above it", () => {
      expect(costNanoUsd(sonnet, usage(200_000, 1_000))).toBe(600_000_000 + 15_000_000);
      expect(costNanoUsd(sonnet, usage(200_001, 1_000))).toBe(1_200_006_000 + 22_500_000);
      expect(costNanoUsd(gemini, usage(200_000, 1_000))).toBe(250_000_000 + 10_000_000);
      expect(costNanoUsd(gemini, usage(200_001, 1_000))).toBe(500_002_500 + 15_000_000);
    });

    it("counts cache reads and writes toward the threshold and prices them at the tier", () => {
      // 10k uncached + 190k read + 1k 5m writes = 201k prompt tokens: all at long-context rates
      const big = { ...usage(201_000, 0, 190_000), cacheWrite5mTokens: 1_000 };
      expect(costNanoUsd(sonnet, big)).toBe(60_000_000 + 114_000_000 + 7_500_000);
    });

    it("leaves models without a tier at one price", () => {
      const flat = MODEL_PRICES["claude-sonnet-4-6"];
      expect(costNanoUsd(flat, usage(400_000, 0))).toBe(2 * costNanoUsd(flat, usage(200_000, 0)));
    });
  });

  it("rejects a fractional price", () => {
    const bad = { ...gpt4o, inputMicroUsdPerMTok: 2.5 };
    expect(() => costNanoUsd(bad, usage(1, 0))).toThrow(RangeError);
  });
});

describe("estimateMaxCostNanoUsd", () => {
  it("assumes no cache discount and the full output allowance", () => {
    expect(estimateMaxCostNanoUsd(gpt4o, 1_000, 500)).toBe(7_500_000);
    expect(estimateMaxCostNanoUsd(gpt4o, 1_000, 500)).toBeGreaterThanOrEqual(
      costNanoUsd(gpt4o, usage(1_000, 500, 1_000)),
    );
  });

  it("is never below the actual cost of a request within the allowance", () => {
    const p = MODEL_PRICES["claude-sonnet-4-5"];
    for (const [prompt, max, out, cached] of [
      [10, 10, 10, 0],
      [999, 1, 1, 999],
      [3, 7, 5, 2],
    ]) {
      expect(estimateMaxCostNanoUsd(p, prompt!, max!)).toBeGreaterThanOrEqual(
        costNanoUsd(p, usage(prompt!, out!, cached)),
      );
    }
  });

  it("uses the long-context tier when the prompt is above its threshold", () => {
    const sonnet = MODEL_PRICES["claude-sonnet-4-5"];
    expect(estimateMaxCostNanoUsd(sonnet, 300_000, 1_000)).toBe(1_800_000_000 + 22_500_000);
    expect(estimateMaxCostNanoUsd(sonnet, 300_000, 1_000)).toBe(
      costNanoUsd(sonnet, usage(300_000, 1_000)),
    );
  });

  it("covers a prompt written to the cache when told the request writes it", () => {
    const sonnet = MODEL_PRICES["claude-sonnet-4-5"];
    const allWritten1h = { ...usage(1_000, 100), cacheWrite1hTokens: 1_000 };
    expect(estimateMaxCostNanoUsd(sonnet, 1_000, 100)).toBeLessThan(
      costNanoUsd(sonnet, allWritten1h),
    );
    expect(estimateMaxCostNanoUsd(sonnet, 1_000, 100, "1h")).toBe(
      costNanoUsd(sonnet, allWritten1h),
    );
    expect(estimateMaxCostNanoUsd(sonnet, 1_000, 100, "5m")).toBe(
      costNanoUsd(sonnet, { ...usage(1_000, 100), cacheWrite5mTokens: 1_000 }),
    );
  });

  it("saturates instead of throwing on an absurd max_tokens", () => {
    expect(estimateMaxCostNanoUsd(gpt4o, 10, Number.MAX_SAFE_INTEGER)).toBe(
      Number.MAX_SAFE_INTEGER,
    );
  });
});

describe("formatUsd", () => {
  it.each([
    [2_500_000_000, "$2.50"],
    [0, "$0.00"],
    [1_500, "$0.0000015"],
    [1, "$0.000000001"],
    [1_000_000_000, "$1.00"],
    [12_340_000_000, "$12.34"],
    [123_456_789_012, "$123.456789012"],
    [-2_500_000_000, "-$2.50"],
    [Number.MAX_SAFE_INTEGER, "$9007199.254740991"],
  ])("formats %d nano-USD exactly as %s", (nano, text) => {
    expect(formatUsd(nano)).toBe(text);
  });

  it.each([
    [2_500_000_000, 2, "$2.50"],
    [1_500, 2, "$0.00"],
    [1_500, 6, "$0.000002"], // half rounds away from zero
    [1_499, 6, "$0.000001"],
    [4_999_999_999, 2, "$5.00"],
    [4_994_999_999, 2, "$4.99"],
    [1_234_567_890, 0, "$1"],
    [-5_000_000, 2, "-$0.01"],
    [-4_000_000, 2, "$0.00"],
    [1_500, 9, "$0.000001500"],
  ])("formats %d with %d decimals as %s", (nano, decimals, text) => {
    expect(formatUsd(nano, { decimals })).toBe(text);
  });

  it("accepts bigint", () => {
    expect(formatUsd(10n ** 20n)).toBe("$100000000000.00");
  });

  it("rejects unsafe numbers and bad options", () => {
    expect(() => formatUsd(0.5)).toThrow(RangeError);
    expect(() => formatUsd(2 ** 60)).toThrow(RangeError);
    expect(() => formatUsd(1, { decimals: 10 })).toThrow(RangeError);
    expect(() => formatUsd(1, { decimals: 1.5 })).toThrow(RangeError);
  });
});

describe("usdToNanoUsd", () => {
  it.each([
    ["12.34", 12_340_000_000],
    ["0", 0],
    ["5", 5_000_000_000],
    ["$5", 5_000_000_000],
    [" 0.1 ", 100_000_000],
    ["0.000000001", 1],
    ["1.000000000", 1_000_000_000],
    ["9007199.254740991", Number.MAX_SAFE_INTEGER],
  ])("parses %j exactly", (text, nano) => {
    expect(usdToNanoUsd(text)).toBe(nano);
  });

  it("round-trips with formatUsd", () => {
    for (const nano of [0, 1, 999, 1_500, 2_500_000_000, 123_456_789_012]) {
      expect(usdToNanoUsd(formatUsd(nano))).toBe(nano);
    }
  });

  it.each([
    "",
    "abc",
    "-1",
    "+1",
    "1e3",
    "1,000",
    "1.",
    ".5",
    "0.0000000001",
    "1.2.3",
    "NaN",
    "Infinity",
    "0x10",
    "9007199.254740992",
    "$",
    "1 000",
  ])("rejects %j", (text) => {
    expect(() => usdToNanoUsd(text)).toThrow(RangeError);
  });
});
