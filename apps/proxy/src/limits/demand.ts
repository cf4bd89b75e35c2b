import {
  estimateMaxCostNanoUsd,
  MIN_BUDGET_ANSWER_TOKENS,
  priceTier,
  type TokenPrice,
} from "@gatehouse/shared";
import { requestedOutput } from "./max-output";

/**
 * The smallest answer worth sending, in output tokens per answer: when a budget's remaining
 * headroom pays for less than this (or for less than the request's own smaller max output), the
 * request is refused instead of being cut to a few words. About one short sentence.
 */
export const MIN_ANSWER_TOKENS = MIN_BUDGET_ANSWER_TOKENS;

/** What one request may take from its limits and budgets, before it runs. */
export interface Demand {
  readonly promptTokens: number;
  /** max output tokens per answer (0 = nothing to cap, e.g. embeddings) */
  readonly maxOut: number;
  readonly choices: number;
  /** TPM reservation: prompt + every answer at its max */
  readonly tokens: number;
  /** the most the request can cost, nano-USD (0 = unpriced) */
  readonly cost: number;
  /** the prompt's part of `cost`, rounded up */
  readonly promptCost: number;
  /** choices × output price (micro-USD per 1M tokens): what one more token per answer costs */
  readonly outputPrice: number;
}

export const NO_DEMAND: Demand = Object.freeze({
  promptTokens: 0,
  maxOut: 0,
  choices: 1,
  tokens: 0,
  cost: 0,
  promptCost: 0,
  outputPrice: 0,
});

/**
 * The tokens and maximum cost of a request with `promptTokens` of prompt. The cost is priced by
 * @gatehouse/shared's estimate (long-context tier included); `promptCost` and `outputPrice` are
 * the two parts the limits script needs to lower the max output to what a budget can still pay.
 */
export function demandOf(
  endpoint: Parameters<typeof requestedOutput>[1],
  body: Record<string, unknown>,
  promptTokens: number,
  price: TokenPrice | null,
  defaultMaxTokens: number,
): Demand {
  const { perChoice, choices } = requestedOutput(body, endpoint, defaultMaxTokens);
  const maxOutput = perChoice * choices;
  const tokens = promptTokens + maxOutput;
  if (price === null) {
    return {
      promptTokens,
      maxOut: perChoice,
      choices,
      tokens,
      cost: 0,
      promptCost: 0,
      outputPrice: 0,
    };
  }
  return {
    promptTokens,
    maxOut: perChoice,
    choices,
    tokens,
    cost: estimateMaxCostNanoUsd(price, promptTokens, maxOutput),
    promptCost: estimateMaxCostNanoUsd(price, promptTokens, 0),
    outputPrice: choices * priceTier(price, promptTokens).outputMicroUsdPerMTok,
  };
}

/**
 * The demand of a request that may be answered at any of `prices` (the candidate deployments
 * of its plan: retries and fallbacks): the tokens are the same, the cost is the most expensive
 * candidate's, and the two parts the cap arithmetic uses are each the largest of any
 * candidate's, so a capped reservation still covers whichever deployment answers. No price
 * (every candidate unpriced): costs nothing, as in the usage events.
 */
export function worstDemandOf(
  endpoint: Parameters<typeof requestedOutput>[1],
  body: Record<string, unknown>,
  promptTokens: number,
  prices: readonly TokenPrice[],
  defaultMaxTokens: number,
): Demand {
  if (prices.length <= 1) {
    return demandOf(endpoint, body, promptTokens, prices[0] ?? null, defaultMaxTokens);
  }
  let worst = demandOf(endpoint, body, promptTokens, prices[0]!, defaultMaxTokens);
  let promptCost = worst.promptCost;
  let outputPrice = worst.outputPrice;
  for (let i = 1; i < prices.length; i++) {
    const d = demandOf(endpoint, body, promptTokens, prices[i]!, defaultMaxTokens);
    if (d.cost > worst.cost) worst = d;
    if (d.promptCost > promptCost) promptCost = d.promptCost;
    if (d.outputPrice > outputPrice) outputPrice = d.outputPrice;
  }
  return { ...worst, promptCost, outputPrice };
}

/** The cost of the prompt and `outputTokens` per answer, as the limits script reckons it. */
export function cappedCost(demand: Demand, outputTokens: number): number {
  return demand.promptCost + Math.ceil((outputTokens * demand.outputPrice) / 1000);
}
