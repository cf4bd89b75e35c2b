import { LATENCY_BUCKETS_MS, LATENCY_BUCKET_COUNT } from "@gatehouse/shared";

/**
 * The usage rollups' SQL, written once for both writers: the worker's per-batch upsert
 * (apps/worker, over the request logs one statement just inserted) and the rebuild from
 * request logs (rebuild.ts). Plain strings with no Prisma import, so the worker can use them
 * with its pg pool (`@gatehouse/db/rollups`).
 *
 * Days are calendar days in the workspace's time zone, like its budget periods; hours are
 * instants. promptVersionId is "" for "no prompt" (NULLs never conflict in a unique index).
 */

/** The request_logs columns the rollups read: a source passed to rollupUpsertSql has them. */
export const ROLLUP_SOURCE_COLUMNS = [
  "workspace_id",
  "ts",
  "key_id",
  "model",
  "prompt_version_id",
  "status",
  "streamed",
  "input_tokens",
  "output_tokens",
  "cached_input_tokens",
  "cache_write_5m_tokens",
  "cache_write_1h_tokens",
  "reasoning_tokens",
  "cost_nano_usd",
  "latency_ms",
  "ttfb_ms",
  "guardrail_findings",
] as const;

/** Finite bucket bounds; a latency's bucket index = how many bounds are below it. */
const FINITE_BOUNDS = LATENCY_BUCKETS_MS.filter(Number.isFinite);
const BUCKET_COUNTS = Array.from(
  { length: LATENCY_BUCKET_COUNT },
  (_, i) =>
    `count(*) FILTER (WHERE width_bucket(s.latency_ms - 1, '{${FINITE_BOUNDS.join(",")}}'::int[]) = ${i})`,
).join(", ");

/** Every counter of a rollup row and how a group of source rows adds up into it. */
const COUNTERS: ReadonlyArray<readonly [column: string, aggregate: string]> = [
  ["requests", "count(*)"],
  ["errors", "count(*) FILTER (WHERE s.status >= 400)"],
  ["streamed_requests", "count(*) FILTER (WHERE s.streamed)"],
  ["input_tokens", "sum(s.input_tokens)"],
  ["output_tokens", "sum(s.output_tokens)"],
  ["cached_input_tokens", "sum(s.cached_input_tokens)"],
  ["cache_write_5m_tokens", "sum(s.cache_write_5m_tokens)"],
  ["cache_write_1h_tokens", "sum(s.cache_write_1h_tokens)"],
  ["reasoning_tokens", "sum(s.reasoning_tokens)"],
  ["cost_nano_usd", "sum(s.cost_nano_usd)"],
  ["latency_ms_sum", "sum(s.latency_ms)"],
  ["ttfb_requests", "count(s.ttfb_ms)"],
  ["ttfb_ms_sum", "COALESCE(sum(s.ttfb_ms), 0)"],
];

const GRAINS = {
  daily: {
    table: "usage_daily",
    period: "day",
    expression: "(s.ts AT TIME ZONE w.time_zone)::date",
    join: "JOIN workspaces w ON w.id = s.workspace_id",
  },
  hourly: {
    table: "usage_hourly",
    period: "hour",
    expression: "date_trunc('hour', s.ts, 'UTC')",
    join: "",
  },
} as const;

export type RollupGrain = keyof typeof GRAINS;

/**
 * One INSERT … SELECT that adds the rows of `source` (a table or CTE name with
 * ROLLUP_SOURCE_COLUMNS, read as `s`; `where` filters it, e.g. `WHERE s.workspace_id = $1`)
 * into the daily or hourly rollup, adding to the counters of rows that exist. Groups are
 * written in key order, so concurrent batches take row locks in the same order.
 */
export function rollupUpsertSql(grain: RollupGrain, source: string, where = ""): string {
  const { table, period, expression, join } = GRAINS[grain];
  const key = `workspace_id, ${period}, key_id, model, prompt_version_id`;
  const added = COUNTERS.map(([column]) => `${column} = ${table}.${column} + excluded.${column}`);
  return `INSERT INTO ${table} (${key}, ${COUNTERS.map(([column]) => column).join(", ")},
    latency_buckets, updated_at)
  SELECT s.workspace_id, ${expression}, s.key_id, s.model, COALESCE(s.prompt_version_id, ''),
    ${COUNTERS.map(([, aggregate]) => aggregate).join(", ")}, ARRAY[${BUCKET_COUNTS}]::int[], now()
  FROM ${source} s ${join}
  ${where}
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (${key}) DO UPDATE SET
    ${added.join(",\n    ")},
    latency_buckets = (SELECT array_agg(COALESCE(${table}.latency_buckets[i], 0)
        + COALESCE(excluded.latency_buckets[i], 0) ORDER BY i)
      FROM generate_series(1, ${LATENCY_BUCKET_COUNT}) AS i),
    updated_at = now()`;
}

/**
 * One INSERT … SELECT that adds the guardrail findings of `source` (read as `s`, with id,
 * workspace_id, ts and guardrail_findings: a GuardrailFinding[] as jsonb, or NULL) into
 * guardrail_daily: per workspace day (its time zone), detector and action, `findings` adds up
 * the counts and `requests` counts each request once (a request reporting the same detector
 * and action for its prompt and its answer is one request). Groups in key order, like above.
 */
export function guardrailRollupSql(source: string, where = ""): string {
  const filter = where ? `${where} AND` : "WHERE";
  // anything but an array (never written by the ingest) counts as no findings, not an error
  return `INSERT INTO guardrail_daily (workspace_id, day, detector, action, findings, requests,
    updated_at)
  SELECT s.workspace_id, (s.ts AT TIME ZONE w.time_zone)::date, f.detector, f.action,
    sum(f.count)::int, count(DISTINCT s.id)::int, now()
  FROM ${source} s
  JOIN workspaces w ON w.id = s.workspace_id
  CROSS JOIN LATERAL jsonb_to_recordset(CASE jsonb_typeof(s.guardrail_findings)
    WHEN 'array' THEN s.guardrail_findings ELSE '[]'::jsonb END)
    AS f(detector text, action text, count int)
  ${filter} f.detector IS NOT NULL AND f.action IS NOT NULL AND f.count > 0
  GROUP BY 1, 2, 3, 4
  ORDER BY 1, 2, 3, 4
  ON CONFLICT (workspace_id, day, detector, action) DO UPDATE SET
    findings = guardrail_daily.findings + excluded.findings,
    requests = guardrail_daily.requests + excluded.requests,
    updated_at = now()`;
}
