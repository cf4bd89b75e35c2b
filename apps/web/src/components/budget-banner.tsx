"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { money } from "~/lib/usage-format";
import { useTRPC } from "~/trpc/react";

function resetLabel(resetsAt: Date | null): string {
  if (resetsAt === null) return "Lifetime budget: it does not reset.";
  return `Resets ${resetsAt.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" })}.`;
}

/**
 * Shown on every workspace page when a budget (the workspace's or a key's) has passed its
 * alert threshold this period, or is used up. Reads budget.status (live Redis state) and
 * refreshes every 30 s; renders nothing while loading, on error, or when all is well.
 */
export function BudgetBanner({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const { data } = useQuery({
    ...trpc.budget.status.queryOptions({ workspaceId }),
    refetchInterval: 30_000,
  });
  if (!data) return null;
  const flagged = data.budgets.filter(
    (b) => b.thresholdReached || b.spentNanoUsd >= b.amountNanoUsd,
  );
  if (flagged.length === 0) return null;
  const exhausted = flagged.some((b) => b.spentNanoUsd >= b.amountNanoUsd);

  return (
    <div
      role="status"
      className={`rounded-lg border p-3 text-sm ${
        exhausted
          ? "border-red-200 bg-red-50 text-red-900"
          : "border-amber-200 bg-amber-50 text-amber-900"
      }`}
    >
      <p className="font-medium">
        {exhausted ? "A budget is used up: requests against it are refused." : "Budget alert"}
      </p>
      <ul className="mt-1 space-y-1">
        {flagged.map((b) => (
          <li key={`${b.scope}:${b.scopeId}`} className="break-words">
            {b.scope === "workspace" ? "Workspace" : `Key “${b.name}”`}: {money(b.spentNanoUsd)} of{" "}
            {money(b.amountNanoUsd)} {b.period} budget spent ({b.percent}%
            {b.alertThresholdPct !== null ? `, alert at ${b.alertThresholdPct}%` : ""}).{" "}
            {resetLabel(b.resetsAt)}
          </li>
        ))}
      </ul>
      <p className="mt-1">
        Raise a budget in{" "}
        <Link
          href={
            flagged.some((b) => b.scope === "workspace")
              ? `/w/${workspaceId}/settings`
              : `/w/${workspaceId}/keys`
          }
          className="font-medium underline underline-offset-2"
        >
          {flagged.some((b) => b.scope === "workspace") ? "Settings" : "Keys"}
        </Link>
        , or wait for the reset.
      </p>
    </div>
  );
}
