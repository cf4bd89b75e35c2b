"use client";

import type { Detector, GuardrailPolicy } from "@gatehouse/shared";
import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import {
  errorMessage,
  FormAlert,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import type { InvalidOverrideEntry } from "~/server/guardrails/stored-override";
import { useTRPC } from "~/trpc/react";
import { DETECTOR_NAMES, detectorName, workspaceActionLabel } from "./detector-names";
import { DetectorTable, type ActionMap, type InvalidActions } from "./detector-table";
import { TestBox } from "./test-box";

/**
 * A key's override: per-detector actions that replace the workspace's for this key only
 * (a support bot that must see e-mail addresses, a batch job that must never send one).
 * Everything not overridden follows the workspace's policy, including later changes to it.
 */
export function KeyOverrideView({
  workspaceId,
  keyId,
  canEdit,
}: {
  workspaceId: string;
  keyId: string;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(
    trpc.guardrails.keyOverride.queryOptions({ workspaceId, keyId }),
  );
  const policy = useSuspenseQuery(trpc.guardrails.policy.queryOptions({ workspaceId })).data;
  return (
    <div className="space-y-8">
      <p className="text-sm text-slate-600" data-testid="key-override-key">
        Key <span className="font-medium text-slate-900">{data.key.name}</span> (
        <span className="font-mono">{data.key.prefix}…</span>).{" "}
        {data.workspace.enabled ? (
          "The workspace's guardrails are on."
        ) : (
          <>
            The workspace&apos;s guardrails are <strong>off</strong>, so this override has no effect
            until they are turned on.
          </>
        )}{" "}
        <Link
          href={`/w/${workspaceId}/guardrails`}
          className="font-medium text-indigo-700 underline"
        >
          Workspace policy
        </Link>
      </p>
      <OverrideForm
        workspaceId={workspaceId}
        keyId={keyId}
        saved={data.override?.actions ?? {}}
        storedInvalid={data.invalid?.entries ?? null}
        workspace={data.workspace}
        falsePositiveRate={policy.heuristicFalsePositiveRate}
        canEdit={canEdit}
      />
    </div>
  );
}

/** Each stored value that is not an action, by the detector whose row shows it. */
function invalidByDetector(entries: readonly InvalidOverrideEntry[] | null): InvalidActions {
  const invalid: InvalidActions = {};
  for (const entry of entries ?? []) {
    if (entry.kind === "action") invalid[entry.detector] = entry.value;
  }
  return invalid;
}

/**
 * The override's table, and the test box scanning it as it stands (saved or not). A row whose
 * stored value is not an action shows that value until an action is chosen, and saving waits
 * for that choice: guessing one (inherit, say) could let through what the key was meant to
 * stop.
 */
function OverrideForm({
  workspaceId,
  keyId,
  saved,
  storedInvalid,
  workspace,
  falsePositiveRate,
  canEdit,
}: {
  workspaceId: string;
  keyId: string;
  saved: ActionMap;
  /** the stored override's bad entries; null = it is valid (or there is none) */
  storedInvalid: InvalidOverrideEntry[] | null;
  workspace: GuardrailPolicy;
  falsePositiveRate: number | null;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const update = useMutation(trpc.guardrails.updateKeyOverride.mutationOptions());
  // the form keeps its own state after a save (it is what was saved)
  const [actions, setActions] = useState<ActionMap>(saved);
  const [invalid, setInvalid] = useState<InvalidActions>(() => invalidByDetector(storedInvalid));
  const [error, setError] = useState<string | null>(null);

  async function save(next: ActionMap | null) {
    setError(null);
    try {
      await update.mutateAsync({ workspaceId, keyId, actions: next });
      if (next === null) setActions({});
      setInvalid({});
      await queryClient.invalidateQueries({ queryKey: trpc.guardrails.keyOverride.queryKey() });
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    const unchosen = Object.keys(invalid) as Detector[];
    if (unchosen.length > 0) {
      setError(
        `Choose an action for ${unchosen.map((d) => DETECTOR_NAMES[d]).join(", ")}: the stored one is not valid.`,
      );
      return;
    }
    void save(actions);
  }

  return (
    <div className="space-y-8">
      {storedInvalid ? <InvalidOverrideAlert entries={storedInvalid} /> : null}
      <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Key override">
        <div className="rounded-lg border border-slate-200 bg-white p-4">
          <DetectorTable
            actions={actions}
            invalid={invalid}
            inheritLabel="Workspace"
            inherited={(detector) => workspaceActionLabel(workspace.actions, detector)}
            onChange={(detector, action) => {
              setInvalid((current) => {
                const next = { ...current };
                delete next[detector];
                return next;
              });
              setActions((current) => {
                const next = { ...current };
                if (action === undefined) delete next[detector];
                else next[detector] = action;
                return next;
              });
            }}
            disabled={!canEdit}
            falsePositiveRate={falsePositiveRate}
          />
        </div>
        {error ? <FormAlert>{error}</FormAlert> : null}
        {canEdit ? (
          <div className="flex flex-wrap items-center gap-3">
            <button type="submit" className={primaryButtonClass} disabled={update.isPending}>
              {update.isPending ? "Saving…" : "Save override"}
            </button>
            <button
              type="button"
              className={secondaryButtonClass}
              disabled={update.isPending}
              onClick={() => void save(null)}
            >
              Follow the workspace for everything
            </button>
            <span role="status" className="text-sm font-medium text-emerald-700">
              {update.isSuccess && !update.isPending ? "Saved." : ""}
            </span>
          </div>
        ) : (
          <p className="text-sm text-slate-600">Only owners and admins can change the override.</p>
        )}
      </form>
      <section aria-labelledby="key-test-heading" className="space-y-3">
        <h2 id="key-test-heading" className="text-lg font-semibold text-slate-900">
          Try it with this key
        </h2>
        <div className="rounded-lg border border-slate-200 bg-white p-4">
          <TestBox workspaceId={workspaceId} keyId={keyId} override={actions} />
        </div>
      </section>
    </div>
  );
}

/** What is wrong with the stored override, entry by entry. */
function InvalidOverrideAlert({ entries }: { entries: readonly InvalidOverrideEntry[] }) {
  return (
    <div
      role="alert"
      className="space-y-2 rounded-md border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800"
      data-testid="invalid-override"
    >
      <p>
        The stored override is not valid (edited outside the dashboard?), so the proxies keep this
        key&apos;s last valid one.{" "}
        {entries.length === 0 ? "It is not a map of detectors to actions. " : null}
        Saving this form replaces it.
      </p>
      {entries.length > 0 ? (
        <ul className="list-disc space-y-1 pl-5">
          {entries.map((entry, i) => (
            <li key={i}>
              {entry.kind === "action" ? (
                <>
                  {detectorName(entry.detector)}: <code>{entry.value}</code> is not an action; its
                  row shows it until you choose one, and the test box scans it as the
                  workspace&apos;s.
                </>
              ) : (
                <>
                  <code>{entry.detector}</code> (set to <code>{entry.value}</code>) is not a
                  detector; saving drops it.
                </>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
