"use client";

import { useInfiniteQuery, useQuery, useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import {
  EmptyState,
  FormAlert,
  ListSkeleton,
  errorMessage,
  fieldErrors,
  inputClass,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import { Modal } from "~/components/modal";
import { count, dateTime, money, ms, tokenSummary } from "~/lib/usage-format";
import { RequestLogFiltersSchema, type RequestLogFiltersInput } from "~/lib/usage-schemas";
import { useTRPC } from "~/trpc/react";
import { RequestAttempts } from "./request-attempts";
import { RequestGuardrailFindings } from "./guardrail-findings";

const EMPTY_FORM = {
  keyId: "",
  model: "",
  status: "all",
  from: "",
  to: "",
  minCostUsd: "",
  minLatencyMs: "",
};
type FormState = typeof EMPTY_FORM;

/** The form's strings → the procedure's filters (validated by the same schema as the server). */
function toFilters(form: FormState) {
  const raw: RequestLogFiltersInput = {
    keyIds: form.keyId ? [form.keyId] : [],
    models: form.model ? [form.model] : [],
    status: form.status,
    ...(form.from ? { from: new Date(form.from) } : {}),
    ...(form.to ? { to: new Date(form.to) } : {}),
    ...(form.minCostUsd.trim() ? { minCostUsd: form.minCostUsd.trim() } : {}),
    ...(form.minLatencyMs.trim() ? { minLatencyMs: Number(form.minLatencyMs) } : {}),
  };
  return RequestLogFiltersSchema.safeParse(raw);
}

export function RequestsView({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const { data: options } = useSuspenseQuery(
    trpc.usage.filterOptions.queryOptions({ workspaceId }),
  );
  const [form, setForm] = useState<FormState>(EMPTY_FORM);
  const [filters, setFilters] = useState<RequestLogFiltersInput>({
    keyIds: [],
    models: [],
    status: "all",
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [selected, setSelected] = useState<string | null>(null);
  const timeZone = options.timeZone;

  const list = useInfiniteQuery(
    trpc.requests.list.infiniteQueryOptions(
      { workspaceId, filters, limit: 50 },
      { getNextPageParam: (page) => page.nextCursor ?? undefined },
    ),
  );

  const set = (field: keyof FormState) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));

  const apply = (event: React.FormEvent) => {
    event.preventDefault();
    const parsed = toFilters(form);
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    setFilters({ ...parsed.data, from: parsed.data.from, to: parsed.data.to });
  };

  const items = list.data?.pages.flatMap((page) => page.items) ?? [];

  return (
    <div className="space-y-4">
      <form
        onSubmit={apply}
        noValidate
        aria-label="Filter requests"
        className="grid gap-3 rounded-lg border border-slate-200 bg-white p-4 sm:grid-cols-2 lg:grid-cols-4"
      >
        <FilterField id="rq-key" label="Key">
          <select id="rq-key" className={inputClass} value={form.keyId} onChange={set("keyId")}>
            <option value="">All keys</option>
            {options.keys.map((k) => (
              <option key={k.id} value={k.id}>
                {k.name}
              </option>
            ))}
          </select>
        </FilterField>
        <FilterField id="rq-model" label="Model">
          <select id="rq-model" className={inputClass} value={form.model} onChange={set("model")}>
            <option value="">All models</option>
            {options.models.map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </FilterField>
        <FilterField id="rq-status" label="Status" error={errors.status}>
          <input
            id="rq-status"
            list="rq-status-options"
            className={inputClass}
            value={form.status}
            onChange={set("status")}
            placeholder="all, success, error or 429"
          />
          <datalist id="rq-status-options">
            <option value="all" />
            <option value="success" />
            <option value="error" />
            <option value="429" />
            <option value="500" />
            <option value="502" />
          </datalist>
        </FilterField>
        <FilterField id="rq-min-cost" label="Min cost (USD)" error={errors.minCostUsd}>
          <input
            id="rq-min-cost"
            inputMode="decimal"
            className={inputClass}
            value={form.minCostUsd}
            onChange={set("minCostUsd")}
            placeholder="0.01"
          />
        </FilterField>
        <FilterField id="rq-from" label="From" error={errors.from}>
          <input
            id="rq-from"
            type="datetime-local"
            className={inputClass}
            value={form.from}
            onChange={set("from")}
          />
        </FilterField>
        <FilterField id="rq-to" label="To" error={errors.to}>
          <input
            id="rq-to"
            type="datetime-local"
            className={inputClass}
            value={form.to}
            onChange={set("to")}
          />
        </FilterField>
        <FilterField id="rq-min-latency" label="Min latency (ms)" error={errors.minLatencyMs}>
          <input
            id="rq-min-latency"
            inputMode="numeric"
            className={inputClass}
            value={form.minLatencyMs}
            onChange={set("minLatencyMs")}
            placeholder="1000"
          />
        </FilterField>
        <div className="flex items-end gap-2">
          <button type="submit" className={primaryButtonClass}>
            Apply filters
          </button>
          <button
            type="button"
            className={secondaryButtonClass}
            onClick={() => {
              setForm(EMPTY_FORM);
              setErrors({});
              setFilters({ keyIds: [], models: [], status: "all" });
            }}
          >
            Reset
          </button>
        </div>
      </form>

      {list.error ? (
        <FormAlert>Requests could not be loaded: {errorMessage(list.error)}</FormAlert>
      ) : list.isPending ? (
        <ListSkeleton label="Loading requests" />
      ) : items.length === 0 ? (
        options.hasTraffic ? (
          <EmptyState title="No requests match">Loosen the filters or reset them.</EmptyState>
        ) : (
          <EmptyState title="No requests yet">
            Calls through the gateway show up here within seconds. The{" "}
            <Link href={`/w/${workspaceId}`} className="font-medium text-indigo-700 underline">
              Overview
            </Link>{" "}
            shows how to make the first one.
          </EmptyState>
        )
      ) : (
        <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table
            className="min-w-full divide-y divide-slate-200 text-sm"
            data-testid="request-table"
          >
            <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
              <tr>
                <th scope="col" className="px-3 py-2">
                  Time
                </th>
                <th scope="col" className="px-3 py-2">
                  Status
                </th>
                <th scope="col" className="px-3 py-2">
                  Key
                </th>
                <th scope="col" className="px-3 py-2">
                  Model
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Tokens in / out
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Cost
                </th>
                <th scope="col" className="px-3 py-2 text-right">
                  Latency
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {items.map((item) => (
                <tr key={item.id} className="hover:bg-slate-50" data-testid="request-row">
                  <td className="whitespace-nowrap px-3 py-2">
                    <button
                      type="button"
                      onClick={() => setSelected(item.id)}
                      className="font-medium text-indigo-700 underline-offset-2 hover:underline focus:outline-none focus-visible:ring-2 focus-visible:ring-indigo-600/50"
                      aria-label={`Details of request ${item.id}`}
                    >
                      {dateTime(item.ts, timeZone)}
                    </button>
                  </td>
                  <td className="whitespace-nowrap px-3 py-2">
                    <StatusBadge status={item.status} errorType={item.errorType} />
                  </td>
                  <td className="max-w-40 truncate px-3 py-2 text-slate-700">
                    {item.keyName ?? `deleted key ${item.keyId.slice(-6)}`}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 text-slate-700">
                    {item.model}
                    {item.streamed ? (
                      <span className="ml-1 rounded bg-slate-100 px-1 text-xs text-slate-500">
                        stream
                      </span>
                    ) : null}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums text-slate-700">
                    {count(item.inputTokens)} / {count(item.outputTokens)}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums text-slate-900">
                    {money(item.costNanoUsd)}
                  </td>
                  <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums text-slate-700">
                    {ms(item.latencyMs)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      {list.hasNextPage ? (
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={list.isFetchingNextPage}
          onClick={() => list.fetchNextPage()}
        >
          {list.isFetchingNextPage ? "Loading…" : "Load more"}
        </button>
      ) : items.length > 0 ? (
        <p className="text-xs text-slate-500">That is every matching request.</p>
      ) : null}

      {selected ? (
        <RequestDetail
          workspaceId={workspaceId}
          requestId={selected}
          timeZone={timeZone}
          onClose={() => setSelected(null)}
        />
      ) : null}
    </div>
  );
}

function FilterField({
  id,
  label,
  error,
  children,
}: {
  id: string;
  label: string;
  error?: string | undefined;
  children: React.ReactNode;
}) {
  return (
    <div className="min-w-0 space-y-1.5">
      <label htmlFor={id} className="block text-sm font-medium text-slate-800">
        {label}
      </label>
      {children}
      {error ? <p className="text-xs font-medium text-red-700">{error}</p> : null}
    </div>
  );
}

function StatusBadge({ status, errorType }: { status: number; errorType: string | null }) {
  const ok = status < 400;
  return (
    <span
      className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${
        ok
          ? "bg-emerald-50 text-emerald-700 ring-emerald-600/20"
          : "bg-red-50 text-red-700 ring-red-600/20"
      }`}
      title={errorType ?? undefined}
    >
      {status}
      {errorType ? ` ${errorType}` : ""}
    </span>
  );
}

function RequestDetail({
  workspaceId,
  requestId,
  timeZone,
  onClose,
}: {
  workspaceId: string;
  requestId: string;
  timeZone: string;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const { data, error, isPending } = useQuery(
    trpc.requests.byId.queryOptions({ workspaceId, requestId }),
  );
  return (
    <Modal title="Request details" onClose={onClose} labelledBy="request-detail-title">
      <div className="max-h-[70vh] space-y-4 overflow-y-auto text-sm" data-testid="request-detail">
        {error ? (
          <FormAlert>{errorMessage(error)}</FormAlert>
        ) : isPending || !data ? (
          <p role="status">Loading…</p>
        ) : (
          <>
            <dl className="grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1.5">
              <Row
                label="Request id"
                value={<code className="break-all text-xs">{data.id}</code>}
              />
              <Row label="Time" value={dateTime(data.ts, timeZone)} />
              <Row
                label="Status"
                value={<StatusBadge status={data.status} errorType={data.errorType} />}
              />
              <Row
                label="Key"
                value={data.key ? `${data.key.name} (${data.key.prefix}…)` : "deleted key"}
              />
              <Row label="Model" value={data.model} />
              <Row
                label="Provider"
                value={
                  data.provider
                    ? `${data.provider} · ${data.upstreamModel ?? "?"}`
                    : "none (no upstream answered)"
                }
              />
              {data.promptVersion ? (
                <Row
                  label="Prompt"
                  value={`${data.promptVersion.prompt.slug} v${data.promptVersion.version}`}
                />
              ) : null}
              <Row
                label="Tokens"
                value={<span data-testid="detail-tokens">{tokenSummary(data)}</span>}
              />
              <Row
                label="Cost"
                value={<span data-testid="detail-cost">{money(data.costNanoUsd)}</span>}
              />
              <Row
                label="Latency"
                value={`${ms(data.latencyMs)} total${data.ttfbMs !== null ? ` · first byte after ${ms(data.ttfbMs)}` : ""}${data.streamed ? " · streamed" : ""}${data.clientAborted ? " · client went away" : ""}`}
              />
            </dl>

            <LatencyBar total={data.latencyMs} ttfb={data.ttfbMs} />

            <RequestAttempts attempts={data.attempts} />

            <RequestGuardrailFindings workspaceId={workspaceId} findings={data.guardrailFindings} />

            <section aria-labelledby="payload-heading" className="space-y-2">
              <h3 id="payload-heading" className="font-semibold text-slate-900">
                Request and response
              </h3>
              {data.payload ? (
                <>
                  <Payload label="Request body" body={data.payload.request} />
                  <Payload label="Response body" body={data.payload.response} />
                </>
              ) : (
                <p className="text-slate-600" data-testid="payload-off">
                  {data.payloadLogging
                    ? "No bodies were logged for this request."
                    : "Payload logging is off for this workspace, so bodies are not stored."}{" "}
                  <Link
                    href={`/w/${workspaceId}/settings`}
                    className="font-medium text-indigo-700 underline"
                  >
                    Payload logging settings
                  </Link>
                </p>
              )}
            </section>
          </>
        )}
        <div className="flex justify-end">
          <button type="button" className={secondaryButtonClass} onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </Modal>
  );
}

function Row({ label, value }: { label: string; value: React.ReactNode }) {
  return (
    <>
      <dt className="text-slate-500">{label}</dt>
      <dd className="min-w-0 text-slate-900">{value}</dd>
    </>
  );
}

function LatencyBar({ total, ttfb }: { total: number; ttfb: number | null }) {
  if (total <= 0) return null;
  const first = ttfb === null ? 0 : Math.min(100, (ttfb / total) * 100);
  return (
    <div aria-hidden className="space-y-1">
      <div className="flex h-2 overflow-hidden rounded-full bg-slate-100">
        <div className="bg-indigo-500" style={{ width: `${first}%` }} />
        <div className="bg-sky-300" style={{ width: `${100 - first}%` }} />
      </div>
      <p className="text-xs text-slate-500">
        <span className="text-indigo-600">■</span> waiting for the first byte ·{" "}
        <span className="text-sky-500">■</span>{" "}
        {ttfb === null ? "whole request" : "streaming the rest"}
      </p>
    </div>
  );
}

function Payload({ label, body }: { label: string; body: string | null }) {
  let text = body ?? "(none)";
  try {
    if (body) text = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // not JSON (an SSE transcript, say): shown as stored
  }
  return (
    <details className="rounded-md border border-slate-200" open>
      <summary className="cursor-pointer px-2 py-1 text-xs font-medium text-slate-700">
        {label}
      </summary>
      <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-all bg-slate-50 p-2 text-xs text-slate-800">
        {text}
      </pre>
    </details>
  );
}
