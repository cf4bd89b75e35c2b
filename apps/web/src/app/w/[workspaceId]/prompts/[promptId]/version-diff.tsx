"use client";

import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { errorMessage, FormAlert } from "~/components/form-controls";
import type { DiffRow } from "~/lib/prompt-diff";
import { useTRPC } from "~/trpc/react";
import { compactInput } from "../compact-input";

const CELL: Record<DiffRow["kind"], [string, string]> = {
  same: ["", ""],
  changed: ["bg-amber-50", "bg-amber-50"],
  removed: ["bg-red-50 text-red-900", "bg-slate-50"],
  added: ["bg-slate-50", "bg-emerald-50 text-emerald-900"],
};
const MARK: Record<DiffRow["kind"], [string, string]> = {
  same: ["", ""],
  changed: ["~", "~"],
  removed: ["−", ""],
  added: ["", "+"],
};

/** Side-by-side diff of any two versions. */
export function VersionDiff({
  workspaceId,
  promptId,
  versions,
  initial,
}: {
  workspaceId: string;
  promptId: string;
  versions: number[];
  initial: [number, number];
}) {
  const trpc = useTRPC();
  const [[a, b], setPair] = useState(initial);
  const diff = useQuery(trpc.prompt.diff.queryOptions({ workspaceId, promptId, a, b }));
  const changes = diff.data?.rows.filter((r) => r.kind !== "same").length ?? 0;

  return (
    <section aria-labelledby="diff-heading" className="space-y-3">
      <h2 id="diff-heading" className="text-lg font-semibold text-slate-900">
        Compare versions
      </h2>
      <div className="flex flex-wrap items-center gap-2 text-sm text-slate-700">
        <label htmlFor="diff-a">From</label>
        <select
          id="diff-a"
          className={compactInput("w-24")}
          value={a}
          onChange={(e) => setPair([Number(e.target.value), b])}
        >
          {versions.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
        <label htmlFor="diff-b">to</label>
        <select
          id="diff-b"
          className={compactInput("w-24")}
          value={b}
          onChange={(e) => setPair([a, Number(e.target.value)])}
        >
          {versions.map((v) => (
            <option key={v} value={v}>
              v{v}
            </option>
          ))}
        </select>
        {diff.data ? (
          <span className="text-slate-500" data-testid="diff-summary">
            {a === b
              ? "same version"
              : changes === 0
                ? "no differences"
                : `${changes} changed ${changes === 1 ? "line" : "lines"}`}
          </span>
        ) : null}
      </div>
      {diff.error ? <FormAlert>{errorMessage(diff.error)}</FormAlert> : null}
      {diff.isPending ? (
        <div
          role="status"
          aria-label="Loading the diff"
          className="h-32 animate-pulse rounded-lg border border-slate-200 bg-white"
        />
      ) : null}
      {diff.data ? (
        <div
          className="overflow-hidden rounded-lg border border-slate-200 bg-white"
          data-testid="diff-table"
        >
          <div className="grid grid-cols-2 border-b border-slate-200 bg-slate-50 text-xs font-semibold text-slate-700">
            <div className="border-r border-slate-200 px-3 py-2">
              v{diff.data.a.version}
              {diff.data.a.commitMessage ? ` · ${diff.data.a.commitMessage}` : ""}
            </div>
            <div className="px-3 py-2">
              v{diff.data.b.version}
              {diff.data.b.commitMessage ? ` · ${diff.data.b.commitMessage}` : ""}
            </div>
          </div>
          {diff.data.rows.map((row, i) => (
            <div
              key={i}
              className="grid grid-cols-2 font-mono text-xs leading-5"
              data-kind={row.kind}
            >
              <div
                className={`border-r border-slate-200 px-3 break-words whitespace-pre-wrap ${CELL[row.kind][0]}`}
              >
                <span className="sr-only">{MARK[row.kind][0]}</span>
                {row.left ?? "\u00a0"}
              </div>
              <div className={`px-3 break-words whitespace-pre-wrap ${CELL[row.kind][1]}`}>
                <span className="sr-only">{MARK[row.kind][1]}</span>
                {row.right ?? "\u00a0"}
              </div>
            </div>
          ))}
        </div>
      ) : null}
    </section>
  );
}
