import { estimateMaxCostNanoUsd, findModelPrice } from "@gatehouse/shared";
import { describe, expect, it } from "vitest";
import { cappedCost, demandOf } from "./demand";

const MINI = findModelPrice("gpt-4o-mini")!;

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
