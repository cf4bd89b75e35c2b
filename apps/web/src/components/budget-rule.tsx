import { BUDGET_CAP_HEADER, MIN_BUDGET_ANSWER_TOKENS } from "@gatehouse/shared";

/**
 * How the proxies hold requests to a budget, shown under the budget fields of a key and of the
 * workspace (README "Budgets"; @gatehouse/shared budget-rules.ts).
 */
export function BudgetRule() {
  return (
    <p className="text-xs text-slate-500" data-testid="budget-rule">
      A budget is never overspent. Spent counts the whole period, including spend from before the
      budget was set. Each request reserves the most it can cost: its prompt plus its max output
      tokens (its <code>max_tokens</code>, or <code>GATEHOUSE_DEFAULT_MAX_TOKENS</code>, 4,096
      unless changed, when it sets none). When what is left cannot pay for that, the proxy lowers
      the max output tokens it forwards to what is left and says so in the{" "}
      <code>{BUDGET_CAP_HEADER}</code> response header; it refuses a request only when not even a{" "}
      {MIN_BUDGET_ANSWER_TOKENS}-token answer fits.
    </p>
  );
}
