import type { Pool } from "pg";
import { MODEL_PRICES } from "@gatehouse/shared";

/**
 * Upserts the built-in price table (@gatehouse/shared's MODEL_PRICES, versioned with the code)
 * into model_prices when the worker boots: prices are data, not migrations. One statement,
 * idempotent: new models are inserted, built-in rows whose price changed are updated, and
 * rows an operator edited (source <> 'builtin') are left alone. Workspace overrides live in
 * workspace_model_prices and are never touched. Same rules as syncModelPrices in
 * @gatehouse/db (the seed's Prisma version).
 */
const SYNC_SQL = `
WITH src AS (
  SELECT * FROM json_to_recordset($1::json) AS p(
    model text, provider text, input int, output int, cached int, cache_write int)
),
up AS (
  INSERT INTO model_prices AS m (id, model, provider, input_micro_usd_per_mtok,
    output_micro_usd_per_mtok, cached_input_micro_usd_per_mtok, cache_write_micro_usd_per_mtok,
    source, created_at, updated_at)
  SELECT 'mp_' || md5(model), model, provider, input, output, cached, cache_write, 'builtin',
    now(), now()
  FROM src
  ORDER BY model
  ON CONFLICT (model) DO UPDATE SET
    provider = excluded.provider,
    input_micro_usd_per_mtok = excluded.input_micro_usd_per_mtok,
    output_micro_usd_per_mtok = excluded.output_micro_usd_per_mtok,
    cached_input_micro_usd_per_mtok = excluded.cached_input_micro_usd_per_mtok,
    cache_write_micro_usd_per_mtok = excluded.cache_write_micro_usd_per_mtok,
    updated_at = now()
  WHERE m.source = 'builtin' AND (
    m.provider, m.input_micro_usd_per_mtok, m.output_micro_usd_per_mtok,
    m.cached_input_micro_usd_per_mtok, m.cache_write_micro_usd_per_mtok
  ) IS DISTINCT FROM (
    excluded.provider, excluded.input_micro_usd_per_mtok, excluded.output_micro_usd_per_mtok,
    excluded.cached_input_micro_usd_per_mtok, excluded.cache_write_micro_usd_per_mtok)
  RETURNING (xmax = 0) AS created
)
SELECT count(*) FILTER (WHERE created)::int AS created,
       count(*) FILTER (WHERE NOT created)::int AS updated
  FROM up`;

export interface PriceSyncResult {
  /** models in the built-in table */
  models: number;
  created: number;
  updated: number;
}

export async function syncBuiltinPrices(pool: Pool): Promise<PriceSyncResult> {
  const rows = Object.entries(MODEL_PRICES).map(([model, price]) => ({
    model,
    provider: price.provider,
    input: price.inputMicroUsdPerMTok,
    output: price.outputMicroUsdPerMTok,
    cached: price.cachedInputMicroUsdPerMTok,
    cache_write: price.cacheWriteMicroUsdPerMTok,
  }));
  const { rows: result } = await pool.query<{ created: number; updated: number }>(SYNC_SQL, [
    JSON.stringify(rows),
  ]);
  return {
    models: rows.length,
    created: result[0]?.created ?? 0,
    updated: result[0]?.updated ?? 0,
  };
}
