import {
  formatUsd,
  periodEnd,
  periodStart,
  type Budget,
  type BudgetPeriod,
} from "@gatehouse/shared";
import { GatewayError } from "../errors";
import { cappedCost, MIN_ANSWER_TOKENS, type Demand } from "./demand";
import { retryAfterHeaders } from "./format";
import type { Scope } from "./types";

/**
 * Budget reservations: the period a request falls in, what a refusal says, and when an alert
 * fires. The reservation itself (spent + reserved + this request ≤ amount, the max output
 * lowered to what the headroom pays for) is taken by the limits script (scripts.ts).
 */

/** budget keys outlive their period by a week (the dashboard still shows the last one) */
const BUDGET_KEY_GRACE_MS = 7 * 86_400_000;

export interface BudgetWindow {
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  /** how long the period's hash is kept (0 = forever: lifetime budgets) */
  readonly budgetTtlMs: number;
}

const NO_WINDOW: BudgetWindow = { periodStartMs: 0, periodEndMs: 0, budgetTtlMs: 0 };

/** The budget period containing `now`, in the workspace's time zone. */
export function budgetWindow(budget: Budget | null, now: number, timeZone: string): BudgetWindow {
  if (budget === null) return NO_WINDOW;
  const { start, end } = budgetBounds(budget.period, now, timeZone);
  return {
    periodStartMs: start,
    periodEndMs: end,
    budgetTtlMs: budget.period === "lifetime" ? 0 : end - now + BUDGET_KEY_GRACE_MS,
  };
}

function budgetBounds(
  period: BudgetPeriod,
  now: number,
  timeZone: string,
): { start: number; end: number } {
  const date = new Date(now);
  try {
    return {
      start: periodStart(period, date, timeZone).getTime(),
      end: periodEnd(period, date, timeZone).getTime(),
    };
  } catch {
    // an unknown time zone in a snapshot: UTC rather than no budget at all
    return {
      start: periodStart(period, date, "UTC").getTime(),
      end: periodEnd(period, date, "UTC").getTime(),
    };
  }
}

/** the spend at which a budget's alert fires: ceil(amount × pct / 100) */
export function alertAt(amountNanoUsd: number, pct: number): number {
  const big = BigInt(amountNanoUsd) * BigInt(pct);
  return Math.max(1, Number((big + 99n) / 100n));
}

/**
 * 429 for a budget that cannot pay for the request: what is spent, what the request needs at
 * least, and what the user can change (the budget, the prompt, max_tokens, or wait for the reset).
 */
export function budgetRefusal(
  scope: Scope,
  limit: number,
  used: number,
  demand: Demand,
  periodEndIso: string,
): GatewayError {
  const budget = scope.budget!;
  const label =
    scope.kind === "key"
      ? `The ${budget.period} budget of this key`
      : `The ${budget.period} budget of this workspace`;
  const where =
    scope.kind === "key"
      ? "raise or remove the key's budget on the dashboard's Keys page"
      : "raise or remove the workspace budget in the dashboard's Settings";
  const left = formatUsd(Math.max(0, limit - used));
  let needs: string;
  const levers = [where];
  if (used >= limit) {
    needs = "nothing is left";
  } else if (demand.maxOut > 0 && demand.outputPrice > 0) {
    // the answer could have been shortened, but not even a minimal one fits
    const minimal = Math.min(demand.maxOut, MIN_ANSWER_TOKENS);
    needs = `${left} is left, less than the cheapest answer this request can get: ${formatUsd(cappedCost(demand, minimal))} for its prompt (about ${demand.promptTokens} tokens) and a ${minimal}-token answer`;
    levers.push("shorten the prompt");
  } else {
    needs = `${left} is left, less than this request may cost: up to ${formatUsd(demand.cost)}`;
    levers.push("send less input");
  }
  const lifetime = budget.period === "lifetime";
  if (!lifetime) levers.push("wait for the reset");
  const change =
    levers.length === 1
      ? levers[0]
      : `${levers.slice(0, -1).join(", ")}${levers.length > 2 ? "," : ""} or ${levers.at(-1)}`;
  const text = `${label} (${formatUsd(limit)}) would be exceeded: ${formatUsd(used)} is spent or reserved and ${needs}. To continue, ${change}. ${lifetime ? "It is a lifetime budget and does not reset." : `It resets at ${periodEndIso}.`}`;
  // the SDKs would otherwise retry a 429; waiting does not help before the reset
  return new GatewayError("budget_exceeded", text, null, { "x-should-retry": "false" });
}

/**
 * 503 while Redis has lost the workspace's budget spend and the control plane has not put it
 * back from PostgreSQL yet (RedisKeys.budgetSpendRestored missing). Retryable: the restore runs
 * automatically and takes seconds.
 */
export function budgetSpendMissing(retryMs: number): GatewayError {
  return new GatewayError(
    "unavailable",
    "Gatehouse cannot check this key's budget right now: its limit store (Redis) lost its data and the budget spend is being restored from the database. Budgeted requests wait until then, so no budget is spent twice. Retry in a few seconds.",
    null,
    retryAfterHeaders(retryMs),
  );
}
