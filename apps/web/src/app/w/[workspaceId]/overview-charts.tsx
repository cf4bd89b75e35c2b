"use client";

import {
  Area,
  AreaChart,
  Bar,
  BarChart,
  CartesianGrid,
  ComposedChart,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from "recharts";
import { bucketLabel, count, ms, OTHER_COLOR, SERIES_COLORS, usdNumber } from "~/lib/usage-format";

/** The overview's charts (recharts renders only in the browser). */

export interface ChartPoint {
  bucket: string;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  latencyP50Ms: number | null;
  latencyP95Ms: number | null;
  costByGroup: Record<string, bigint>;
}

export interface ChartGroup {
  id: string;
  label: string;
}

const OTHER = "__other__";
const axis = { fontSize: 11, fill: "#64748b" };

export function groupColor(groups: ChartGroup[], id: string): string {
  if (id === OTHER) return OTHER_COLOR;
  const index = groups.findIndex((g) => g.id === id);
  return SERIES_COLORS[index % SERIES_COLORS.length] ?? OTHER_COLOR;
}

function ChartCard({
  title,
  description,
  testId,
  children,
}: {
  title: string;
  description?: string;
  testId: string;
  children: React.ReactNode;
}) {
  return (
    <section
      aria-label={title}
      data-testid={testId}
      className="min-w-0 rounded-lg border border-slate-200 bg-white p-4"
    >
      <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
      {description ? <p className="text-xs text-slate-500">{description}</p> : null}
      <div className="mt-3 h-64 w-full">{children}</div>
    </section>
  );
}

const usdTick = (value: number) =>
  value === 0 ? "$0" : value < 0.01 ? `$${value.toPrecision(1)}` : `$${value.toFixed(2)}`;

export function SpendChart({
  points,
  groups,
  bucket,
  timeZone,
}: {
  points: ChartPoint[];
  groups: ChartGroup[];
  bucket: "hour" | "day";
  timeZone: string;
}) {
  const data = points.map((p) => {
    const row: Record<string, string | number> = { label: bucketLabel(p.bucket, bucket, timeZone) };
    for (const g of groups) row[g.id] = usdNumber(p.costByGroup[g.id] ?? 0n);
    return row;
  });
  return (
    <ChartCard
      title="Spend"
      description="Stacked by the grouping above, in USD"
      testId="chart-spend"
    >
      <ResponsiveContainer width="100%" height="100%">
        <BarChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={axis} minTickGap={16} />
          <YAxis tick={axis} tickFormatter={usdTick} width={56} />
          <Tooltip formatter={(value) => `$${Number(value).toFixed(6)}`} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          {groups.map((g) => (
            <Bar
              key={g.id}
              dataKey={g.id}
              name={g.label}
              stackId="spend"
              fill={groupColor(groups, g.id)}
              isAnimationActive={false}
            />
          ))}
        </BarChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}

export function RequestsChart({
  points,
  bucket,
  timeZone,
}: {
  points: ChartPoint[];
  bucket: "hour" | "day";
  timeZone: string;
}) {
  const data = points.map((p) => ({
    label: bucketLabel(p.bucket, bucket, timeZone),
    requests: p.requests,
    errorRate: p.requests > 0 ? Math.round((p.errors / p.requests) * 1000) / 10 : 0,
  }));
  return (
    <ChartCard title="Requests and error rate" testId="chart-requests">
      <ResponsiveContainer width="100%" height="100%">
        <ComposedChart data={data} margin={{ top: 4, right: 0, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={axis} minTickGap={16} />
          <YAxis yAxisId="requests" tick={axis} tickFormatter={count} width={48} />
          <YAxis
            yAxisId="rate"
            orientation="right"
            tick={axis}
            tickFormatter={(v: number) => `${v}%`}
            width={40}
          />
          <Tooltip />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Bar
            yAxisId="requests"
            dataKey="requests"
            name="Requests"
            fill="#6366f1"
            isAnimationActive={false}
          />
          <Line
            yAxisId="rate"
            dataKey="errorRate"
            name="Error rate (%)"
            stroke="#dc2626"
            dot={false}
            strokeWidth={2}
            isAnimationActive={false}
          />
        </ComposedChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}

export function TokensChart({
  points,
  bucket,
  timeZone,
}: {
  points: ChartPoint[];
  bucket: "hour" | "day";
  timeZone: string;
}) {
  const data = points.map((p) => ({
    label: bucketLabel(p.bucket, bucket, timeZone),
    input: p.inputTokens,
    output: p.outputTokens,
  }));
  return (
    <ChartCard title="Tokens in and out" testId="chart-tokens">
      <ResponsiveContainer width="100%" height="100%">
        <AreaChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={axis} minTickGap={16} />
          <YAxis tick={axis} tickFormatter={count} width={48} />
          <Tooltip formatter={(value) => count(Number(value))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Area
            dataKey="input"
            name="Input tokens"
            stroke="#0ea5e9"
            fill="#0ea5e9"
            fillOpacity={0.25}
            isAnimationActive={false}
          />
          <Area
            dataKey="output"
            name="Output tokens"
            stroke="#10b981"
            fill="#10b981"
            fillOpacity={0.25}
            isAnimationActive={false}
          />
        </AreaChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}

export function LatencyChart({
  points,
  bucket,
  timeZone,
}: {
  points: ChartPoint[];
  bucket: "hour" | "day";
  timeZone: string;
}) {
  const data = points.map((p) => ({
    label: bucketLabel(p.bucket, bucket, timeZone),
    p50: p.latencyP50Ms,
    p95: p.latencyP95Ms,
  }));
  return (
    <ChartCard
      title="Latency p50 / p95"
      description="Upper bounds of the histogram buckets that hold each percentile"
      testId="chart-latency"
    >
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" vertical={false} stroke="#e2e8f0" />
          <XAxis dataKey="label" tick={axis} minTickGap={16} />
          <YAxis tick={axis} tickFormatter={(v: number) => ms(v)} width={56} />
          <Tooltip formatter={(value) => ms(value === null ? null : Number(value))} />
          <Legend wrapperStyle={{ fontSize: 12 }} />
          <Line
            dataKey="p50"
            name="p50"
            stroke="#6366f1"
            strokeWidth={2}
            dot={{ r: 2 }}
            connectNulls
            isAnimationActive={false}
          />
          <Line
            dataKey="p95"
            name="p95"
            stroke="#f59e0b"
            strokeWidth={2}
            dot={{ r: 2 }}
            connectNulls
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </ChartCard>
  );
}
