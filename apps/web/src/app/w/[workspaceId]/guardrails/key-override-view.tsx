"use client";

import type { GuardrailPolicy } from "@gatehouse/shared";
import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState, type FormEvent } from "react";
import {
  errorMessage,
  FormAlert,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import { useTRPC } from "~/trpc/react";
import { workspaceActionLabel } from "./detector-names";
import { DetectorTable, type ActionMap } from "./detector-table";
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
        workspace={data.workspace}
        falsePositiveRate={policy.heuristicFalsePositiveRate}
        canEdit={canEdit}
      />
      <section aria-labelledby="key-test-heading" className="space-y-3">
        <h2 id="key-test-heading" className="text-lg font-semibold text-slate-900">
          Try it with this key
        </h2>
        <div className="rounded-lg border border-slate-200 bg-white p-4">
          <TestBox workspaceId={workspaceId} keyId={keyId} />
        </div>
      </section>
    </div>
  );
}

function OverrideForm({
  workspaceId,
  keyId,
  saved,
  workspace,
  falsePositiveRate,
  canEdit,
}: {
  workspaceId: string;
  keyId: string;
  saved: ActionMap;
  workspace: GuardrailPolicy;
  falsePositiveRate: number | null;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const update = useMutation(trpc.guardrails.updateKeyOverride.mutationOptions());
  const [actions, setActions] = useState<ActionMap>(saved);
  const [error, setError] = useState<string | null>(null);

  async function save(next: ActionMap | null) {
    setError(null);
    try {
      await update.mutateAsync({ workspaceId, keyId, actions: next });
      await queryClient.invalidateQueries({ queryKey: trpc.guardrails.keyOverride.queryKey() });
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    void save(actions);
  }

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-4" aria-label="Key override">
      <div className="rounded-lg border border-slate-200 bg-white p-4">
        <DetectorTable
          actions={actions}
          inheritLabel="Workspace"
          inherited={(detector) => workspaceActionLabel(workspace.actions, detector)}
          onChange={(detector, action) =>
            setActions((current) => {
              const next = { ...current };
              if (action === undefined) delete next[detector];
              else next[detector] = action;
              return next;
            })
          }
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
  );
}
