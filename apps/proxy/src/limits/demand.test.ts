import { estimateMaxCostNanoUsd, findModelPrice } from "@gatehouse/shared";
import { describe, expect, it } from "vitest";
import { cappedCost, demandOf, worstDemandOf } from "./demand";

const MINI = findModelPrice("gpt-4o-mini")!;
const SONNET = findModelPrice("claude-sonnet-4-5")!;

describe("demandOf", () => {
  it("reserves prompt + max output × n tokens and the estimate's maximum cost", () => {
    const d = demandOf("chat.completions", { max_tokens: 100, n: 2 }, 13, MINI, 4096);
    expect(d).toMatchObject({ promptTokens: 13, maxOut: 100, choices: 2, tokens: 213 });
    expect(d.cost).toBe(estimateMaxCostNanoUsd(MINI, 13, 200));
    expect(d.promptCost).toBe(estimateMaxCostNanoUsd(MINI, 13, 0));
    expect(d.outputPrice).toBe(2 * MINI.outputMicroUsdPerMTok);
  });

  it("assumes the default max output when the request sets none", () => {
    const d = demandOf("chat.completions", {}, 13, MINI, 4096);
    expect(d.maxOut).toBe(4096);
    expect(d.cost).toBe(estimateMaxCostNanoUsd(MINI, 13, 4096));
  });

  it("costs nothing for an unpriced model, and never caps it", () => {
    const d = demandOf("messages", { max_tokens: 10 }, 5, null, 4096);
    expect(d).toMatchObject({ cost: 0, promptCost: 0, outputPrice: 0, tokens: 15 });
  });

  it("a capped reservation never costs less than the request can (rounding up each part)", () => {
    for (const prompt of [0, 1, 13, 999, 123_457]) {
      for (const n of [1, 3]) {
        const d = demandOf("chat.completions", { max_tokens: 5000, n }, prompt, MINI, 4096);
        for (const out of [1, 16, 17, 333, 4999]) {
          expect(cappedCost(d, out)).toBeGreaterThanOrEqual(
            estimateMaxCostNanoUsd(MINI, prompt, out * n),
          );
          expect(cappedCost(d, out)).toBeLessThanOrEqual(
            estimateMaxCostNanoUsd(MINI, prompt, out * n) + 1,
          );
        }
      }
    }
  });
});

describe("worstDemandOf (a plan with fallbacks)", () => {
  it("reserves the most expensive candidate's cost, whichever comes first", () => {
    const body = { max_tokens: 300 };
    const cheap = demandOf("chat.completions", body, 1_000, MINI, 4096);
    const dear = demandOf("chat.completions", body, 1_000, SONNET, 4096);
    expect(dear.cost).toBeGreaterThan(cheap.cost);
    for (const prices of [
      [MINI, SONNET],
      [SONNET, MINI],
    ]) {
      const d = worstDemandOf("chat.completions", body, 1_000, prices, 4096);
      expect(d.cost).toBe(dear.cost);
      expect(d.tokens).toBe(cheap.tokens);
    }
  });

  it("a capped reservation covers every candidate at that answer length", () => {
    const d = worstDemandOf("chat.completions", { max_tokens: 5000 }, 2_000, [MINI, SONNET], 4096);
    for (const out of [16, 100, 4999]) {
      for (const price of [MINI, SONNET])
        expect(cappedCost(d, out)).toBeGreaterThanOrEqual(
          estimateMaxCostNanoUsd(price, 2_000, out),
        );
    }
  });

  it("one price is today's demand; none is unpriced", () => {
    expect(worstDemandOf("messages", { max_tokens: 10 }, 5, [MINI], 4096)).toEqual(
      demandOf("messages", { max_tokens: 10 }, 5, MINI, 4096),
    );
    expect(worstDemandOf("messages", { max_tokens: 10 }, 5, [], 4096).cost).toBe(0);
  });
});
