"use client";

import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { count, OTHER_COLOR, SERIES_COLORS } from "~/lib/usage-format";
import type { UsageRange } from "~/lib/usage-schemas";
import { useTRPC } from "~/trpc/react";
import { ACTION_NAMES, detectorName } from "./detector-names";

/**
 * The overview's guardrail card: findings per day (the workspace's days) stacked by detector,
 * from the guardrail_daily rollup, and the totals per detector and action. Counts only: no
 * value found is ever stored.
 */
export function GuardrailFindingsCard({
  workspaceId,
  range,
}: {
  workspaceId: string;
  range: UsageRange;
}) {
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.guardrails.findings.queryOptions({ workspaceId, range }),
    placeholderData: keepPreviousData,
  });
  const data = query.data;
  return (
    <section
      aria-label="Guardrail findings"
      data-testid="chart-guardrails"
      className="min-w-0 rounded-lg border border-slate-200 bg-white p-4"
    >
      <div className="flex flex-wrap items-baseline justify-between gap-2">
        <h3 className="text-sm font-semibold text-slate-900">Guardrail findings</h3>
        <Link href={`/w/${workspaceId}/guardrails`} className="text-xs text-indigo-700 underline">
          Policy
        </Link>
      </div>
      <p className="text-xs text-slate-500">
        Values found per day by detector (masked, redacted, blocked or logged); never the values.
      </p>
      {query.error && !data ? (
        <p className="mt-3 text-sm text-red-700">Findings could not be loaded.</p>
      ) : !data ? (
        <div className="mt-3 h-64 animate-pulse rounded bg-slate-50" />
      ) : data.findings === 0 ? (
        <p className="mt-3 text-sm text-slate-600" data-testid="guardrails-empty">
          No findings in this range.
        </p>
      ) : (
        <>
          <div className="mt-3 h-64 w-full">
            <FindingsBars days={data.days} detectors={data.detectors} />
          </div>
          <ul
            className="mt-3 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700"
            data-testid="guardrail-totals"
          >
            {data.totals.map((t) => (
              <li key={`${t.detector}:${t.action}`}>
                {detectorName(t.detector)} ·{" "}
                {ACTION_NAMES[t.action as keyof typeof ACTION_NAMES] ?? t.action}:{" "}
                <span className="tabular-nums font-medium">{count(t.findings)}</span> in{" "}
                {count(t.requests)} request{t.requests === 1 ? "" : "s"}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

function FindingsBars({
  days,
  detectors,
}: {
  days: Array<{ day: string; byDetector: Record<string, number> }>;
  detectors: string[];
}) {
  const rows = days.map((d) => ({ label: d.day.slice(5), ...d.byDetector }));
  const axis = { fontSize: 11, fill: "#64748b" };
  return (
    <ResponsiveContainer width="100%" height="100%">
      <BarChart data={rows} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
        <XAxis dataKey="label" tick={axis} minTickGap={16} />
        <YAxis tick={axis} tickFormatter={count} width={40} allowDecimals={false} />
        <Tooltip />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {detectors.map((detector, i) => (
          <Bar
            key={detector}
            dataKey={detector}
            name={detectorName(detector)}
            stackId="findings"
            fill={SERIES_COLORS[i % SERIES_COLORS.length] ?? OTHER_COLOR}
            isAnimationActive={false}
          />
        ))}
      </BarChart>
    </ResponsiveContainer>
  );
}
