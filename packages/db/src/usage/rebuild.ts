import type { Db } from "../config/compile";
import { guardrailRollupSql, rollupUpsertSql } from "./rollup-sql";

/**
 * Rebuilds a workspace's usage_daily, usage_hourly and guardrail_daily rows from its
 * request_logs with one INSERT … SELECT each (the worker's per-batch upserts, over all of the
 * workspace's logs). The worker keeps the rollups current; this is for bulk-loaded logs
 * (bench/overview-queries.mjs, tests). Never run it on a workspace whose old logs retention
 * has deleted: rollups outlive the logs, and a rebuild would lose that history.
 */

const OF_WORKSPACE = "WHERE s.workspace_id = $1";
const DAILY_SQL = rollupUpsertSql("daily", "request_logs", OF_WORKSPACE);
const HOURLY_SQL = rollupUpsertSql("hourly", "request_logs", OF_WORKSPACE);
const GUARDRAIL_SQL = guardrailRollupSql("request_logs", OF_WORKSPACE);

export async function rebuildRollupsFromLogs(
  db: Db,
  workspaceId: string,
): Promise<{ daily: number; hourly: number; guardrails: number }> {
  await db.$executeRaw`DELETE FROM usage_daily WHERE workspace_id = ${workspaceId}`;
  await db.$executeRaw`DELETE FROM usage_hourly WHERE workspace_id = ${workspaceId}`;
  await db.$executeRaw`DELETE FROM guardrail_daily WHERE workspace_id = ${workspaceId}`;
  const daily = await db.$executeRawUnsafe(DAILY_SQL, workspaceId);
  const hourly = await db.$executeRawUnsafe(HOURLY_SQL, workspaceId);
  const guardrails = await db.$executeRawUnsafe(GUARDRAIL_SQL, workspaceId);
  return { daily, hourly, guardrails };
}
