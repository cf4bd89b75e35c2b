import { LATENCY_BUCKETS_MS, LATENCY_BUCKET_COUNT } from "@gatehouse/shared";
import type { Db } from "../config/compile";
import { Prisma } from "../generated/prisma/client";

/**
 * Rebuilds a workspace's usage_daily and usage_hourly rows from its request_logs with one
 * INSERT … SELECT each (the same aggregates as the worker's per-batch upsert). The worker keeps
 * the rollups current; this is for bulk-loaded logs (bench/overview-queries.mjs, tests). Never
 * run it on a workspace whose old logs retention has deleted: rollups outlive the logs, and a
 * rebuild would lose that history.
 */

const FINITE_BOUNDS = LATENCY_BUCKETS_MS.filter(Number.isFinite);

const aggregates = Prisma.raw(`count(*), count(*) FILTER (WHERE status >= 400),
  count(*) FILTER (WHERE streamed), sum(input_tokens), sum(output_tokens),
  sum(cached_input_tokens), sum(cost_nano_usd), sum(latency_ms), count(ttfb_ms),
  COALESCE(sum(ttfb_ms), 0),
  ARRAY[${Array.from(
    { length: LATENCY_BUCKET_COUNT },
    (_, i) =>
      `count(*) FILTER (WHERE width_bucket(latency_ms - 1, '{${FINITE_BOUNDS.join(",")}}'::int[]) = ${i})`,
  ).join(", ")}]::int[], now()`);

const columns = Prisma.raw(`requests, errors, streamed_requests, input_tokens, output_tokens,
  cached_input_tokens, cost_nano_usd, latency_ms_sum, ttfb_requests, ttfb_ms_sum, latency_buckets,
  updated_at`);

export async function rebuildRollupsFromLogs(
  db: Db,
  workspaceId: string,
): Promise<{ daily: number; hourly: number }> {
  await db.$executeRaw`DELETE FROM usage_daily WHERE workspace_id = ${workspaceId}`;
  await db.$executeRaw`DELETE FROM usage_hourly WHERE workspace_id = ${workspaceId}`;
  const daily = await db.$executeRaw(Prisma.sql`
    INSERT INTO usage_daily (workspace_id, day, key_id, model, prompt_version_id, ${columns})
    SELECT l.workspace_id, (l.ts AT TIME ZONE w.time_zone)::date, key_id, model,
      COALESCE(prompt_version_id, ''), ${aggregates}
    FROM request_logs l JOIN workspaces w ON w.id = l.workspace_id
    WHERE l.workspace_id = ${workspaceId}
    GROUP BY 1, 2, 3, 4, 5`);
  const hourly = await db.$executeRaw(Prisma.sql`
    INSERT INTO usage_hourly (workspace_id, hour, key_id, model, prompt_version_id, ${columns})
    SELECT workspace_id, date_trunc('hour', ts, 'UTC'), key_id, model,
      COALESCE(prompt_version_id, ''), ${aggregates}
    FROM request_logs
    WHERE workspace_id = ${workspaceId}
    GROUP BY 1, 2, 3, 4, 5`);
  return { daily, hourly };
}
