import type { Pool } from "pg";
import { guardrailRollupSql, ROLLUP_SOURCE_COLUMNS, rollupUpsertSql } from "@gatehouse/db/rollups";
import type { UsageEvent } from "@gatehouse/shared";

/**
 * One statement per batch, so a batch lands whole or not at all. Request logs are inserted with
 * ON CONFLICT DO NOTHING on the event id, and the rollups add up only the rows that statement
 * actually inserted: a batch delivered twice (a retried job, a crash between commit and ack)
 * never counts an event twice. Events of deleted workspaces are dropped. The rollup upserts are
 * @gatehouse/db's (the same SQL rebuilds rollups from logs). Guardrail findings (detector,
 * action, count: never a value) go into the log row and the guardrail_daily rollup the same way.
 */
const INGEST_SQL = `
WITH src AS (
  -- json, not jsonb: the batch is read once, and skipping jsonb's binary conversion of the whole
  -- document halves the parse (attempts still land as jsonb)
  SELECT e.* FROM json_to_recordset($1::json) AS e(
    id text, ts timestamptz, ws text, key text, endpoint text, fmt text, model text, route text,
    dep text, cred text, provider text, um text, pv text, status int, err text, in_t int,
    out_t int, c_t int, w5m_t int, w1h_t int, r_t int, cost bigint, lat int, ttfb int,
    streamed boolean, aborted boolean, attempts jsonb, gr jsonb, preq text, pres text)
  WHERE EXISTS (SELECT 1 FROM workspaces w WHERE w.id = e.ws)
),
ins AS (
  INSERT INTO request_logs (id, workspace_id, key_id, ts, endpoint, client_format, model, route_id,
    deployment_id, credential_id, provider, upstream_model, prompt_version_id, status, error_type,
    input_tokens, output_tokens, cached_input_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
    reasoning_tokens, cost_nano_usd, latency_ms, ttfb_ms, streamed, client_aborted, attempts,
    guardrail_findings)
  SELECT id, ws, key, ts, endpoint::"Endpoint", fmt::"WireFormat", model, route, dep, cred,
    provider::"ProviderType", um, pv, status, err, in_t, out_t, c_t, w5m_t, w1h_t, r_t, cost, lat,
    ttfb, streamed, aborted, attempts, gr
  FROM src
  ON CONFLICT (id) DO NOTHING
  RETURNING id, ${ROLLUP_SOURCE_COLUMNS.join(", ")}
),
payloads AS (
  INSERT INTO request_payloads (request_id, request, response)
  SELECT s.id, s.preq, s.pres FROM src s JOIN ins ON ins.id = s.id
  WHERE s.preq IS NOT NULL OR s.pres IS NOT NULL
),
daily AS (
  ${rollupUpsertSql("daily", "ins")}
),
hourly AS (
  ${rollupUpsertSql("hourly", "ins")}
),
guardrails AS (
  ${guardrailRollupSql("ins")}
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
    w5m_t: event.cacheWrite5mTokens,
    w1h_t: event.cacheWrite1hTokens,
    r_t: event.reasoningTokens,
    cost: event.costNanoUsd,
    lat: Math.round(event.latencyMs),
    ttfb: event.ttfbMs === null ? null : Math.round(event.ttfbMs),
    streamed: event.streamed,
    aborted: event.clientAborted,
    attempts: keepAttempts ? event.attempts : null,
    // null, not [], for the common request without findings: no jsonb to store or roll up
    gr: event.guardrails.length > 0 ? event.guardrails : null,
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
