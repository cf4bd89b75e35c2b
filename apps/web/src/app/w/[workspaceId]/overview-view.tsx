"use client";

import { keepPreviousData, useQuery, useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import {
  EmptyState,
  FormAlert,
  errorMessage,
  inputClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import { count, localDay, money, ms, percent } from "~/lib/usage-format";
import {
  defaultOverviewInput,
  GROUP_BY,
  RANGE_PRESETS,
  UsageRangeSchema,
  type GroupBy,
  type OverviewInput,
  type UsageRange,
} from "~/lib/usage-schemas";
import { useTRPC } from "~/trpc/react";
import {
  LatencyChart,
  RequestsChart,
  SpendChart,
  TokensChart,
  groupColor,
} from "./overview-charts";
import { GuardrailFindingsCard } from "./guardrails/findings-chart";

const PRESET_LABELS: Record<(typeof RANGE_PRESETS)[number], string> = {
  "24h": "24 h",
  "7d": "7 days",
  "30d": "30 days",
  "90d": "90 days",
};
const GROUP_LABELS: Record<GroupBy, string> = { model: "Model", key: "Key", prompt: "Prompt" };

export function OverviewView({ workspaceId, proxyUrl }: { workspaceId: string; proxyUrl: string }) {
  const trpc = useTRPC();
  const { data: options } = useSuspenseQuery(
    trpc.usage.filterOptions.queryOptions({ workspaceId }),
  );
  const defaults = defaultOverviewInput();
  const [range, setRange] = useState<UsageRange>(defaults.range);
  const [groupBy, setGroupBy] = useState<GroupBy>(defaults.groupBy);
  const [keyId, setKeyId] = useState("");
  const [model, setModel] = useState("");
  // "p:<promptId>" = every version of a prompt, "v:<versionId>" = one version
  const [prompt, setPrompt] = useState("");

  if (!options.hasTraffic) return <FirstCall workspaceId={workspaceId} proxyUrl={proxyUrl} />;

  const input = {
    ...defaults,
    range,
    groupBy,
    keyIds: keyId ? [keyId] : [],
    models: model ? [model] : [],
    promptIds: prompt.startsWith("p:") ? [prompt.slice(2)] : [],
    promptVersionIds: prompt.startsWith("v:") ? [prompt.slice(2)] : [],
  };

  return (
    <div className="space-y-6">
      <div className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">
        <RangePicker range={range} onChange={setRange} />
        <div className="grid gap-3 sm:grid-cols-2 lg:grid-cols-4">
          <div className="min-w-0 space-y-1.5">
            <label htmlFor="filter-key" className="block text-sm font-medium text-slate-800">
              Key
            </label>
            <select
              id="filter-key"
              className={inputClass}
              value={keyId}
              onChange={(e) => setKeyId(e.target.value)}
            >
              <option value="">All keys</option>
              {options.keys.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.name}
                  {k.status === "revoked" ? " (revoked)" : ""}
                </option>
              ))}
            </select>
          </div>
          <div className="min-w-0 space-y-1.5">
            <label htmlFor="filter-model" className="block text-sm font-medium text-slate-800">
              Model
            </label>
            <select
              id="filter-model"
              className={inputClass}
              value={model}
              onChange={(e) => setModel(e.target.value)}
            >
              <option value="">All models</option>
              {options.models.map((m) => (
                <option key={m} value={m}>
                  {m}
                </option>
              ))}
            </select>
          </div>
          <div className="min-w-0 space-y-1.5">
            <label htmlFor="filter-prompt" className="block text-sm font-medium text-slate-800">
              Prompt
            </label>
            <select
              id="filter-prompt"
              className={inputClass}
              value={prompt}
              onChange={(e) => setPrompt(e.target.value)}
            >
              <option value="">All requests</option>
              <option value="v:">Without a prompt</option>
              {options.prompts.map((p) => (
                <optgroup key={p.id} label={p.slug}>
                  <option value={`p:${p.id}`}>{p.slug} (all versions)</option>
                  {p.versions.map((v) => (
                    <option key={v.id} value={`v:${v.id}`}>
                      {p.slug} v{v.version}
                    </option>
                  ))}
                </optgroup>
              ))}
            </select>
          </div>
          <div className="min-w-0 space-y-1.5">
            <span id="group-by-label" className="block text-sm font-medium text-slate-800">
              Stack spend by
            </span>
            <div
              role="group"
              aria-labelledby="group-by-label"
              className="inline-flex overflow-hidden rounded-md border border-slate-300"
            >
              {GROUP_BY.map((g) => (
                <button
                  key={g}
                  type="button"
                  aria-pressed={groupBy === g}
                  onClick={() => setGroupBy(g)}
                  className={`px-3 py-2 text-sm font-medium focus:outline-none focus-visible:ring-2 focus-visible:ring-inset focus-visible:ring-indigo-600/50 ${
                    groupBy === g
                      ? "bg-indigo-600 text-white"
                      : "bg-white text-slate-700 hover:bg-slate-50"
                  }`}
                >
                  {GROUP_LABELS[g]}
                </button>
              ))}
            </div>
          </div>
        </div>
      </div>

      <OverviewData workspaceId={workspaceId} input={input} />
      <Budgets workspaceId={workspaceId} />
    </div>
  );
}

function RangePicker({
  range,
  onChange,
}: {
  range: UsageRange;
  onChange: (r: UsageRange) => void;
}) {
  const [custom, setCustom] = useState(range.kind === "custom");
  const today = new Date().toISOString().slice(0, 10);
  const [fromDay, setFromDay] = useState(
    new Date(Date.now() - 13 * 86_400_000).toISOString().slice(0, 10),
  );
  const [toDay, setToDay] = useState(today);
  const [error, setError] = useState<string | null>(null);

  const apply = (event: React.FormEvent) => {
    event.preventDefault();
    const parsed = UsageRangeSchema.safeParse({ kind: "custom", fromDay, toDay });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? "Check the dates.");
      return;
    }
    setError(null);
    onChange(parsed.data);
  };

  return (
    <div className="space-y-3">
      <div role="group" aria-label="Time range" className="flex flex-wrap gap-2">
        {RANGE_PRESETS.map((preset) => {
          const active = !custom && range.kind === "preset" && range.preset === preset;
          return (
            <button
              key={preset}
              type="button"
              aria-pressed={active}
              onClick={() => {
                setCustom(false);
                onChange({ kind: "preset", preset });
              }}
              className={`rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-inset focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-600/50 ${
                active
                  ? "bg-indigo-600 text-white ring-indigo-600"
                  : "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50"
              }`}
            >
              {PRESET_LABELS[preset]}
            </button>
          );
        })}
        <button
          type="button"
          aria-pressed={custom}
          onClick={() => setCustom(true)}
          className={`rounded-md px-3 py-1.5 text-sm font-medium ring-1 ring-inset focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-600/50 ${
            custom
              ? "bg-indigo-600 text-white ring-indigo-600"
              : "bg-white text-slate-700 ring-slate-300 hover:bg-slate-50"
          }`}
        >
          Custom
        </button>
      </div>
      {custom ? (
        <form onSubmit={apply} className="flex flex-wrap items-end gap-3" noValidate>
          <div className="space-y-1.5">
            <label htmlFor="range-from" className="block text-sm font-medium text-slate-800">
              From
            </label>
            <input
              id="range-from"
              type="date"
              className={inputClass}
              value={fromDay}
              max={today}
              onChange={(e) => setFromDay(e.target.value)}
            />
          </div>
          <div className="space-y-1.5">
            <label htmlFor="range-to" className="block text-sm font-medium text-slate-800">
              To (inclusive)
            </label>
            <input
              id="range-to"
              type="date"
              className={inputClass}
              value={toDay}
              onChange={(e) => setToDay(e.target.value)}
            />
          </div>
          <button type="submit" className={secondaryButtonClass}>
            Apply
          </button>
          {error ? (
            <p role="alert" className="w-full text-xs font-medium text-red-700">
              {error}
            </p>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}

function OverviewData({ workspaceId, input }: { workspaceId: string; input: OverviewInput }) {
  const trpc = useTRPC();
  const query = useQuery({
    ...trpc.usage.overview.queryOptions({ workspaceId, ...input }),
    placeholderData: keepPreviousData,
  });
  if (query.error && !query.data) {
    return (
      <div className="space-y-3">
        <FormAlert>Usage could not be loaded: {errorMessage(query.error)}</FormAlert>
        <button type="button" className={secondaryButtonClass} onClick={() => query.refetch()}>
          Try again
        </button>
      </div>
    );
  }
  if (!query.data) return <OverviewSkeleton />;
  const data = query.data;
  const { totals } = data;
  const csvUrl = `/api/w/${workspaceId}/usage.csv?${new URLSearchParams({
    from: localDay(data.from, data.timeZone),
    to: localDay(new Date(data.to.getTime() - 1), data.timeZone),
  }).toString()}`;

  return (
    <div className="space-y-6" aria-busy={query.isFetching}>
      <dl className="grid grid-cols-2 gap-3 lg:grid-cols-6" data-testid="overview-totals">
        <Stat label="Spend" value={money(totals.costNanoUsd)} testId="total-spend" />
        <Stat label="Requests" value={count(totals.requests)} testId="total-requests" />
        <Stat
          label="Error rate"
          value={percent(totals.errors, totals.requests)}
          hint={`${count(totals.errors)} errors`}
          testId="total-error-rate"
        />
        <Stat label="Tokens in" value={count(totals.inputTokens)} testId="total-input-tokens" />
        <Stat label="Tokens out" value={count(totals.outputTokens)} testId="total-output-tokens" />
        <Stat
          label="Latency p50 / p95"
          value={`${ms(totals.latencyP50Ms)} / ${ms(totals.latencyP95Ms)}`}
          testId="total-latency"
        />
      </dl>

      <div className="flex flex-wrap items-center justify-between gap-2 text-xs text-slate-500">
        <p>
          {data.bucket === "hour" ? "Hourly" : "Daily"} points in {data.timeZone}, from the{" "}
          {data.source} rollups.
        </p>
        <a href={csvUrl} className="font-medium text-indigo-700 underline" download>
          Download CSV (daily rows for this range)
        </a>
      </div>

      {totals.requests === 0 ? (
        <EmptyState title="No requests in this range">
          Pick a longer range or clear the filters.
        </EmptyState>
      ) : (
        <div className="grid gap-4 lg:grid-cols-2">
          <div className="lg:col-span-2">
            <SpendChart
              points={data.series}
              groups={data.groups}
              bucket={data.bucket}
              timeZone={data.timeZone}
            />
          </div>
          <RequestsChart points={data.series} bucket={data.bucket} timeZone={data.timeZone} />
          <TokensChart points={data.series} bucket={data.bucket} timeZone={data.timeZone} />
          <LatencyChart points={data.series} bucket={data.bucket} timeZone={data.timeZone} />
          <GuardrailFindingsCard workspaceId={workspaceId} range={input.range} />
          <TopList
            title="Spend by group"
            rows={data.groups.map((g) => ({ ...g, color: groupColor(data.groups, g.id) }))}
            total={totals.costNanoUsd}
            testId="group-list"
          />
          <TopList
            title="Top keys by spend"
            rows={data.topKeys}
            total={totals.costNanoUsd}
            testId="top-keys"
          />
          <TopList
            title="Top models by spend"
            rows={data.topModels.map((m) => ({ ...m, label: m.id }))}
            total={totals.costNanoUsd}
            testId="top-models"
          />
        </div>
      )}
    </div>
  );
}

function Stat({
  label,
  value,
  hint,
  testId,
}: {
  label: string;
  value: string;
  hint?: string;
  testId: string;
}) {
  return (
    <div className="min-w-0 rounded-lg border border-slate-200 bg-white p-3">
      <dt className="text-xs font-medium text-slate-500">{label}</dt>
      <dd className="mt-1 break-words text-lg font-semibold text-slate-900" data-testid={testId}>
        {value}
      </dd>
      {hint ? <dd className="text-xs text-slate-500">{hint}</dd> : null}
    </div>
  );
}

function TopList({
  title,
  rows,
  total,
  testId,
}: {
  title: string;
  rows: Array<{ id: string; label: string; requests: number; costNanoUsd: bigint; color?: string }>;
  total: bigint;
  testId: string;
}) {
  return (
    <section
      aria-label={title}
      data-testid={testId}
      className="min-w-0 rounded-lg border border-slate-200 bg-white p-4"
    >
      <h3 className="text-sm font-semibold text-slate-900">{title}</h3>
      <ul className="mt-3 space-y-2">
        {rows.map((row) => {
          const share = total > 0n ? Number((row.costNanoUsd * 1000n) / total) / 10 : 0;
          return (
            <li key={row.id} className="text-sm">
              <div className="flex items-baseline justify-between gap-3">
                <span className="flex min-w-0 items-center gap-2">
                  {row.color ? (
                    <span
                      aria-hidden
                      className="inline-block h-2.5 w-2.5 shrink-0 rounded-sm"
                      style={{ backgroundColor: row.color }}
                    />
                  ) : null}
                  <span className="truncate text-slate-800">{row.label}</span>
                </span>
                <span className="shrink-0 tabular-nums text-slate-900">
                  {money(row.costNanoUsd)}
                  <span className="ml-2 text-xs text-slate-500">{count(row.requests)} req</span>
                </span>
              </div>
              <div className="mt-1 h-1.5 rounded-full bg-slate-100" aria-hidden>
                <div
                  className="h-1.5 rounded-full bg-indigo-500"
                  style={{ width: `${Math.min(share, 100)}%` }}
                />
              </div>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

const PERIOD_LABELS = {
  daily: "today",
  weekly: "this week",
  monthly: "this month",
  lifetime: "in total",
};

function Budgets({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.usage.budgets.queryOptions({ workspaceId }));
  const rows = [
    ...(data.workspace ? [{ id: "workspace", name: "Whole workspace", ...data.workspace }] : []),
    ...data.keys.map((k) => ({ ...k, id: k.keyId })),
  ];
  return (
    <section aria-labelledby="budgets-heading" className="space-y-3" data-testid="budgets">
      <h2 id="budgets-heading" className="text-lg font-semibold text-slate-900">
        Budgets
      </h2>
      {rows.length === 0 ? (
        <EmptyState title="No budgets set">
          Give the workspace a budget in{" "}
          <Link
            href={`/w/${workspaceId}/settings`}
            className="font-medium text-indigo-700 underline"
          >
            Settings
          </Link>{" "}
          or a key a budget in{" "}
          <Link href={`/w/${workspaceId}/keys`} className="font-medium text-indigo-700 underline">
            Keys
          </Link>
          ; the proxy refuses requests that would exceed a hard budget.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {rows.map((row) => {
            const pct = Math.min(row.percent, 100);
            const tone =
              row.percent >= 100
                ? "bg-red-500"
                : row.percent >= 80
                  ? "bg-amber-500"
                  : "bg-emerald-500";
            return (
              <li key={row.id} className="space-y-1.5 p-4">
                <div className="flex flex-wrap items-baseline justify-between gap-x-3 gap-y-1 text-sm">
                  <span className="font-medium text-slate-900">{row.name}</span>
                  <span className="tabular-nums text-slate-700">
                    {money(row.spentNanoUsd)} of {money(row.budgetNanoUsd)}{" "}
                    {PERIOD_LABELS[row.period]} · {row.percent}%
                  </span>
                </div>
                <div
                  role="progressbar"
                  aria-label={`${row.name} budget used`}
                  aria-valuemin={0}
                  aria-valuemax={100}
                  aria-valuenow={Math.round(pct)}
                  className="h-2 rounded-full bg-slate-100"
                >
                  <div className={`h-2 rounded-full ${tone}`} style={{ width: `${pct}%` }} />
                </div>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function FirstCall({ workspaceId, proxyUrl }: { workspaceId: string; proxyUrl: string }) {
  const snippet = `curl ${proxyUrl}/v1/chat/completions \\
  -H "Authorization: Bearer gh_your_virtual_key" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello!"}]}'`;
  return (
    <div
      className="space-y-4 rounded-lg border border-dashed border-slate-300 bg-white p-6"
      data-testid="overview-empty"
    >
      <div>
        <h2 className="text-lg font-semibold text-slate-900">No requests yet</h2>
        <p className="mt-1 text-sm text-slate-600">
          Spend, traffic and latency appear here seconds after your first call through the gateway.
          Three steps to get there:
        </p>
      </div>
      <ol className="list-decimal space-y-2 pl-5 text-sm text-slate-700">
        <li>
          <Link
            href={`/w/${workspaceId}/credentials`}
            className="font-medium text-indigo-700 underline"
          >
            Add a provider credential
          </Link>{" "}
          (an OpenAI or Anthropic API key); it creates routes for the provider&apos;s models.
        </li>
        <li>
          <Link href={`/w/${workspaceId}/keys`} className="font-medium text-indigo-700 underline">
            Create a virtual key
          </Link>{" "}
          for your application.
        </li>
        <li>Point your SDK at the gateway and send a request:</li>
      </ol>
      <pre className="overflow-x-auto rounded-md bg-slate-900 p-3 text-xs text-slate-100">
        <code>{snippet}</code>
      </pre>
    </div>
  );
}

export function OverviewSkeleton() {
  return (
    <div role="status" aria-label="Loading usage" className="space-y-4">
      <div className="grid grid-cols-2 gap-3 lg:grid-cols-6">
        {[0, 1, 2, 3, 4, 5].map((i) => (
          <div key={i} className="h-16 animate-pulse rounded-lg border border-slate-200 bg-white" />
        ))}
      </div>
      <div className="h-72 animate-pulse rounded-lg border border-slate-200 bg-white" />
    </div>
  );
}
