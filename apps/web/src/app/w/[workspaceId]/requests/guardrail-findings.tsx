import Link from "next/link";
import type { GuardrailFinding } from "@gatehouse/shared";
import { ACTION_NAMES, detectorName } from "../guardrails/detector-names";

/** What the guardrails found in one request: detector, action and count, never a value. */
export function RequestGuardrailFindings({
  workspaceId,
  findings,
}: {
  workspaceId: string;
  findings: GuardrailFinding[];
}) {
  return (
    <section aria-labelledby="guardrails-heading" className="space-y-2">
      <h3 id="guardrails-heading" className="font-semibold text-slate-900">
        Guardrails
      </h3>
      {findings.length === 0 ? (
        <p className="text-slate-600">
          Nothing found (or{" "}
          <Link href={`/w/${workspaceId}/guardrails`} className="text-indigo-700 underline">
            guardrails
          </Link>{" "}
          were off).
        </p>
      ) : (
        <ul className="space-y-1" data-testid="detail-guardrails">
          {findings.map((f, i) => (
            <li key={i} className="rounded-md border border-slate-200 p-2">
              <span className="font-medium">{detectorName(f.detector)}</span> ·{" "}
              {ACTION_NAMES[f.action]} · {f.count} found in the{" "}
              {f.in === "response" ? "answer" : "request"}
            </li>
          ))}
        </ul>
      )}
      <p className="text-xs text-slate-500">The values found are never stored.</p>
    </section>
  );
}
