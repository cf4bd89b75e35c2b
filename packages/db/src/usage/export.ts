import type { Db } from "../config/compile";
import { Prisma } from "../generated/prisma/client";
import { rollupFilterSql, type UsageFilters } from "./overview";

/**
 * Rows of usage_daily for finance exports, grouped by any of day / key / model / prompt
 * version (all four = the rollup rows themselves). Days are the workspace's calendar days.
 */

export const EXPORT_DIMENSIONS = ["day", "key", "model", "prompt"] as const;
export type ExportDimension = (typeof EXPORT_DIMENSIONS)[number];

export interface UsageExportParams extends UsageFilters {
  workspaceId: string;
  /** first and last local day, inclusive ("2026-11-01") */
  fromDay: string;
  toDay: string;
  groupBy: readonly ExportDimension[];
}

export interface UsageExportRow {
  day: string | null;
  keyId: string | null;
  model: string | null;
  promptVersionId: string | null;
  requests: number;
  errors: number;
  inputTokens: bigint;
  outputTokens: bigint;
  cachedInputTokens: bigint;
  cacheWrite5mTokens: bigint;
  cacheWrite1hTokens: bigint;
  reasoningTokens: bigint;
  costNanoUsd: bigint;
}

const COLUMN: Record<ExportDimension, Prisma.Sql> = {
  day: Prisma.sql`to_char(day, 'YYYY-MM-DD')`,
  key: Prisma.sql`key_id`,
  model: Prisma.sql`model`,
  prompt: Prisma.sql`prompt_version_id`,
};

export async function usageExportRows(
  db: Db,
  params: UsageExportParams,
): Promise<UsageExportRow[]> {
  const dims = EXPORT_DIMENSIONS.filter((d) => params.groupBy.includes(d));
  const pick = (d: ExportDimension) => (dims.includes(d) ? COLUMN[d] : Prisma.sql`NULL::text`);
  const groupBy =
    dims.length > 0
      ? Prisma.sql`GROUP BY ${Prisma.join(dims.map((d) => COLUMN[d]))}
        ORDER BY ${Prisma.join(dims.map((d) => COLUMN[d]))}`
      : Prisma.empty;
  const rows = await db.$queryRaw<
    Array<{
      day: string | null;
      key_id: string | null;
      model: string | null;
      prompt_version_id: string | null;
      requests: bigint;
      errors: bigint;
      input_tokens: bigint;
      output_tokens: bigint;
      cached_input_tokens: bigint;
      cache_write_5m_tokens: bigint;
      cache_write_1h_tokens: bigint;
      reasoning_tokens: bigint;
      cost: bigint;
    }>
  >(Prisma.sql`
    SELECT ${pick("day")} AS day, ${pick("key")} AS key_id, ${pick("model")} AS model,
      ${pick("prompt")} AS prompt_version_id,
      COALESCE(sum(requests), 0)::int8 AS requests, COALESCE(sum(errors), 0)::int8 AS errors,
      COALESCE(sum(input_tokens), 0)::int8 AS input_tokens,
      COALESCE(sum(output_tokens), 0)::int8 AS output_tokens,
      COALESCE(sum(cached_input_tokens), 0)::int8 AS cached_input_tokens,
      COALESCE(sum(cache_write_5m_tokens), 0)::int8 AS cache_write_5m_tokens,
      COALESCE(sum(cache_write_1h_tokens), 0)::int8 AS cache_write_1h_tokens,
      COALESCE(sum(reasoning_tokens), 0)::int8 AS reasoning_tokens,
      COALESCE(sum(cost_nano_usd), 0)::int8 AS cost
    FROM usage_daily
    WHERE workspace_id = ${params.workspaceId}
      AND day >= ${params.fromDay}::date AND day <= ${params.toDay}::date
      ${rollupFilterSql(params)}
    ${groupBy}`);
  return rows
    .filter((row) => dims.length > 0 || Number(row.requests) > 0)
    .map((row) => ({
      day: row.day,
      keyId: row.key_id,
      model: row.model,
      promptVersionId: row.prompt_version_id,
      requests: Number(row.requests),
      errors: Number(row.errors),
      inputTokens: BigInt(row.input_tokens),
      outputTokens: BigInt(row.output_tokens),
      cachedInputTokens: BigInt(row.cached_input_tokens),
      cacheWrite5mTokens: BigInt(row.cache_write_5m_tokens),
      cacheWrite1hTokens: BigInt(row.cache_write_1h_tokens),
      reasoningTokens: BigInt(row.reasoning_tokens),
      costNanoUsd: BigInt(row.cost),
    }));
}
