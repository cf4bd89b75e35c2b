"use client";

import type { UpstreamAttempt } from "@gatehouse/shared";
import { count, money, ms } from "~/lib/usage-format";

type Attempt = UpstreamAttempt & { credentialName: string | null };

const KIND_LABELS: Record<UpstreamAttempt["kind"], string> = {
  first: "first",
  retry: "retry",
  fallback: "fallback",
};

/**
 * Every upstream call a request made, in order: why it was made (first try, a retry of the same
 * deployment, a fallback to the next), where it went, what came back, and what a failed
 * attempt was billed (a stream cut after its first tokens). The request's totals include those.
 */
export function RequestAttempts({ attempts }: { attempts: Attempt[] }) {
  return (
    <section aria-labelledby="attempts-heading" className="space-y-2">
      <h3 id="attempts-heading" className="font-semibold text-slate-900">
        Upstream attempts
      </h3>
      {attempts.length === 0 ? (
        <p className="text-slate-600">One attempt, answered by the first deployment.</p>
      ) : (
        <ol className="space-y-1.5" data-testid="attempts">
          {attempts.map((a, i) => {
            const ok = a.status !== null && a.status < 400 && a.errorType === null;
            const billed =
              a.inputTokens !== undefined || a.outputTokens !== undefined
                ? `billed ${count(a.inputTokens ?? 0)} in · ${count(a.outputTokens ?? 0)} out` +
                  (a.costNanoUsd !== undefined ? ` (${money(a.costNanoUsd)})` : "")
                : null;
            return (
              <li
                key={i}
                className="flex flex-wrap items-baseline gap-x-2 gap-y-0.5 rounded-md border border-slate-200 p-2"
                data-testid="attempt"
              >
                <span className="font-medium">#{i + 1}</span>
                <span
                  className={`rounded px-1.5 text-xs font-medium ${
                    a.kind === "first"
                      ? "bg-slate-100 text-slate-700"
                      : a.kind === "retry"
                        ? "bg-amber-50 text-amber-800"
                        : "bg-indigo-50 text-indigo-800"
                  }`}
                >
                  {KIND_LABELS[a.kind]}
                </span>
                <span>
                  {a.provider} · <span className="font-mono">{a.upstreamModel}</span>
                  {a.credentialName ? ` via ${a.credentialName}` : ""}
                </span>
                <span className={ok ? "text-emerald-700" : "text-red-700"}>
                  {a.status ?? "no response"}
                  {a.errorType ? ` ${a.errorType}` : ""}
                </span>
                <span className="text-slate-600">{ms(Math.round(a.latencyMs))}</span>
                {billed ? <span className="text-slate-600">{billed}</span> : null}
                <span className="w-full text-xs text-slate-400">deployment {a.deploymentId}</span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
