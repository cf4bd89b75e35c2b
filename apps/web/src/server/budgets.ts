import {
  budgetFigures,
  type BudgetFigure,
  type BudgetOwner,
  type BudgetRedisReader,
} from "@gatehouse/db/usage";
import type { BudgetPeriod } from "@gatehouse/shared";
import type { Context } from "./trpc";

/**
 * Every budget figure the dashboard shows — the keys page's spend bars, the overview's budget
 * list, the budget banner and budget.status — comes from here, so one budget shows one "spent"
 * and one percentage everywhere: the whole current period (@gatehouse/db's budgetFigures).
 */

interface BudgetColumns {
  budgetAmountNanoUsd: bigint | null;
  budgetPeriod: BudgetPeriod | null;
  budgetAlertThresholdPct: number | null;
}

export interface WorkspaceBudgetRow extends BudgetColumns {
  id: string;
  name: string;
  timeZone: string;
}

export interface KeyBudgetRow extends BudgetColumns {
  id: string;
  name: string;
}

export interface BudgetEntry<T> {
  scope: "workspace" | "key";
  /** the workspace or key row it belongs to */
  row: T;
  amountNanoUsd: bigint;
  period: BudgetPeriod;
  alertThresholdPct: number | null;
  figure: BudgetFigure;
}

export interface WorkspaceBudgets<K> {
  source: "redis" | "rollups";
  workspace: BudgetEntry<WorkspaceBudgetRow> | null;
  /** keys with a budget, in the order given; keys without one are left out */
  keys: BudgetEntry<K>[];
}

function owner(
  scope: "workspace" | "key",
  scopeId: string,
  row: BudgetColumns,
): BudgetOwner | null {
  if (row.budgetAmountNanoUsd === null || row.budgetPeriod === null) return null;
  return { scope, scopeId, amountNanoUsd: row.budgetAmountNanoUsd, period: row.budgetPeriod };
}

/** The budgets of a workspace and of the given keys, with their figures. */
export async function workspaceBudgets<K extends KeyBudgetRow>(
  ctx: Pick<Context, "db" | "redis">,
  workspace: WorkspaceBudgetRow,
  keys: readonly K[],
  now: Date = new Date(),
): Promise<WorkspaceBudgets<K>> {
  const wsOwner = owner("workspace", workspace.id, workspace);
  const keyOwners = keys.flatMap((row) => {
    const o = owner("key", row.id, row);
    return o === null ? [] : [{ row, owner: o }];
  });
  const owners = [...(wsOwner ? [wsOwner] : []), ...keyOwners.map((k) => k.owner)];
  let redis: BudgetRedisReader | null;
  try {
    redis = ctx.redis() as unknown as BudgetRedisReader;
  } catch {
    redis = null;
  }
  const { source, figures } = await budgetFigures(ctx.db, redis, {
    workspaceId: workspace.id,
    timeZone: workspace.timeZone,
    owners,
    now,
  });
  const entry = <T extends BudgetColumns>(
    scope: "workspace" | "key",
    row: T,
    o: BudgetOwner,
    figure: BudgetFigure,
  ): BudgetEntry<T> => ({
    scope,
    row,
    amountNanoUsd: o.amountNanoUsd,
    period: o.period,
    alertThresholdPct: row.budgetAlertThresholdPct,
    figure,
  });
  const offset = wsOwner ? 1 : 0;
  return {
    source,
    workspace: wsOwner ? entry("workspace", workspace, wsOwner, figures[0]!) : null,
    keys: keyOwners.map((k, i) => entry("key", k.row, k.owner, figures[offset + i]!)),
  };
}
