import type { BudgetPeriod } from "@gatehouse/shared";
import { workspaceBudgets } from "../budgets";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

/**
 * Live budget state, as the proxies enforce it: spent is the whole period (the usage rollups,
 * or the proxies' Redis counter when it is ahead: the same figure as the keys page and the
 * overview, see ../budgets.ts) and reserved the live reservations the proxies' limits script
 * holds (apps/proxy/src/limits), so the dashboard shows what the next request will be checked
 * against. When Redis cannot be read there are no reservations (`source: "rollups"`).
 */

export interface BudgetStatus {
  scope: "workspace" | "key";
  /** the workspace id or the virtual key id */
  scopeId: string;
  name: string;
  period: BudgetPeriod;
  amountNanoUsd: number;
  spentNanoUsd: number;
  /** reservations of requests in flight (the most they can still cost) */
  reservedNanoUsd: number;
  /** amount - spent - reserved, never below 0 */
  remainingNanoUsd: number;
  /** spent / amount in percent (may exceed 100) */
  percent: number;
  periodStart: Date;
  /** when the period ends and the budget resets; null for lifetime budgets */
  resetsAt: Date | null;
  alertThresholdPct: number | null;
  /** spent has reached the alert threshold this period */
  thresholdReached: boolean;
  /** the alert for this period has fired (webhook enqueued / recorded) */
  alertFired: boolean;
}

export const budgetRouter = createTRPCRouter({
  /** The workspace's budget and every key budget: spent, reserved, remaining, reset, alert. */
  status: workspaceProcedure("viewer").query(async ({ ctx }) => {
    const workspace = ctx.workspace;
    const keys = await ctx.db.virtualKey.findMany({
      where: { workspaceId: workspace.id, budgetAmountNanoUsd: { not: null } },
      select: {
        id: true,
        name: true,
        budgetAmountNanoUsd: true,
        budgetPeriod: true,
        budgetAlertThresholdPct: true,
      },
      orderBy: { name: "asc" },
    });
    const budgets = await workspaceBudgets(ctx, workspace, keys);
    const entries = [...(budgets.workspace ? [budgets.workspace] : []), ...budgets.keys];
    if (entries.length === 0) return { source: "redis" as const, budgets: [] as BudgetStatus[] };

    // alerts recorded by the worker count too (Redis may have lost its flag)
    const fired = await ctx.db.budgetAlert.findMany({
      where: { workspaceId: workspace.id },
      select: { scope: true, scopeId: true, periodStart: true },
      orderBy: { firedAt: "desc" },
      take: 500,
    });
    const firedSet = new Set(
      fired.map((a) => `${a.scope}:${a.scopeId}:${a.periodStart.getTime()}`),
    );

    return {
      source: budgets.source,
      budgets: entries.map((b): BudgetStatus => {
        const { figure } = b;
        const amount = b.amountNanoUsd;
        const threshold =
          b.alertThresholdPct === null ? null : (amount * BigInt(b.alertThresholdPct) + 99n) / 100n;
        const remaining = amount - figure.spentNanoUsd - figure.reservedNanoUsd;
        return {
          scope: b.scope,
          scopeId: b.row.id,
          name: b.row.name,
          period: b.period,
          amountNanoUsd: Number(amount),
          spentNanoUsd: Number(figure.spentNanoUsd),
          reservedNanoUsd: Number(figure.reservedNanoUsd),
          remainingNanoUsd: remaining > 0n ? Number(remaining) : 0,
          percent: figure.percent,
          periodStart: figure.periodStart,
          resetsAt: figure.periodEnd,
          alertThresholdPct: b.alertThresholdPct,
          thresholdReached: threshold !== null && figure.spentNanoUsd >= threshold,
          alertFired:
            figure.alerted ||
            firedSet.has(`${b.scope}:${b.row.id}:${figure.periodStart.getTime()}`),
        };
      }),
    };
  }),
});
