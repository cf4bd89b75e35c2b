import type { RedisClient } from "@gatehouse/db";
import { deploymentHealthStats, HEALTH_WINDOW_MS } from "@gatehouse/db/usage";
import { RedisKeys } from "@gatehouse/shared";
import { log } from "../log";
import { workspaceProcedure } from "../trpc";

/**
 * Live health of every deployment on the routes page: the shared cooldown the proxies write
 * to Redis (RedisKeys.deploymentCooldown: the epoch ms it ends, absent = healthy) and the last
 * hour's attempts from the request log (@gatehouse/db/usage deploymentHealthStats).
 */

/** How long the page waits for Redis before showing the state as unknown. */
const REDIS_WAIT_MS = 1_000;

export type DeploymentState = "healthy" | "cooling_down" | "unknown";

/** The cooldown end per deployment (null = none), or null when Redis did not answer. */
async function readCooldowns(
  redis: RedisClient,
  workspaceId: string,
  deploymentIds: readonly string[],
  now: number,
): Promise<Map<string, number | null> | null> {
  if (deploymentIds.length === 0) return new Map();
  let timer: NodeJS.Timeout | undefined;
  try {
    // one slot: every key carries the workspace hash tag
    const values = await Promise.race([
      redis.mget(...deploymentIds.map((id) => RedisKeys.deploymentCooldown(workspaceId, id))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error("redis did not answer")), REDIS_WAIT_MS);
      }),
    ]);
    return new Map(
      deploymentIds.map((id, i) => {
        const until = Number(values[i]);
        return [id, Number.isFinite(until) && until > now ? until : null];
      }),
    );
  } catch (error) {
    // the page still shows the request-log figures; only the live state is unknown
    log().warn("deployment cooldowns unreadable", { error: (error as Error).message });
    return null;
  } finally {
    clearTimeout(timer);
  }
}

export const routeHealthProcedures = {
  health: workspaceProcedure("viewer").query(async ({ ctx }) => {
    const workspaceId = ctx.workspace.id;
    const deployments = await ctx.db.modelDeployment.findMany({
      where: { workspaceId },
      select: { id: true },
    });
    const ids = deployments.map((d) => d.id);
    const now = new Date();
    const [cooldowns, stats] = await Promise.all([
      readCooldowns(ctx.redis(), workspaceId, ids, now.getTime()),
      deploymentHealthStats(ctx.db, { workspaceId, deploymentIds: ids, now }),
    ]);
    return {
      windowMs: HEALTH_WINDOW_MS,
      requests: stats.requests,
      sampled: stats.sampled,
      deployments: Object.fromEntries(
        stats.deployments.map((s) => {
          const until = cooldowns?.get(s.deploymentId) ?? null;
          const state: DeploymentState =
            cooldowns === null ? "unknown" : until !== null ? "cooling_down" : "healthy";
          return [
            s.deploymentId,
            { ...s, state, cooldownUntil: until === null ? null : new Date(until) },
          ];
        }),
      ),
    };
  }),
};
