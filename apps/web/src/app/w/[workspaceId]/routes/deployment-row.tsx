"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "~/components/confirm-dialog";
import {
  dangerButtonClass,
  errorMessage,
  FormAlert,
  secondaryButtonClass,
} from "~/components/form-controls";
import { PROVIDER_LABELS } from "~/lib/credential-schemas";
import { useTRPC } from "~/trpc/react";
import { DeploymentForm } from "./deployment-form";
import { DeploymentHealthLine, type DeploymentHealth } from "./deployment-health";
import { useInvalidateRoutes, type CredentialOption, type Deployment } from "./route-types";

export function DeploymentRow({
  workspaceId,
  deployment,
  credentials,
  canManage,
  health,
  healthFailed,
}: {
  workspaceId: string;
  deployment: Deployment;
  credentials: CredentialOption[];
  canManage: boolean;
  health: DeploymentHealth | undefined;
  healthFailed: boolean;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateRoutes();
  const [editing, setEditing] = useState(false);
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation(
    trpc.route.removeDeployment.mutationOptions({
      onSuccess: async () => {
        setConfirming(false);
        await invalidate();
      },
    }),
  );
  const toggle = useMutation(
    trpc.route.updateDeployment.mutationOptions({ onSuccess: invalidate }),
  );

  if (editing) {
    return (
      <li className="p-4">
        <DeploymentForm
          workspaceId={workspaceId}
          credentials={credentials}
          deployment={deployment}
          submitLabel="Save deployment"
          onDone={() => setEditing(false)}
        />
      </li>
    );
  }

  return (
    <li
      className="flex flex-wrap items-center justify-between gap-3 p-4"
      data-testid="deployment-item"
    >
      <div className="min-w-0 space-y-0.5 text-sm">
        <p className="break-all">
          <span className="font-mono text-slate-900">{deployment.upstreamModel}</span>{" "}
          <span className="text-slate-500">
            via {deployment.credential.name} ({PROVIDER_LABELS[deployment.credential.provider]})
          </span>
        </p>
        <p className="text-xs text-slate-500">
          weight {deployment.weight} · priority {deployment.priority} ·{" "}
          <span className={deployment.enabled ? "text-emerald-700" : "text-amber-700"}>
            {deployment.enabled ? "enabled" : "disabled"}
          </span>
        </p>
        <DeploymentHealthLine health={health} failed={healthFailed} enabled={deployment.enabled} />
        {toggle.error ? <FormAlert>{errorMessage(toggle.error)}</FormAlert> : null}
      </div>
      {canManage ? (
        <div className="flex flex-wrap gap-2">
          <button
            type="button"
            className={secondaryButtonClass}
            disabled={toggle.isPending}
            onClick={() =>
              toggle.mutate({
                workspaceId,
                deploymentId: deployment.id,
                enabled: !deployment.enabled,
              })
            }
          >
            {deployment.enabled ? "Disable" : "Enable"}
          </button>
          <button type="button" className={secondaryButtonClass} onClick={() => setEditing(true)}>
            Edit
          </button>
          <button
            type="button"
            className={dangerButtonClass}
            onClick={() => {
              remove.reset();
              setConfirming(true);
            }}
          >
            Remove
          </button>
        </div>
      ) : null}
      {confirming ? (
        <ConfirmDialog
          title="Remove this deployment?"
          confirmLabel="Remove deployment"
          pending={remove.isPending}
          error={remove.error ? errorMessage(remove.error) : null}
          onCancel={() => setConfirming(false)}
          onConfirm={() => remove.mutate({ workspaceId, deploymentId: deployment.id })}
        >
          <span className="font-mono">{deployment.upstreamModel}</span> via{" "}
          {deployment.credential.name} stops receiving traffic.
        </ConfirmDialog>
      ) : null}
    </li>
  );
}
