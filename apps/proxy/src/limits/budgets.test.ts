import { findModelPrice } from "@gatehouse/shared";
import { describe, expect, it } from "vitest";
import { budgetRefusal } from "./budgets";
import { demandOf } from "./demand";
import type { Scope } from "./types";

const MINI = findModelPrice("gpt-4o-mini")!;

const scope = (kind: Scope["kind"], period: "daily" | "lifetime"): Scope => ({
  kind,
  id: "id",
  limits: { rpm: null, tpm: null, parallel: null },
  budget: { amountNanoUsd: 2_000_000, period, alertThresholdPct: null },
  periodStartMs: 0,
  periodEndMs: 0,
  budgetTtlMs: 0,
  tokens: 0,
  cost: 0,
});

describe("budgetRefusal", () => {
  it("says what is left, the cheapest answer the request could get, and what to change", () => {
    const demand = demandOf("chat.completions", {}, 20_000, MINI, 4096);
    const error = budgetRefusal(
      scope("key", "daily"),
      2_000_000,
      1_500_000,
      demand,
      "2026-01-02T00:00:00.000Z",
    );
    expect(error.status).toBe(429);
    expect(error.type).toBe("budget_exceeded");
    expect(error.headers).toEqual({ "x-should-retry": "false" });
    expect(error.message).toBe(
      "The daily budget of this key ($0.002) would be exceeded: $0.0015 is spent or reserved and $0.0005 is left, less than the cheapest answer this request can get: $0.0030096 for its prompt (about 20000 tokens) and a 16-token answer. To continue, raise or remove the key's budget on the dashboard's Keys page, shorten the prompt, or wait for the reset. It resets at 2026-01-02T00:00:00.000Z.",
    );
  });

  it("names the workspace budget, a lifetime budget that does not reset, and input that cannot be shortened", () => {
    const demand = demandOf("embeddings", { input: "x" }, 50_000, MINI, 4096);
    const error = budgetRefusal(scope("ws", "lifetime"), 2_000_000, 1_999_000, demand, "");
    expect(error.message).toBe(
      "The lifetime budget of this workspace ($0.002) would be exceeded: $0.001999 is spent or reserved and $0.000001 is left, less than this request may cost: up to $0.0075. To continue, raise or remove the workspace budget in the dashboard's Settings or send less input. It is a lifetime budget and does not reset.",
    );
    const spent = budgetRefusal(scope("ws", "lifetime"), 2_000_000, 2_000_000, demand, "");
    expect(spent.message).toContain(
      "$0.002 is spent or reserved and nothing is left. To continue, raise or remove the workspace budget in the dashboard's Settings. It is",
    );
  });
});
