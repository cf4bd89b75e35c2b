import { periodEnd, periodStart, type BudgetPeriod } from "@gatehouse/shared";
import type { Db } from "../config/compile";
import { Prisma } from "../generated/prisma/client";
import { localDate } from "./time";

/**
 * Spend per key (and for the whole workspace) today, this week, this month and in total, from
 * usage_daily. Budget periods are calendar periods in the workspace's time zone and daily
 * rollups are calendar days in that zone, so "spent this period" is an exact sum of days.
 * These are the worker's figures: a few hundred ms behind the proxy's own counters.
 */

export interface PeriodSpend {
  todayNanoUsd: bigint;
  weekNanoUsd: bigint;
  monthNanoUsd: bigint;
  lifetimeNanoUsd: bigint;
  lifetimeRequests: number;
}

export interface SpendByKey {
  workspace: PeriodSpend;
  keys: Map<string, PeriodSpend>;
}

export interface BudgetLike {
  budgetAmountNanoUsd: bigint | null;
  budgetPeriod: BudgetPeriod | null;
}

const ZERO: PeriodSpend = {
  todayNanoUsd: 0n,
  weekNanoUsd: 0n,
  monthNanoUsd: 0n,
  lifetimeNanoUsd: 0n,
  lifetimeRequests: 0,
};

/** The first local day of each period containing `now`. */
export function periodFirstDays(now: Date, timeZone: string) {
  const day = (period: BudgetPeriod) => localDate(periodStart(period, now, timeZone), timeZone);
  return { today: day("daily"), week: day("weekly"), month: day("monthly") };
}

interface SpendRowRaw {
  key_id: string | null;
  today: bigint;
  week: bigint;
  month: bigint;
  lifetime: bigint;
  requests: bigint;
}

export async function spendByKey(
  db: Db,
  params: { workspaceId: string; timeZone: string; keyIds?: readonly string[]; now?: Date },
): Promise<SpendByKey> {
  const { today, week, month } = periodFirstDays(params.now ?? new Date(), params.timeZone);
  const keyFilter =
    params.keyIds === undefined
      ? Prisma.empty
      : params.keyIds.length === 0
        ? Prisma.sql`AND false`
        : Prisma.sql`AND key_id IN (${Prisma.join(params.keyIds)})`;
  const rows = await db.$queryRaw<SpendRowRaw[]>(Prisma.sql`
    SELECT key_id,
      COALESCE(sum(cost_nano_usd) FILTER (WHERE day >= ${today}::date), 0)::int8 AS today,
      COALESCE(sum(cost_nano_usd) FILTER (WHERE day >= ${week}::date), 0)::int8 AS week,
      COALESCE(sum(cost_nano_usd) FILTER (WHERE day >= ${month}::date), 0)::int8 AS month,
      COALESCE(sum(cost_nano_usd), 0)::int8 AS lifetime,
      COALESCE(sum(requests), 0)::int8 AS requests
    FROM usage_daily
    WHERE workspace_id = ${params.workspaceId} ${keyFilter}
    GROUP BY GROUPING SETS ((key_id), ())`);
  const result: SpendByKey = { workspace: { ...ZERO }, keys: new Map() };
  for (const row of rows) {
    const spend: PeriodSpend = {
      todayNanoUsd: BigInt(row.today),
      weekNanoUsd: BigInt(row.week),
      monthNanoUsd: BigInt(row.month),
      lifetimeNanoUsd: BigInt(row.lifetime),
      lifetimeRequests: Number(row.requests),
    };
    if (row.key_id === null) result.workspace = spend;
    else result.keys.set(row.key_id, spend);
  }
  return result;
}

export function spendOf(spend: SpendByKey, keyId: string): PeriodSpend {
  return spend.keys.get(keyId) ?? { ...ZERO };
}

/** Spend in the budget period (by its kind) out of a PeriodSpend. */
export function spentInPeriod(spend: PeriodSpend, period: BudgetPeriod): bigint {
  switch (period) {
    case "daily":
      return spend.todayNanoUsd;
    case "weekly":
      return spend.weekNanoUsd;
    case "monthly":
      return spend.monthNanoUsd;
    case "lifetime":
      return spend.lifetimeNanoUsd;
  }
}

/** spent / amount in percent, in BigInt basis points (exact for any amount), floored to 0.01. */
export function budgetPercent(spentNanoUsd: bigint, amountNanoUsd: bigint): number {
  return amountNanoUsd > 0n ? Number((spentNanoUsd * 10_000n) / amountNanoUsd) / 100 : 100;
}

export interface BudgetProgress {
  period: BudgetPeriod;
  budgetNanoUsd: bigint;
  spentNanoUsd: bigint;
  /** spent / budget in percent, may exceed 100 */
  percent: number;
  periodStart: Date;
  /** null for lifetime budgets */
  periodEnd: Date | null;
}

export function budgetProgress(
  budget: BudgetLike,
  spend: PeriodSpend,
  timeZone: string,
  now: Date = new Date(),
): BudgetProgress | null {
  if (budget.budgetAmountNanoUsd === null || budget.budgetPeriod === null) return null;
  const spent = spentInPeriod(spend, budget.budgetPeriod);
  const amount = budget.budgetAmountNanoUsd;
  const percent = budgetPercent(spent, amount);
  const lifetime = budget.budgetPeriod === "lifetime";
  return {
    period: budget.budgetPeriod,
    budgetNanoUsd: amount,
    spentNanoUsd: spent,
    percent,
    periodStart: periodStart(budget.budgetPeriod, now, timeZone),
    periodEnd: lifetime ? null : periodEnd(budget.budgetPeriod, now, timeZone),
  };
}
