import type { Db } from "../config/compile";
import { Prisma } from "../generated/prisma/client";

/**
 * A deployment's recent record for the routes page: how many upstream attempts it got in the
 * last hour, how many failed the way a provider fails (no answer, a time-out, 408, 429, 5xx,
 * a stream that broke after its headers; a client's own 4xx and a client that went away are
 * not the deployment's fault), and the
 * p50/p95 latency of its successful attempts (to the answer for JSON, to the first token for
 * streams: what the attempt loop measures).
 *
 * Per attempt, not per request: a request that failed on A and was answered by B counts a
 * failure for A and a success for B. The attempts are in the request log (kept for every
 * request that had more than one or an upstream error); a request without them had exactly one
 * attempt, on its deployment. The rollups cannot answer this (they carry no deployment), so the
 * query reads the last hour of the workspace's request log through its (workspace_id, ts DESC)
 * index, newest first and at most `maxRequests` rows: the cost stays bounded however busy the
 * workspace is, and a workspace past the cap gets figures for its latest requests (`sampled`).
 */

export const HEALTH_WINDOW_MS = 60 * 60 * 1000;
export const HEALTH_MAX_REQUESTS = 50_000;

export interface DeploymentStats {
  deploymentId: string;
  attempts: number;
  failures: number;
  /** failures / attempts; null without attempts */
  errorRate: number | null;
  /** of the successful attempts; null without one */
  p50Ms: number | null;
  p95Ms: number | null;
}

export interface DeploymentHealthParams {
  workspaceId: string;
  deploymentIds: readonly string[];
  now?: Date;
  windowMs?: number;
  maxRequests?: number;
}

export interface DeploymentHealthResult {
  /** one entry per requested deployment (zeros when it had no traffic) */
  deployments: DeploymentStats[];
  from: Date;
  to: Date;
  /** requests read; `sampled` when the cap cut the window short */
  requests: number;
  sampled: boolean;
}

interface Row {
  scanned: number;
  dep: string | null;
  attempts: number | null;
  failures: number | null;
  p50: number | null;
  p95: number | null;
}

export async function deploymentHealthStats(
  db: Db,
  params: DeploymentHealthParams,
): Promise<DeploymentHealthResult> {
  const to = params.now ?? new Date();
  const from = new Date(to.getTime() - (params.windowMs ?? HEALTH_WINDOW_MS));
  const cap = params.maxRequests ?? HEALTH_MAX_REQUESTS;
  const ids = [...new Set(params.deploymentIds)];
  const rows =
    ids.length === 0
      ? []
      : await db.$queryRaw<Row[]>(Prisma.sql`
    WITH recent AS (
      SELECT deployment_id, status, error_type, latency_ms, ttfb_ms, streamed, attempts
        FROM request_logs
       WHERE workspace_id = ${params.workspaceId} AND ts > ${from} AND ts <= ${to}
       ORDER BY ts DESC
       LIMIT ${cap}
    ),
    tries AS (
      SELECT deployment_id AS dep, status, error_type AS err,
             (CASE WHEN streamed THEN COALESCE(ttfb_ms, latency_ms) ELSE latency_ms END)::float8 AS lat
        FROM recent
       WHERE attempts IS NULL AND deployment_id IS NOT NULL
      UNION ALL
      SELECT a->>'deploymentId', (a->>'status')::int, a->>'errorType', (a->>'latencyMs')::float8
        FROM recent CROSS JOIN LATERAL jsonb_array_elements(recent.attempts) AS a
       WHERE jsonb_typeof(recent.attempts) = 'array'
    ),
    judged AS (
      SELECT dep, lat,
             (status IS NULL AND err IS DISTINCT FROM 'client_aborted')
               OR status IN (408, 429) OR status >= 500
               -- a 2xx that broke later (a stream cut mid-way) failed too
               OR (status < 400 AND err IS NOT NULL AND err <> 'client_aborted') AS failed,
             status IS NULL AND err = 'client_aborted' AS aborted
        FROM tries
       WHERE dep = ANY(${ids}::text[])
    ),
    stats AS (
      SELECT dep,
             count(*) FILTER (WHERE NOT aborted)::int AS attempts,
             count(*) FILTER (WHERE failed)::int AS failures,
             percentile_cont(0.5) WITHIN GROUP (ORDER BY lat)
               FILTER (WHERE NOT failed AND NOT aborted) AS p50,
             percentile_cont(0.95) WITHIN GROUP (ORDER BY lat)
               FILTER (WHERE NOT failed AND NOT aborted) AS p95
        FROM judged
       GROUP BY dep
    )
    SELECT (SELECT count(*) FROM recent)::int AS scanned, stats.*
      FROM (SELECT 1) AS one LEFT JOIN stats ON true`);

  const byId = new Map(rows.filter((row) => row.dep !== null).map((row) => [row.dep!, row]));
  const scanned = rows[0]?.scanned ?? 0;
  return {
    deployments: ids.map((deploymentId) => {
      const row = byId.get(deploymentId);
      const attempts = row?.attempts ?? 0;
      const failures = row?.failures ?? 0;
      return {
        deploymentId,
        attempts,
        failures,
        errorRate: attempts > 0 ? failures / attempts : null,
        p50Ms: row?.p50 == null ? null : Math.round(row.p50),
        p95Ms: row?.p95 == null ? null : Math.round(row.p95),
      };
    }),
    from,
    to,
    requests: scanned,
    sampled: scanned >= cap,
  };
}
