import { periodEnd, periodStart, RedisKeys, type BudgetPeriod } from "@gatehouse/shared";
import type { Db } from "../config/compile";
import { budgetPercent, spendByKey, spendOf, spentInPeriod } from "./spend";

/**
 * The one "spent" figure of a budget, for every place the dashboard shows it (the keys page,
 * the overview, the budget banner and status): everything spent in the current period — from
 * PostgreSQL's rollups, or the proxies' live counter in Redis when it is ahead (spend settled
 * but not yet rolled up by the worker, normally under a second). The proxies' counter starts
 * from the same PostgreSQL figure whenever a budget is set or changed (every publish restores it,
 * config/budget-spend.ts), so it never counts less, and a proxy refuses at the figure shown here.
 */

export interface BudgetOwner {
  scope: "workspace" | "key";
  /** the workspace id or the virtual key id */
  scopeId: string;
  amountNanoUsd: bigint;
  period: BudgetPeriod;
}

export interface BudgetFigure {
  /** spent in the current period (whole period, see above) */
  spentNanoUsd: bigint;
  /** reservations of requests in flight (the most they can still cost); 0 without Redis */
  reservedNanoUsd: bigint;
  /** spent / amount in percent, floored to 0.01 (may exceed 100) */
  percent: number;
  periodStart: Date;
  /** when the period ends and the budget resets; null for lifetime budgets */
  periodEnd: Date | null;
  /** the proxies flagged this period's alert as sent (Redis) */
  alerted: boolean;
}

/** What is read from Redis (ioredis client or cluster). */
export interface BudgetRedisReader {
  hmget(key: string, ...fields: string[]): Promise<(string | null)[]>;
  zrangebyscore(key: string, min: number | string, max: number | string): Promise<string[]>;
}

export interface BudgetFigures {
  /** "redis": the live counters were read too; "rollups": Redis could not be read */
  source: "redis" | "rollups";
  /** in the order of the owners asked for */
  figures: BudgetFigure[];
}

interface LiveState {
  spent: bigint;
  reserved: bigint;
  alerted: boolean;
}

async function liveState(
  redis: BudgetRedisReader,
  workspaceId: string,
  owner: BudgetOwner,
  start: Date,
  now: number,
): Promise<LiveState> {
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
  let reserved = 0n;
  const period = `:${start.getTime()}:`;
  for (const member of live) {
    const at = member.lastIndexOf(":");
    if (member.slice(member.lastIndexOf(":", at - 1), at + 1) === period) {
      reserved += BigInt(member.slice(at + 1));
    }
  }
  return { spent: BigInt(hash[0] ?? 0), reserved, alerted: hash[1] !== null };
}

/**
 * The spent figure (and live reservations) of each budget, in the workspace's time zone. One
 * rollup query for all of them, plus two Redis reads per budget unless `redis` is null.
 */
export async function budgetFigures(
  db: Db,
  redis: BudgetRedisReader | null,
  params: {
    workspaceId: string;
    timeZone: string;
    owners: readonly BudgetOwner[];
    now?: Date;
  },
): Promise<BudgetFigures> {
  const { workspaceId, timeZone, owners } = params;
  const now = params.now ?? new Date();
  if (owners.length === 0) return { source: "redis", figures: [] };
  const starts = owners.map((o) => periodStart(o.period, now, timeZone));
  const [spend, live] = await Promise.all([
    spendByKey(db, { workspaceId, timeZone, now }),
    redis === null
      ? null
      : Promise.all(
          owners.map((o, i) => liveState(redis, workspaceId, o, starts[i]!, now.getTime())),
        ).catch(() => null),
  ]);
  const figures = owners.map((owner, i): BudgetFigure => {
    const rolled = spentInPeriod(
      owner.scope === "workspace" ? spend.workspace : spendOf(spend, owner.scopeId),
      owner.period,
    );
    const state = live?.[i];
    const spent = state !== undefined && state.spent > rolled ? state.spent : rolled;
    return {
      spentNanoUsd: spent,
      reservedNanoUsd: state?.reserved ?? 0n,
      percent: budgetPercent(spent, owner.amountNanoUsd),
      periodStart: starts[i]!,
      periodEnd: owner.period === "lifetime" ? null : periodEnd(owner.period, now, timeZone),
      alerted: state?.alerted ?? false,
    };
  });
  return { source: live === null ? "rollups" : "redis", figures };
}
