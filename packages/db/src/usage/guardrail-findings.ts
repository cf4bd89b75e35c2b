import type { Db } from "../config/compile";
import { datesBetween, localDate } from "./time";

/**
 * The overview's guardrail chart: findings per day (the workspace's calendar days) by detector,
 * from the guardrail_daily rollup the worker keeps (never request_logs). Days without findings
 * are in the series with nothing in them, so the chart's axis is continuous.
 */

export interface GuardrailFindingsParams {
  workspaceId: string;
  /** the workspace's IANA time zone */
  timeZone: string;
  /** [from, to): every local day touched by the range */
  from: Date;
  to: Date;
}

export interface GuardrailFindingsDay {
  /** local date, "2026-11-22" */
  day: string;
  /** detector -> values found that day (every action) */
  byDetector: Record<string, number>;
}

export interface GuardrailDetectorTotal {
  detector: string;
  action: string;
  findings: number;
  /** requests with at least one finding of this detector and action */
  requests: number;
}

export interface GuardrailFindingsResult {
  days: GuardrailFindingsDay[];
  /** detectors with findings in the range, most findings first */
  detectors: string[];
  /** per detector and action over the whole range, most findings first */
  totals: GuardrailDetectorTotal[];
  findings: number;
}

interface Row {
  day: string;
  detector: string;
  action: string;
  findings: bigint;
  requests: bigint;
}

export async function guardrailFindingsByDay(
  db: Db,
  params: GuardrailFindingsParams,
): Promise<GuardrailFindingsResult> {
  const first = localDate(params.from, params.timeZone);
  const last = localDate(new Date(params.to.getTime() - 1), params.timeZone);
  const rows = await db.$queryRaw<Row[]>`
    SELECT to_char(day, 'YYYY-MM-DD') AS day, detector, action,
      sum(findings)::int8 AS findings, sum(requests)::int8 AS requests
    FROM guardrail_daily
    WHERE workspace_id = ${params.workspaceId} AND day >= ${first}::date AND day <= ${last}::date
    GROUP BY 1, 2, 3`;

  const days = new Map<string, Record<string, number>>();
  for (const day of datesBetween(first, last)) days.set(day, {});
  const byDetector = new Map<string, number>();
  const totals = new Map<string, GuardrailDetectorTotal>();
  let findings = 0;
  for (const row of rows) {
    const n = Number(row.findings);
    const perDay = days.get(row.day) ?? {};
    perDay[row.detector] = (perDay[row.detector] ?? 0) + n;
    days.set(row.day, perDay);
    byDetector.set(row.detector, (byDetector.get(row.detector) ?? 0) + n);
    const id = `${row.detector}\u0000${row.action}`;
    const total = totals.get(id) ?? {
      detector: row.detector,
      action: row.action,
      findings: 0,
      requests: 0,
    };
    total.findings += n;
    total.requests += Number(row.requests);
    totals.set(id, total);
    findings += n;
  }
  const mostFirst = <T>(a: [T, number], b: [T, number]) => b[1] - a[1];
  return {
    days: [...days.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([day, counts]) => ({ day, byDetector: counts })),
    detectors: [...byDetector.entries()]
      .sort((a, b) => mostFirst(a, b) || a[0].localeCompare(b[0]))
      .map(([detector]) => detector),
    totals: [...totals.values()].sort(
      (a, b) =>
        b.findings - a.findings ||
        a.detector.localeCompare(b.detector) ||
        a.action.localeCompare(b.action),
    ),
    findings,
  };
}
