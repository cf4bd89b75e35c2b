"use client";

import { useSuspenseInfiniteQuery } from "@tanstack/react-query";
import { EmptyState, secondaryButtonClass } from "~/components/form-controls";
import { useTRPC } from "~/trpc/react";

export const AUDIT_PAGE_SIZE = 25;

const dateTimeFormat = new Intl.DateTimeFormat("en", {
  dateStyle: "medium",
  timeStyle: "medium",
});

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function asObject(value: unknown): Record<string, Json> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, Json>)
    : null;
}

function show(value: Json | undefined): string {
  if (value === undefined || value === null) return "—";
  if (typeof value === "string") return value;
  return JSON.stringify(value);
}

/** The fields that differ between before and after (all of them for a create or delete). */
function diff(before: unknown, after: unknown) {
  const b = asObject(before);
  const a = asObject(after);
  const fields = [...new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})])];
  return fields
    .map((field) => ({ field, before: b?.[field], after: a?.[field] }))
    .filter((row) => !(b && a) || JSON.stringify(row.before) !== JSON.stringify(row.after));
}

export function AuditView({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const { data, fetchNextPage, hasNextPage, isFetchingNextPage } = useSuspenseInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { workspaceId, limit: AUDIT_PAGE_SIZE },
      { getNextPageParam: (page) => page.nextCursor },
    ),
  );
  const entries = data.pages.flatMap((page) => page.items);

  if (entries.length === 0) {
    return (
      <EmptyState title="No changes recorded yet">
        Adding a credential, a route or a key, or changing members and settings, shows up here.
      </EmptyState>
    );
  }

  return (
    <div className="space-y-4">
      <ol className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
        {entries.map((entry) => {
          const rows = diff(entry.before, entry.after);
          const hasBefore = asObject(entry.before) !== null;
          const hasAfter = asObject(entry.after) !== null;
          return (
            <li key={entry.id} className="space-y-2 p-4" data-testid="audit-entry">
              <div className="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
                <p className="min-w-0 text-sm">
                  <span className="font-medium text-slate-900">
                    {entry.actor ? (entry.actor.name ?? entry.actor.email) : entry.actorType}
                  </span>{" "}
                  <span className="font-mono text-indigo-700">{entry.action}</span>{" "}
                  <span className="break-all text-slate-500">
                    {entry.targetType}
                    {entry.targetId ? ` ${entry.targetId}` : ""}
                  </span>
                </p>
                <time dateTime={entry.createdAt.toISOString()} className="text-xs text-slate-500">
                  {dateTimeFormat.format(entry.createdAt)}
                </time>
              </div>
              {rows.length > 0 ? (
                <div className="overflow-x-auto">
                  <table className="w-full min-w-[20rem] text-left text-xs">
                    <thead className="text-slate-500">
                      <tr>
                        <th scope="col" className="w-40 py-1 pr-3 font-medium">
                          Field
                        </th>
                        {hasBefore ? (
                          <th scope="col" className="py-1 pr-3 font-medium">
                            Before
                          </th>
                        ) : null}
                        {hasAfter ? (
                          <th scope="col" className="py-1 font-medium">
                            After
                          </th>
                        ) : null}
                      </tr>
                    </thead>
                    <tbody className="align-top font-mono text-slate-800">
                      {rows.map((row) => (
                        <tr key={row.field} className="border-t border-slate-100">
                          <th scope="row" className="py-1 pr-3 font-medium text-slate-600">
                            {row.field}
                          </th>
                          {hasBefore ? (
                            <td className="break-all py-1 pr-3 text-red-800">{show(row.before)}</td>
                          ) : null}
                          {hasAfter ? (
                            <td className="break-all py-1 text-emerald-800">{show(row.after)}</td>
                          ) : null}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ) : null}
            </li>
          );
        })}
      </ol>
      {hasNextPage ? (
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={isFetchingNextPage}
          onClick={() => void fetchNextPage()}
        >
          {isFetchingNextPage ? "Loading…" : "Show older changes"}
        </button>
      ) : (
        <p className="text-xs text-slate-500">That is everything.</p>
      )}
    </div>
  );
}
