import type { Db } from "../config/compile";
import { Prisma } from "../generated/prisma/client";

/**
 * Deterministic synthetic request logs generated inside PostgreSQL (generate_series, no row-by-row
 * inserts): for the overview bench (5 M rows in seconds, not hours) and for tests of the usage
 * queries. Not used by the running product. Each row's mix comes from a hash of its index:
 * like a real workspace, each key calls three of the models (consecutive in the list) and at
 * most two prompt versions; ~5 % errors (429/500/502), ~40 % streamed, a quarter with cached
 * input, a fifth writing the prompt cache for 5 minutes and a seventh for 1 hour, a third with
 * reasoning tokens, a third with a prompt version when some are given, latencies from ~20 ms to ~9 s
 * (skewed low), evenly spaced timestamps over [from, to).
 */
export interface SyntheticLogsParams {
  workspaceId: string;
  keyIds: readonly string[];
  models: readonly string[];
  promptVersionIds?: readonly string[];
  count: number;
  /** rows 1..count get ids `${idPrefix}${i}` */
  idPrefix: string;
  /** offset of the first row index (to insert in chunks); default 0 */
  offset?: number;
  /** total rows across chunks (spacing of timestamps); default count */
  total?: number;
  from: Date;
  to: Date;
}

export async function insertSyntheticRequestLogs(
  db: Db,
  params: SyntheticLogsParams,
): Promise<number> {
  if (params.keyIds.length === 0 || params.models.length === 0) {
    throw new RangeError("synthetic logs need at least one key and one model");
  }
  const offset = params.offset ?? 0;
  const total = params.total ?? params.count;
  const spanMs = params.to.getTime() - params.from.getTime();
  const pvs = params.promptVersionIds ?? [];
  return db.$executeRaw(Prisma.sql`
    INSERT INTO request_logs (id, workspace_id, key_id, ts, endpoint, client_format, model,
      provider, upstream_model, prompt_version_id, status, error_type, input_tokens,
      output_tokens, cached_input_tokens, cost_nano_usd, latency_ms, ttfb_ms, streamed,
      client_aborted, attempts, cache_write_5m_tokens, cache_write_1h_tokens, reasoning_tokens)
    SELECT ${params.idPrefix} || i, ${params.workspaceId}, keys[1 + ki],
      ${params.from}::timestamptz + ((i - 1)::float8 * ${spanMs}::float8 / ${total}::float8) * interval '1 millisecond',
      'chat.completions'::"Endpoint", 'openai'::"WireFormat", models[1 + mi],
      'openai'::"ProviderType", models[1 + mi],
      CASE WHEN cardinality(pvs) > 0 AND (h / 11) % 3 = 0
        THEN pvs[1 + (ki + (h / 13) % 2) % greatest(cardinality(pvs), 1)] END,
      CASE WHEN h % 20 = 0 THEN (ARRAY[429, 500, 502])[1 + (h / 3) % 3] ELSE 200 END,
      CASE WHEN h % 20 = 0 THEN (ARRAY['rate_limited', 'upstream_error', 'upstream_error'])[1 + (h / 3) % 3] END,
      in_t, out_t, CASE WHEN (h / 17) % 4 = 0 THEN in_t / 2 ELSE 0 END,
      -- $0.15–$2.50 input and $0.60–$10 output per 1 M tokens, by model
      (in_t * (150000 + (mi % 10) * 250000) + out_t * (600000 + (mi % 10) * 1000000) + 999) / 1000,
      lat, CASE WHEN h % 5 < 2 THEN lat / 4 END, h % 5 < 2, false, NULL,
      -- subsets of the prompt beside the cached half: a quarter and an eighth of it at most
      CASE WHEN (h / 29) % 5 = 0 THEN in_t / 4 ELSE 0 END,
      CASE WHEN (h / 31) % 7 = 0 THEN in_t / 8 ELSE 0 END,
      CASE WHEN (h / 37) % 3 = 0 THEN out_t / 2 ELSE 0 END
    FROM (
      SELECT i, h, ki, (ki * 3 + (h / 7) % 3) % cardinality(models) AS mi,
        40 + h % 1500 AS in_t, 5 + (h / 5) % 600 AS out_t,
        20 + ((h / 19) % 300) * ((h / 23) % 300) / 10 AS lat, keys, models, pvs
      FROM (
        SELECT i, h, h % cardinality(keys) AS ki, keys, models, pvs
        FROM (SELECT i, (hashint8(i::int8)::int8 & 2147483647) AS h,
                ${[...params.keyIds]}::text[] AS keys, ${[...params.models]}::text[] AS models,
                ${[...pvs]}::text[] AS pvs
              FROM generate_series(${offset + 1}::int8, ${offset + params.count}::int8) AS i) s
      ) k
    ) g`);
}
