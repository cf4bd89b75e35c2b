import { periodEnd, periodStart, RedisKeys, type BudgetPeriod } from "@gatehouse/shared";
import type { Cluster, Redis } from "ioredis";
import { spendByKey, spendOf, spentInPeriod } from "../usage/spend";
import type { Db } from "./compile";

/**
 * Restores budget spend into Redis from the usage rollups, after Redis lost its data (it runs
 * without persistence here) or failed over to an empty replica.
 *
 * The proxies enforce budgets against a per-period hash {spent, reserved, alerted} in Redis
 * (apps/proxy/src/limits). If that hash disappears, `spent` restarts at 0 and a budget could
 * be spent twice in one period. The worker's usage_daily rollups hold every settled request
 * (days in the workspace's time zone, so a period is an exact sum of days): this writes that
 * sum back as `spent`, but only raises it — Redis may already hold newer settles that the worker
 * has not ingested yet. Reservations are not restored: they belong to requests in flight, which
 * settle (adding their cost) when they finish.
 *
 * Then it marks the workspace restored (RedisKeys.budgetSpendRestored). The proxies refuse
 * budgeted requests of a workspace without the mark (503, retryable): after a flush a spent
 * budget stays shut until its spend is back, instead of starting again from 0. Every publish
 * runs this for its workspace first (publish.ts), which also seeds a budget set in the middle of
 * a period with the spend the period already has; the complete republish after a Redis loss
 * runs it for every workspace.
 */

type RedisClient = Redis | Cluster;

// KEYS[1] budget hash; ARGV: spent from the rollups, ttl ms (0 = keep forever)
const RAISE_SPENT_LUA = `
local current = tonumber(redis.call('HGET', KEYS[1], 'spent') or '0')
local restored = tonumber(ARGV[1])
if restored > current then
  redis.call('HSET', KEYS[1], 'spent', ARGV[1])
  local ttl = tonumber(ARGV[2])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) end
  return 1
end
return 0
`;

/** budget keys outlive their period by a week, as the proxy sets them */
const GRACE_MS = 7 * 86_400_000;

export interface BudgetRestoreResult {
  /** budgets looked at */
  budgets: number;
  /** budgets whose Redis spend was raised to the rollups' figure */
  raised: number;
}

interface BudgetOwner {
  scope: "ws" | "key";
  id: string;
  period: BudgetPeriod;
  spent: bigint;
}

export async function restoreBudgetSpend(
  db: Db,
  redis: RedisClient,
  options: { workspaceId?: string; now?: Date } = {},
): Promise<BudgetRestoreResult> {
  const now = options.now ?? new Date();
  const workspaces = await db.workspace.findMany({
    where: options.workspaceId === undefined ? {} : { id: options.workspaceId },
    select: {
      id: true,
      timeZone: true,
      budgetAmountNanoUsd: true,
      budgetPeriod: true,
      virtualKeys: {
        where: { budgetAmountNanoUsd: { not: null }, budgetPeriod: { not: null } },
        select: { id: true, budgetPeriod: true },
      },
    },
  });
  const result: BudgetRestoreResult = { budgets: 0, raised: 0 };
  for (const ws of workspaces) {
    const hasWorkspaceBudget = ws.budgetAmountNanoUsd !== null && ws.budgetPeriod !== null;
    if (!hasWorkspaceBudget && ws.virtualKeys.length === 0) {
      await markRestored(redis, ws.id);
      continue;
    }
    const spend = await spendByKey(db, { workspaceId: ws.id, timeZone: ws.timeZone, now });
    const owners: BudgetOwner[] = [];
    if (hasWorkspaceBudget) {
      owners.push({
        scope: "ws",
        id: ws.id,
        period: ws.budgetPeriod!,
        spent: spentInPeriod(spend.workspace, ws.budgetPeriod!),
      });
    }
    for (const key of ws.virtualKeys) {
      owners.push({
        scope: "key",
        id: key.id,
        period: key.budgetPeriod!,
        spent: spentInPeriod(spendOf(spend, key.id), key.budgetPeriod!),
      });
    }
    const raised = await Promise.all(
      owners.map((owner) => {
        const start = periodStart(owner.period, now, ws.timeZone);
        const ttl =
          owner.period === "lifetime"
            ? 0
            : periodEnd(owner.period, now, ws.timeZone).getTime() - now.getTime() + GRACE_MS;
        return redis.eval(
          RAISE_SPENT_LUA,
          1,
          RedisKeys.budget(ws.id, owner.scope, owner.id, start.toISOString()),
          owner.spent.toString(),
          String(ttl),
        );
      }),
    );
    result.budgets += owners.length;
    result.raised += raised.filter((r) => r === 1).length;
    // only once every budget of the workspace holds its spend
    await markRestored(redis, ws.id);
  }
  return result;
}

/** Lets the proxies admit the workspace's budgeted requests again (no expiry: a flush removes it). */
async function markRestored(redis: RedisClient, workspaceId: string): Promise<void> {
  await redis.set(RedisKeys.budgetSpendRestored(workspaceId), String(Date.now()));
}
