import type { Pool } from "pg";
import { LATENCY_BUCKETS_MS, LATENCY_BUCKET_COUNT, type UsageEvent } from "@gatehouse/shared";

/** Finite bucket bounds; a latency's bucket index = how many bounds are below it. */
const FINITE_BOUNDS = LATENCY_BUCKETS_MS.filter(Number.isFinite);

const bucketCounts = Array.from(
  { length: LATENCY_BUCKET_COUNT },
  (_, i) =>
    `count(*) FILTER (WHERE width_bucket(latency_ms - 1, '{${FINITE_BOUNDS.join(",")}}'::int[]) = ${i})`,
).join(", ");

const mergeBuckets = (table: string) =>
  `(SELECT array_agg(COALESCE(${table}.latency_buckets[i], 0) + COALESCE(excluded.latency_buckets[i], 0) ORDER BY i)
      FROM generate_series(1, ${LATENCY_BUCKET_COUNT}) AS i)`;

const rollupColumns = `requests, errors, streamed_requests, input_tokens, output_tokens,
  cached_input_tokens, cost_nano_usd, latency_ms_sum, ttfb_requests, ttfb_ms_sum, latency_buckets, updated_at`;

const rollupAggregates = `count(*), count(*) FILTER (WHERE status >= 400), count(*) FILTER (WHERE streamed),
  sum(input_tokens), sum(output_tokens), sum(cached_input_tokens), sum(cost_nano_usd),
  sum(latency_ms), count(ttfb_ms), COALESCE(sum(ttfb_ms), 0), ARRAY[${bucketCounts}]::int[], now()`;

const rollupUpdate = (table: string) => `
  requests = ${table}.requests + excluded.requests,
  errors = ${table}.errors + excluded.errors,
  streamed_requests = ${table}.streamed_requests + excluded.streamed_requests,
  input_tokens = ${table}.input_tokens + excluded.input_tokens,
  output_tokens = ${table}.output_tokens + excluded.output_tokens,
  cached_input_tokens = ${table}.cached_input_tokens + excluded.cached_input_tokens,
  cost_nano_usd = ${table}.cost_nano_usd + excluded.cost_nano_usd,
  latency_ms_sum = ${table}.latency_ms_sum + excluded.latency_ms_sum,
  ttfb_requests = ${table}.ttfb_requests + excluded.ttfb_requests,
  ttfb_ms_sum = ${table}.ttfb_ms_sum + excluded.ttfb_ms_sum,
  latency_buckets = ${mergeBuckets(table)},
  updated_at = now()`;

/**
 * One statement per batch, so a batch lands whole or not at all. Request logs are inserted with
 * ON CONFLICT DO NOTHING on the event id, and the rollups add up only the rows that statement
 * actually inserted: a batch delivered twice (a retried job, a crash between commit and ack)
 * never counts an event twice. Events of deleted workspaces are dropped. Days are calendar days
 * in the workspace's time zone, like its budget periods; hours are instants.
 */
const INGEST_SQL = `
WITH src AS (
  -- json, not jsonb: the batch is read once, and skipping jsonb's binary conversion of the whole
  -- document halves the parse (attempts still land as jsonb)
  SELECT e.* FROM json_to_recordset($1::json) AS e(
    id text, ts timestamptz, ws text, key text, endpoint text, fmt text, model text, route text,
    dep text, cred text, provider text, um text, pv text, status int, err text, in_t int,
    out_t int, c_t int, cost bigint, lat int, ttfb int, streamed boolean, aborted boolean,
    attempts jsonb, preq text, pres text)
  WHERE EXISTS (SELECT 1 FROM workspaces w WHERE w.id = e.ws)
),
ins AS (
  INSERT INTO request_logs (id, workspace_id, key_id, ts, endpoint, client_format, model, route_id,
    deployment_id, credential_id, provider, upstream_model, prompt_version_id, status, error_type,
    input_tokens, output_tokens, cached_input_tokens, cost_nano_usd, latency_ms, ttfb_ms, streamed,
    client_aborted, attempts)
  SELECT id, ws, key, ts, endpoint::"Endpoint", fmt::"WireFormat", model, route, dep, cred,
    provider::"ProviderType", um, pv, status, err, in_t, out_t, c_t, cost, lat, ttfb, streamed,
    aborted, attempts
  FROM src
  ON CONFLICT (id) DO NOTHING
  RETURNING id, workspace_id, key_id, ts, model, prompt_version_id, status, input_tokens,
    output_tokens, cached_input_tokens, cost_nano_usd, latency_ms, ttfb_ms, streamed
),
payloads AS (
  INSERT INTO request_payloads (request_id, request, response)
  SELECT s.id, s.preq, s.pres FROM src s JOIN ins ON ins.id = s.id
  WHERE s.preq IS NOT NULL OR s.pres IS NOT NULL
),
daily AS (
  INSERT INTO usage_daily (workspace_id, day, key_id, model, prompt_version_id, ${rollupColumns})
  SELECT ins.workspace_id, (ts AT TIME ZONE w.time_zone)::date, key_id, model,
    COALESCE(prompt_version_id, ''), ${rollupAggregates}
  FROM ins JOIN workspaces w ON w.id = ins.workspace_id
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (workspace_id, day, key_id, model, prompt_version_id) DO UPDATE SET ${rollupUpdate("usage_daily")}
),
hourly AS (
  INSERT INTO usage_hourly (workspace_id, hour, key_id, model, prompt_version_id, ${rollupColumns})
  SELECT workspace_id, date_trunc('hour', ts, 'UTC'), key_id, model, COALESCE(prompt_version_id, ''),
    ${rollupAggregates}
  FROM ins
  GROUP BY 1, 2, 3, 4, 5
  ORDER BY 1, 2, 3, 4, 5
  ON CONFLICT (workspace_id, hour, key_id, model, prompt_version_id) DO UPDATE SET ${rollupUpdate("usage_hourly")}
),
last_used AS (
  UPDATE virtual_keys k SET last_used_at = GREATEST(k.last_used_at, m.ts)
  FROM (SELECT key_id, max(ts) AS ts FROM ins GROUP BY key_id ORDER BY key_id) m
  WHERE k.id = m.key_id
)
SELECT count(*)::int AS inserted FROM ins`;

function toRecord(event: UsageEvent) {
  // Attempts are only worth a row's space when something interesting happened.
  const keepAttempts =
    event.attempts.length > 1 || event.attempts.some((attempt) => attempt.errorType !== null);
  return {
    id: event.id,
    ts: event.ts,
    ws: event.workspaceId,
    key: event.keyId,
    endpoint: event.endpoint,
    fmt: event.clientFormat,
    model: event.model,
    route: event.routeId,
    dep: event.deploymentId,
    cred: event.credentialId,
    provider: event.provider,
    um: event.upstreamModel,
    pv: event.promptVersionId,
    status: event.status,
    err: event.errorType,
    in_t: event.inputTokens,
    out_t: event.outputTokens,
    c_t: event.cachedInputTokens,
    cost: event.costNanoUsd,
    lat: Math.round(event.latencyMs),
    ttfb: event.ttfbMs === null ? null : Math.round(event.ttfbMs),
    streamed: event.streamed,
    aborted: event.clientAborted,
    attempts: keepAttempts ? event.attempts : null,
    preq: event.payload?.request ?? null,
    pres: event.payload?.response ?? null,
  };
}

export interface IngestResult {
  received: number;
  /** newly recorded; the rest were duplicates (already ingested) or of deleted workspaces */
  inserted: number;
}

export async function ingestUsageBatch(
  pool: Pool,
  events: readonly UsageEvent[],
): Promise<IngestResult> {
  if (events.length === 0) return { received: 0, inserted: 0 };
  const { rows } = await pool.query<{ inserted: number }>(INGEST_SQL, [
    JSON.stringify(events.map(toRecord)),
  ]);
  return { received: events.length, inserted: rows[0]?.inserted ?? 0 };
}
