import {
  LATENCY_BUCKET_COUNT,
  percentileFromBuckets,
  periodEnd,
  periodStart,
} from "@gatehouse/shared";
import type { Db } from "../config/compile";
import { Prisma } from "../generated/prisma/client";
import { DAY_MS, HOUR_MS, datesBetween, floorHour, hoursBetween, localDate } from "./time";

/**
 * The workspace overview, read from the rollups only (never request_logs): usage_hourly for
 * ranges up to 7 days, usage_daily beyond. Two queries over the rollup rows in range, run in
 * parallel: every sum and the latency histogram per chart bucket, and spend per (bucket,
 * group), per key and per model (GROUPING SETS of three sums). Few aggregates per row and few
 * rows back keep a 90-day overview at millions of requests fast.
 */

export type OverviewGroupBy = "model" | "key" | "prompt";

export interface UsageFilters {
  keyIds?: readonly string[];
  models?: readonly string[];
  /** "" = requests without a prompt */
  promptVersionIds?: readonly string[];
}

export interface OverviewParams extends UsageFilters {
  workspaceId: string;
  /** the workspace's IANA time zone: days are its calendar days */
  timeZone: string;
  /** [from, to) */
  from: Date;
  to: Date;
  groupBy: OverviewGroupBy;
  /** stacked series beyond this many groups are summed into OTHER_GROUP (default 8) */
  maxGroups?: number;
  /** rows of topKeys / topModels (default 10) */
  top?: number;
}

/** The series id that sums every group beyond maxGroups. */
export const OTHER_GROUP = "__other__";
const DEFAULT_MAX_GROUPS = 8;

const HOURLY_MAX_SPAN_MS = 7 * DAY_MS;
const HOUR_BUCKETS_MAX_SPAN_MS = 2 * DAY_MS;

export interface UsageTotals {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costNanoUsd: bigint;
  /** upper bound of the histogram bucket holding the percentile; null without requests */
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  avgLatencyMs: number | null;
  avgTtfbMs: number | null;
}

export interface OverviewPoint extends UsageTotals {
  /** hour start (ISO instant) or local date ("2026-11-22") */
  bucket: string;
  /** group id -> cost (nano-USD); only groups with spend in this bucket */
  costByGroup: Record<string, bigint>;
  /** group id -> requests */
  requestsByGroup: Record<string, number>;
}

export interface SpendRow {
  id: string;
  requests: number;
  errors: number;
  costNanoUsd: bigint;
}

export interface OverviewResult {
  source: "hourly" | "daily";
  bucket: "hour" | "day";
  groupBy: OverviewGroupBy;
  totals: UsageTotals;
  /** stacked-series groups, most spend first; OTHER_GROUP last when present */
  groups: SpendRow[];
  series: OverviewPoint[];
  topKeys: SpendRow[];
  topModels: SpendRow[];
}

interface Sums {
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
  costNanoUsd: bigint;
  latencyMsSum: number;
  ttfbRequests: number;
  ttfbMsSum: number;
  latencyBuckets: number[];
}

const emptySums = (): Sums => ({
  requests: 0,
  errors: 0,
  inputTokens: 0,
  outputTokens: 0,
  cachedInputTokens: 0,
  costNanoUsd: 0n,
  latencyMsSum: 0,
  ttfbRequests: 0,
  ttfbMsSum: 0,
  latencyBuckets: new Array<number>(LATENCY_BUCKET_COUNT).fill(0),
});

function addSums(into: Sums, row: Sums): void {
  into.requests += row.requests;
  into.errors += row.errors;
  into.inputTokens += row.inputTokens;
  into.outputTokens += row.outputTokens;
  into.cachedInputTokens += row.cachedInputTokens;
  into.costNanoUsd += row.costNanoUsd;
  into.latencyMsSum += row.latencyMsSum;
  into.ttfbRequests += row.ttfbRequests;
  into.ttfbMsSum += row.ttfbMsSum;
  for (let i = 0; i < LATENCY_BUCKET_COUNT; i++) {
    into.latencyBuckets[i]! += row.latencyBuckets[i] ?? 0;
  }
}

function totalsOf(sums: Sums): UsageTotals {
  const { requests } = sums;
  return {
    requests,
    errors: sums.errors,
    inputTokens: sums.inputTokens,
    outputTokens: sums.outputTokens,
    cachedInputTokens: sums.cachedInputTokens,
    costNanoUsd: sums.costNanoUsd,
    latencyP50Ms: percentileFromBuckets(sums.latencyBuckets, 50),
    latencyP95Ms: percentileFromBuckets(sums.latencyBuckets, 95),
    avgLatencyMs: requests > 0 ? Math.round(sums.latencyMsSum / requests) : null,
    avgTtfbMs: sums.ttfbRequests > 0 ? Math.round(sums.ttfbMsSum / sums.ttfbRequests) : null,
  };
}

/** AND-ed rollup filters (shared with the CSV export). */
export function rollupFilterSql(filters: UsageFilters): Prisma.Sql {
  const parts: Prisma.Sql[] = [];
  if (filters.keyIds?.length)
    parts.push(Prisma.sql`AND key_id IN (${Prisma.join(filters.keyIds)})`);
  if (filters.models?.length) parts.push(Prisma.sql`AND model IN (${Prisma.join(filters.models)})`);
  if (filters.promptVersionIds?.length) {
    parts.push(Prisma.sql`AND prompt_version_id IN (${Prisma.join(filters.promptVersionIds)})`);
  }
  return parts.length > 0 ? Prisma.join(parts, " ") : Prisma.empty;
}

/** Which rollup table and chart bucket a range reads. */
export function overviewResolution(
  from: Date,
  to: Date,
): { source: "hourly" | "daily"; bucket: "hour" | "day" } {
  const span = to.getTime() - from.getTime();
  return {
    source: span <= HOURLY_MAX_SPAN_MS ? "hourly" : "daily",
    bucket: span <= HOUR_BUCKETS_MAX_SPAN_MS ? "hour" : "day",
  };
}

const GROUP_COLUMN: Record<OverviewGroupBy, Prisma.Sql> = {
  model: Prisma.sql`model`,
  key: Prisma.sql`key_id`,
  prompt: Prisma.sql`prompt_version_id`,
};

const latencySums = Prisma.raw(
  `ARRAY[${Array.from(
    { length: LATENCY_BUCKET_COUNT },
    (_, i) => `COALESCE(sum(latency_buckets[${i + 1}]), 0)`,
  ).join(", ")}]::int8[]`,
);

interface SumsRaw {
  requests: bigint;
  errors: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cached_input_tokens: bigint;
  cost: bigint;
  latency_ms_sum: bigint;
  ttfb_requests: bigint;
  ttfb_ms_sum: bigint;
  lat: Array<bigint | number>;
}

interface SeriesRow extends SumsRaw {
  /** hour start, or days since 2000-01-01 */
  bucket: Date | number;
}

interface BreakdownRow {
  gset_series: number;
  bucket: Date | number | null;
  g: string | null;
  key_id: string | null;
  model: string | null;
  requests: bigint;
  errors: bigint;
  cost: bigint;
}

function sumsOf(row: SumsRaw): Sums {
  return {
    requests: Number(row.requests),
    errors: Number(row.errors),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    cachedInputTokens: Number(row.cached_input_tokens),
    costNanoUsd: BigInt(row.cost),
    latencyMsSum: Number(row.latency_ms_sum),
    ttfbRequests: Number(row.ttfb_requests),
    ttfbMsSum: Number(row.ttfb_ms_sum),
    latencyBuckets: row.lat.map(Number),
  };
}

const byCostDesc = (a: SpendRow, b: SpendRow) =>
  a.costNanoUsd === b.costNanoUsd
    ? b.requests - a.requests || a.id.localeCompare(b.id)
    : a.costNanoUsd > b.costNanoUsd
      ? -1
      : 1;

const ROLLUP_COLUMNS = Prisma.raw(`key_id, model, prompt_version_id, requests, errors,
  input_tokens, output_tokens, cached_input_tokens, cost_nano_usd, latency_ms_sum, ttfb_requests,
  ttfb_ms_sum, latency_buckets`);

/** The whole local days inside [from, to), when their bounds fall on whole UTC hours. */
function wholeDaysWithin(from: Date, to: Date, timeZone: string) {
  let start = periodStart("daily", from, timeZone);
  if (start < from) start = periodEnd("daily", from, timeZone);
  const end = periodStart("daily", to, timeZone);
  // zones with half-hour offsets: an hourly row would straddle midnight, so no mixing
  const aligned = (t: Date) => t.getTime() % HOUR_MS === 0;
  if (!(start < end) || !aligned(start) || !aligned(end)) return null;
  return { start, end };
}

/**
 * FROM … WHERE of the rollup rows in range, with `bucket` = the row's hour (an instant) or its
 * day as days since 2000-01-01 (an integer). Day buckets over an hourly range (2–7 days) take
 * the whole local days inside the range from usage_daily and only the partial days at its ends
 * from usage_hourly: a third of the rows for the same exact answer.
 */
function rollupRowsSql(params: OverviewParams): Prisma.Sql {
  const { source, bucket } = overviewResolution(params.from, params.to);
  const filters = rollupFilterSql(params);
  const ws = params.workspaceId;
  const daily = (first: string, last: string) =>
    Prisma.sql`SELECT day - DATE '2000-01-01' AS bucket, ${ROLLUP_COLUMNS} FROM usage_daily
      WHERE workspace_id = ${ws} AND day >= ${first}::date AND day <= ${last}::date ${filters}`;
  const hourly = (from: Date, to: Date, asDay: boolean) =>
    Prisma.sql`SELECT ${
      asDay
        ? Prisma.sql`(hour AT TIME ZONE ${params.timeZone})::date - DATE '2000-01-01'`
        : Prisma.sql`hour`
    } AS bucket, ${ROLLUP_COLUMNS} FROM usage_hourly
      WHERE workspace_id = ${ws} AND hour >= ${from} AND hour < ${to} ${filters}`;

  if (source === "daily") {
    return daily(
      localDate(params.from, params.timeZone),
      localDate(new Date(params.to.getTime() - 1), params.timeZone),
    );
  }
  const start = floorHour(params.from);
  if (bucket === "hour") return hourly(start, params.to, false);
  const whole = wholeDaysWithin(start, params.to, params.timeZone);
  if (!whole) return hourly(start, params.to, true);
  return Prisma.sql`${hourly(start, whole.start, true)}
    UNION ALL ${daily(
      localDate(whole.start, params.timeZone),
      localDate(new Date(whole.end.getTime() - 1), params.timeZone),
    )}
    UNION ALL ${hourly(whole.end, params.to, true)}`;
}

const EPOCH_2000 = Date.UTC(2000, 0, 1);

/** Per chart bucket: every sum and the latency histogram. (Exported for EXPLAIN.) */
export function overviewSeriesSql(params: OverviewParams): Prisma.Sql {
  return Prisma.sql`
    SELECT bucket,
      sum(requests)::int8 AS requests, sum(errors)::int8 AS errors,
      sum(input_tokens)::int8 AS input_tokens, sum(output_tokens)::int8 AS output_tokens,
      sum(cached_input_tokens)::int8 AS cached_input_tokens, sum(cost_nano_usd)::int8 AS cost,
      sum(latency_ms_sum)::int8 AS latency_ms_sum, sum(ttfb_requests)::int8 AS ttfb_requests,
      sum(ttfb_ms_sum)::int8 AS ttfb_ms_sum, ${latencySums} AS lat
    FROM (${rollupRowsSql(params)}) r
    GROUP BY 1`;
}

/**
 * Spend and requests per (bucket, group) for the stacked chart, and per key and per model
 * over the whole range for the top lists: three grouping sets of three sums in one pass. Groups
 * beyond the maxGroups - 1 with the most spend are folded into OTHER_GROUP here, so a chart by
 * key sends 90 × 8 rows, not 90 × every key.
 */
export function overviewBreakdownSql(params: OverviewParams): Prisma.Sql {
  const maxGroups = params.maxGroups ?? DEFAULT_MAX_GROUPS;
  return Prisma.sql`
    WITH r AS (
      SELECT GROUPING(bucket, g)::int AS gset_series, bucket, g, key_id, model,
        sum(requests)::int8 AS requests, sum(errors)::int8 AS errors,
        sum(cost_nano_usd)::int8 AS cost
      FROM (SELECT *, ${GROUP_COLUMN[params.groupBy]} AS g FROM (${rollupRowsSql(params)}) r0) r1
      GROUP BY GROUPING SETS ((bucket, g), (key_id), (model))
    ),
    ranked AS (
      SELECT g, row_number() OVER (ORDER BY sum(cost) DESC, sum(requests) DESC, g COLLATE "C") AS rk,
        count(*) OVER () AS n
      FROM r WHERE gset_series = 0 GROUP BY g
    )
    SELECT 0 AS gset_series, r.bucket,
      CASE WHEN k.n <= ${maxGroups} OR k.rk < ${maxGroups} THEN r.g ELSE ${OTHER_GROUP} END AS g,
      NULL::text AS key_id, NULL::text AS model, sum(r.requests)::int8 AS requests,
      sum(r.errors)::int8 AS errors, sum(r.cost)::int8 AS cost
    FROM r JOIN ranked k ON k.g = r.g
    WHERE r.gset_series = 0
    GROUP BY 2, 3
    UNION ALL
    SELECT gset_series, bucket, g, key_id, model, requests, errors, cost FROM r WHERE gset_series <> 0`;
}

export async function usageOverview(db: Db, params: OverviewParams): Promise<OverviewResult> {
  const { source, bucket } = overviewResolution(params.from, params.to);
  // two light scans in parallel beat one scan with grouping sets carrying every aggregate
  const [seriesRows, breakdownRows] = await Promise.all([
    db.$queryRaw<SeriesRow[]>(overviewSeriesSql(params)),
    db.$queryRaw<BreakdownRow[]>(overviewBreakdownSql(params)),
  ]);

  // Chart buckets, continuous over the range (empty ones included).
  const bucketKeys =
    bucket === "hour"
      ? hoursBetween(params.from, params.to).map((t) => t.toISOString())
      : datesBetween(
          localDate(params.from, params.timeZone),
          localDate(new Date(params.to.getTime() - 1), params.timeZone),
        );
  const keyOf = (value: Date | number): string =>
    typeof value === "number"
      ? new Date(EPOCH_2000 + value * DAY_MS).toISOString().slice(0, 10)
      : value.toISOString();

  const perBucket = new Map<string, { sums: Sums; byGroup: Map<string, SpendRow> }>();
  const entryOf = (key: string) => {
    let entry = perBucket.get(key);
    if (!entry) {
      entry = { sums: emptySums(), byGroup: new Map() };
      perBucket.set(key, entry);
    }
    return entry;
  };
  for (const key of bucketKeys) entryOf(key);
  const groupTotals = new Map<string, SpendRow>();
  const topKeys: SpendRow[] = [];
  const topModels: SpendRow[] = [];
  const all = emptySums();

  for (const row of seriesRows) {
    const sums = sumsOf(row);
    addSums(entryOf(keyOf(row.bucket)).sums, sums);
    addSums(all, sums);
  }
  for (const row of breakdownRows) {
    const id = row.gset_series === 0 ? (row.g ?? "") : (row.key_id ?? row.model ?? "");
    const spend: SpendRow = {
      id,
      requests: Number(row.requests),
      errors: Number(row.errors),
      costNanoUsd: BigInt(row.cost),
    };
    if (row.gset_series === 0) {
      entryOf(keyOf(row.bucket!)).byGroup.set(id, spend);
      const group = groupTotals.get(id) ?? { id, requests: 0, errors: 0, costNanoUsd: 0n };
      group.requests += spend.requests;
      group.errors += spend.errors;
      group.costNanoUsd += spend.costNanoUsd;
      groupTotals.set(id, group);
    } else if (row.key_id !== null) {
      topKeys.push(spend);
    } else {
      topModels.push(spend);
    }
  }

  // the SQL folded the smaller groups already; "Other" goes last
  const folded = groupTotals.get(OTHER_GROUP);
  groupTotals.delete(OTHER_GROUP);
  const maxGroups = params.maxGroups ?? DEFAULT_MAX_GROUPS;
  const sortedGroups = [...groupTotals.values()].sort(byCostDesc);
  const shown = sortedGroups.slice(0, sortedGroups.length > maxGroups ? maxGroups - 1 : maxGroups);
  const shownIds = new Set(shown.map((group) => group.id));
  const groups = [...shown];
  if (shown.length < sortedGroups.length) {
    const other: SpendRow = { id: OTHER_GROUP, requests: 0, errors: 0, costNanoUsd: 0n };
    for (const group of sortedGroups.slice(shown.length)) {
      other.requests += group.requests;
      other.errors += group.errors;
      other.costNanoUsd += group.costNanoUsd;
    }
    groups.push(other);
  }
  if (folded) groups.push(folded);

  const series: OverviewPoint[] = [...perBucket.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, entry]) => {
      const costByGroup: Record<string, bigint> = {};
      const requestsByGroup: Record<string, number> = {};
      for (const [id, spend] of entry.byGroup) {
        const target = shownIds.has(id) ? id : OTHER_GROUP;
        costByGroup[target] = (costByGroup[target] ?? 0n) + spend.costNanoUsd;
        requestsByGroup[target] = (requestsByGroup[target] ?? 0) + spend.requests;
      }
      return { bucket: key, ...totalsOf(entry.sums), costByGroup, requestsByGroup };
    });

  const top = params.top ?? 10;
  return {
    source,
    bucket,
    groupBy: params.groupBy,
    totals: totalsOf(all),
    groups,
    series,
    topKeys: topKeys.sort(byCostDesc).slice(0, top),
    topModels: topModels.sort(byCostDesc).slice(0, top),
  };
}
