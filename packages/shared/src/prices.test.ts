import { describe, expect, it } from "vitest";
import { findModelPrice, MODEL_PRICES, type PriceProvider } from "./prices";
import type { PriceOverride } from "./config-snapshot";

describe("MODEL_PRICES", () => {
  it("holds integer micro-USD per million tokens", () => {
    for (const [model, price] of Object.entries(MODEL_PRICES)) {
      const values = [
        price.inputMicroUsdPerMTok,
        price.outputMicroUsdPerMTok,
        price.cachedInputMicroUsdPerMTok ?? 0,
        price.cacheWriteMicroUsdPerMTok ?? 0,
      ];
      for (const value of values) {
        expect(Number.isSafeInteger(value) && value >= 0, `${model}: ${value}`).toBe(true);
      }
      // a cache read is a discount, never a surcharge
      if (price.cachedInputMicroUsdPerMTok !== null) {
        expect(price.cachedInputMicroUsdPerMTok).toBeLessThan(price.inputMicroUsdPerMTok);
      }
    }
  });

  it("covers the models the gateway is expected to price", () => {
    const expected: Record<PriceProvider, string[]> = {
      openai: [
        "gpt-5",
        "gpt-5-mini",
        "gpt-5-nano",
        "gpt-4.1",
        "gpt-4.1-mini",
        "gpt-4.1-nano",
        "gpt-4o",
        "gpt-4o-mini",
        "o1",
        "o3",
        "o3-mini",
        "o4-mini",
        "text-embedding-3-small",
        "text-embedding-3-large",
        "text-embedding-ada-002",
      ],
      anthropic: [
        "claude-opus-4",
        "claude-opus-4-1",
        "claude-opus-4-5",
        "claude-sonnet-4",
        "claude-sonnet-4-5",
        "claude-haiku-4-5",
        "claude-3-7-sonnet",
        "claude-3-5-haiku",
      ],
      google: ["gemini-2.5-pro", "gemini-2.5-flash", "gemini-2.5-flash-lite", "gemini-2.0-flash"],
    };
    for (const [provider, models] of Object.entries(expected)) {
      for (const model of models) {
        expect(MODEL_PRICES[model as keyof typeof MODEL_PRICES]?.provider, model).toBe(provider);
      }
    }
  });

  it("states well-known prices in the table's unit", () => {
    expect(MODEL_PRICES["gpt-4o"]).toEqual({
      provider: "openai",
      inputMicroUsdPerMTok: 2_500_000,
      outputMicroUsdPerMTok: 10_000_000,
      cachedInputMicroUsdPerMTok: 1_250_000,
      cacheWriteMicroUsdPerMTok: null,
      cacheWrite1hMicroUsdPerMTok: null,
      longContext: null,
    });
    expect(MODEL_PRICES["claude-sonnet-4-5"]).toMatchObject({
      inputMicroUsdPerMTok: 3_000_000,
      outputMicroUsdPerMTok: 15_000_000,
      cachedInputMicroUsdPerMTok: 300_000,
      cacheWriteMicroUsdPerMTok: 3_750_000,
    });
    expect(MODEL_PRICES["text-embedding-3-small"].outputMicroUsdPerMTok).toBe(0);
  });

  it("prices every Anthropic cache write by Anthropic's rule: 1.25x input for 5 minutes, 2x for 1 hour", () => {
    for (const [model, price] of Object.entries(MODEL_PRICES)) {
      const tiers = price.longContext ? [price, price.longContext] : [price];
      for (const tier of tiers) {
        if (price.provider !== "anthropic") {
          expect([tier.cacheWriteMicroUsdPerMTok, tier.cacheWrite1hMicroUsdPerMTok], model).toEqual(
            [null, null],
          );
          continue;
        }
        expect(tier.cacheWrite1hMicroUsdPerMTok, model).toBe(tier.inputMicroUsdPerMTok * 2);
        // Claude 3 Haiku's published 5-minute write and read prices are rounded ($0.30, $0.03)
        if (model === "claude-3-haiku") continue;
        expect(tier.cacheWriteMicroUsdPerMTok, model).toBe((tier.inputMicroUsdPerMTok * 5) / 4);
        expect(tier.cachedInputMicroUsdPerMTok, model).toBe(tier.inputMicroUsdPerMTok / 10);
      }
    }
  });

  it("gives Claude Sonnet 4 and 4.5 Anthropic's long-context rates above 200k prompt tokens", () => {
    // the reference has no long-context data for Anthropic: check the published rule instead
    // (input and every cache price 2x, output 1.5x)
    for (const model of ["claude-sonnet-4", "claude-sonnet-4-0", "claude-sonnet-4-5"] as const) {
      const price = MODEL_PRICES[model];
      expect(price.longContext, model).toEqual({
        aboveInputTokens: 200_000,
        inputMicroUsdPerMTok: price.inputMicroUsdPerMTok * 2,
        outputMicroUsdPerMTok: (price.outputMicroUsdPerMTok * 3) / 2,
        cachedInputMicroUsdPerMTok: price.cachedInputMicroUsdPerMTok! * 2,
        cacheWriteMicroUsdPerMTok: price.cacheWriteMicroUsdPerMTok! * 2,
        cacheWrite1hMicroUsdPerMTok: price.cacheWrite1hMicroUsdPerMTok! * 2,
      });
    }
    // the 4.6 models bill their whole 1M window at standard rates
    expect(MODEL_PRICES["claude-sonnet-4-6"].longContext).toBeNull();
    expect(MODEL_PRICES["claude-opus-4-6"].longContext).toBeNull();
  });

  it("cannot be changed at runtime", () => {
    expect(Object.isFrozen(MODEL_PRICES)).toBe(true);
    expect(Object.isFrozen(MODEL_PRICES["gpt-4o"])).toBe(true);
    expect(Object.isFrozen(MODEL_PRICES["gemini-2.5-pro"].longContext)).toBe(true);
  });
});

describe("findModelPrice", () => {
  it("finds an exact id", () => {
    expect(findModelPrice("gpt-4o-mini")).toMatchObject({
      model: "gpt-4o-mini",
      source: "builtin",
      provider: "openai",
      inputMicroUsdPerMTok: 150_000,
    });
  });

  it.each([
    ["gpt-4o-2024-08-06", "gpt-4o"],
    ["gpt-4o-2024-11-20", "gpt-4o"],
    ["gpt-4o-mini-2024-07-18", "gpt-4o-mini"],
    ["gpt-5-mini-2025-08-07", "gpt-5-mini"],
    ["gpt-4.1-nano-2025-04-14", "gpt-4.1-nano"],
    ["o3-mini-2025-01-31", "o3-mini"],
    ["o1-2024-12-17", "o1"],
    ["claude-3-5-haiku-20241022", "claude-3-5-haiku"],
    ["claude-3-7-sonnet-latest", "claude-3-7-sonnet"],
    ["claude-sonnet-4-5-20250929", "claude-sonnet-4-5"],
    ["claude-opus-4-20250514", "claude-opus-4"],
    ["claude-3-5-haiku@20241022", "claude-3-5-haiku"],
    ["anthropic.claude-3-5-haiku-20241022-v1:0", "claude-3-5-haiku"],
    ["us.anthropic.claude-sonnet-4-20250514-v1:0", "claude-sonnet-4"],
    ["gemini-2.0-flash-001", "gemini-2.0-flash"],
    ["openai/gpt-4o", "gpt-4o"],
    ["anthropic/claude-haiku-4-5", "claude-haiku-4-5"],
    ["models/gemini-2.5-flash", "gemini-2.5-flash"],
    ["GPT-4o", "gpt-4o"],
  ])("resolves %s to %s", (requested, base) => {
    expect(findModelPrice(requested)?.model).toBe(base);
  });

  it("prefers the longest matching base", () => {
    // "gpt-4o" is also a prefix of this name; the longer, more specific id must win
    expect(findModelPrice("gpt-4o-mini-2024-07-18")?.inputMicroUsdPerMTok).toBe(150_000);
  });

  it("keeps a snapshot's own price over its base", () => {
    expect(findModelPrice("gpt-4o-2024-05-13")?.inputMicroUsdPerMTok).toBe(5_000_000);
  });

  it.each([
    "gpt-5.9",
    "gpt-5-ultra",
    "claude-opus-4-9",
    "gpt-4o-realtime-preview",
    "my-custom-model",
    "",
    "constructor",
    "__proto__",
  ])("returns null for the unknown model %j", (model) => {
    expect(findModelPrice(model)).toBeNull();
  });

  it("does not let a different model inherit its base's price", () => {
    // gpt-5-pro costs 12x gpt-5; a prefix match must not price it as gpt-5
    expect(findModelPrice("gpt-5-pro")?.model).toBe("gpt-5-pro");
    expect(findModelPrice("gpt-5-pro-2025-10-06")?.inputMicroUsdPerMTok).toBe(15_000_000);
  });

  describe("with workspace overrides", () => {
    const overrides: PriceOverride[] = [
      {
        model: "gpt-4o",
        inputMicroUsdPerMTok: 1_000_000,
        outputMicroUsdPerMTok: 2_000_000,
        cachedInputMicroUsdPerMTok: null,
      },
      {
        model: "acme-llm",
        inputMicroUsdPerMTok: 7,
        outputMicroUsdPerMTok: 9,
        cachedInputMicroUsdPerMTok: 3,
      },
    ];

    it("uses an override before the built-in price", () => {
      expect(findModelPrice("gpt-4o", overrides)).toEqual({
        model: "gpt-4o",
        source: "override",
        provider: null,
        inputMicroUsdPerMTok: 1_000_000,
        outputMicroUsdPerMTok: 2_000_000,
        cachedInputMicroUsdPerMTok: null,
        cacheWriteMicroUsdPerMTok: null,
        cacheWrite1hMicroUsdPerMTok: null,
        longContext: null,
      });
    });

    it("applies an override to dated snapshots and prefixed names too", () => {
      expect(findModelPrice("gpt-4o-2024-08-06", overrides)?.source).toBe("override");
      expect(findModelPrice("openai/gpt-4o", overrides)?.source).toBe("override");
    });

    it("matches an override regardless of case or provider prefix", () => {
      const upper = [{ ...overrides[0]!, model: "OpenAI/GPT-4o" }];
      expect(findModelPrice("gpt-4o", upper)?.source).toBe("override");
    });

    it("prices models the built-in table does not know", () => {
      expect(findModelPrice("acme-llm", overrides)?.outputMicroUsdPerMTok).toBe(9);
      expect(findModelPrice("acme-llm-2025-01-01", overrides)?.model).toBe("acme-llm");
    });

    it("leaves other models at their built-in price", () => {
      expect(findModelPrice("gpt-4o-mini", overrides)?.source).toBe("builtin");
      // a longer built-in base is more specific than the gpt-4o override
      expect(findModelPrice("gpt-4o-mini-2024-07-18", overrides)?.source).toBe("builtin");
    });
  });
});
