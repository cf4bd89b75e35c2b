"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import { useTRPC } from "~/trpc/react";

const number = new Intl.NumberFormat("en");

/** Requests, tokens and cost per version over the last 30 days (daily rollups). */
export function VersionUsage({ workspaceId, promptId }: { workspaceId: string; promptId: string }) {
  const trpc = useTRPC();
  const { data: usage } = useSuspenseQuery(
    trpc.prompt.usage.queryOptions({ workspaceId, promptId }),
  );
  const used = usage.filter((u) => u.requests > 0);
  return (
    <section aria-labelledby="usage-heading" className="space-y-3">
      <h2 id="usage-heading" className="text-lg font-semibold text-slate-900">
        Usage by version (30 days)
      </h2>
      {used.length === 0 ? (
        <p className="rounded-lg border border-dashed border-slate-300 bg-white p-4 text-sm text-slate-600">
          No calls yet. Usage appears here once applications (or the playground) call this prompt
          and the worker has recorded them.
        </p>
      ) : (
        <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
          <table className="w-full text-left text-sm">
            <thead className="bg-slate-50 text-xs text-slate-600">
              <tr>
                <th scope="col" className="px-3 py-2 font-semibold">
                  Version
                </th>
                <th scope="col" className="px-3 py-2 text-right font-semibold">
                  Requests
                </th>
                <th scope="col" className="px-3 py-2 text-right font-semibold">
                  Errors
                </th>
                <th scope="col" className="px-3 py-2 text-right font-semibold">
                  Tokens in / out
                </th>
                <th scope="col" className="px-3 py-2 text-right font-semibold">
                  Cost
                </th>
                <th scope="col" className="px-3 py-2 text-right font-semibold">
                  Avg latency
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-slate-100">
              {used.map((u) => (
                <tr key={u.versionId}>
                  <td className="px-3 py-2 font-medium text-slate-900">v{u.version}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{number.format(u.requests)}</td>
                  <td className="px-3 py-2 text-right tabular-nums">{number.format(u.errors)}</td>
                  <td className="px-3 py-2 text-right tabular-nums">
                    {number.format(u.inputTokens)} / {number.format(u.outputTokens)}
                  </td>
                  <td className="px-3 py-2 text-right tabular-nums">{u.costUsd}</td>
                  <td className="px-3 py-2 text-right tabular-nums">
                    {u.avgLatencyMs === null ? "—" : `${Math.round(u.avgLatencyMs)} ms`}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
