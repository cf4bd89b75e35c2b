import { spendByKey, spendOf, spentInPeriod } from "@gatehouse/db/usage";
import { periodEnd, periodStart, RedisKeys, type BudgetPeriod } from "@gatehouse/shared";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

/**
 * Live budget state, as the proxies enforce it: spent and reserved come from the same Redis
 * hash and reservation set the proxies' limits script writes (apps/proxy/src/limits), so the
 * dashboard shows what the next request will be checked against. When Redis cannot be read
 * the spend comes from the usage rollups instead (`source: "rollups"`, no reservations).
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

interface BudgetOwner {
  scope: "workspace" | "key";
  scopeId: string;
  name: string;
  amount: bigint | null;
  period: BudgetPeriod | null;
  alertThresholdPct: number | null;
}

/** Minimal Redis surface used here (ioredis client or cluster). */
interface RedisReader {
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  zrangebyscore(key: string, min: number | string, max: number | string): Promise<string[]>;
}

async function liveState(
  redis: RedisReader,
  workspaceId: string,
  owner: BudgetOwner & { period: BudgetPeriod },
  start: Date,
  now: number,
): Promise<{ spent: number; reserved: number; alerted: boolean }> {
  const scope = owner.scope === "key" ? "key" : "ws";
  const [hash, live] = await Promise.all([
    redis.hmget(
      RedisKeys.budget(workspaceId, scope, owner.scopeId, start.toISOString()),
      "spent",
      "alerted",
    ),
    // unexpired reservations of this period ("<requestId>:<periodStartMs>:<nanoUsd>")
    redis.zrangebyscore(
      RedisKeys.budgetReservations(workspaceId, scope, owner.scopeId),
      now,
      "+inf",
    ),
  ]);
  let reserved = 0;
  const period = `:${start.getTime()}:`;
  for (const member of live) {
    const at = member.lastIndexOf(":");
    if (member.slice(member.lastIndexOf(":", at - 1), at + 1) === period) {
      reserved += Number(member.slice(at + 1));
    }
  }
  return { spent: Number(hash[0] ?? 0), reserved, alerted: hash[1] !== null };
}

export const budgetRouter = createTRPCRouter({
  /** The workspace's budget and every key budget: spent, reserved, remaining, reset, alert. */
  status: workspaceProcedure("viewer").query(async ({ ctx }) => {
    const workspace = ctx.workspace;
    const now = new Date();
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
    const owners: BudgetOwner[] = [
      {
        scope: "workspace",
        scopeId: workspace.id,
        name: workspace.name,
        amount: workspace.budgetAmountNanoUsd,
        period: workspace.budgetPeriod,
        alertThresholdPct: workspace.budgetAlertThresholdPct,
      },
      ...keys.map((key): BudgetOwner => ({
        scope: "key",
        scopeId: key.id,
        name: key.name,
        amount: key.budgetAmountNanoUsd,
        period: key.budgetPeriod,
        alertThresholdPct: key.budgetAlertThresholdPct,
      })),
    ];
    const budgets = owners.filter(
      (o): o is BudgetOwner & { amount: bigint; period: BudgetPeriod } =>
        o.amount !== null && o.period !== null,
    );
    if (budgets.length === 0) return { source: "redis" as const, budgets: [] as BudgetStatus[] };

    let source: "redis" | "rollups" = "redis";
    let states: { spent: number; reserved: number; alerted: boolean }[];
    try {
      const redis = ctx.redis() as unknown as RedisReader;
      states = await Promise.all(
        budgets.map((b) =>
          liveState(
            redis,
            workspace.id,
            b,
            periodStart(b.period, now, workspace.timeZone),
            now.getTime(),
          ),
        ),
      );
    } catch {
      source = "rollups";
      const spend = await spendByKey(ctx.db, {
        workspaceId: workspace.id,
        timeZone: workspace.timeZone,
        now,
      });
      states = budgets.map((b) => ({
        spent: Number(
          spentInPeriod(
            b.scope === "workspace" ? spend.workspace : spendOf(spend, b.scopeId),
            b.period,
          ),
        ),
        reserved: 0,
        alerted: false,
      }));
    }

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
      source,
      budgets: budgets.map((b, i): BudgetStatus => {
        const state = states[i]!;
        const amount = Number(b.amount);
        const start = periodStart(b.period, now, workspace.timeZone);
        const threshold =
          b.alertThresholdPct === null ? null : Math.ceil((amount * b.alertThresholdPct) / 100);
        return {
          scope: b.scope,
          scopeId: b.scopeId,
          name: b.name,
          period: b.period,
          amountNanoUsd: amount,
          spentNanoUsd: state.spent,
          reservedNanoUsd: state.reserved,
          remainingNanoUsd: Math.max(0, amount - state.spent - state.reserved),
          percent: amount > 0 ? Math.floor((state.spent / amount) * 10_000) / 100 : 100,
          periodStart: start,
          resetsAt: b.period === "lifetime" ? null : periodEnd(b.period, now, workspace.timeZone),
          alertThresholdPct: b.alertThresholdPct,
          thresholdReached: threshold !== null && state.spent >= threshold,
          alertFired: state.alerted || firedSet.has(`${b.scope}:${b.scopeId}:${start.getTime()}`),
        };
      }),
    };
  }),
});
