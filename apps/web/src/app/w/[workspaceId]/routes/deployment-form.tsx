"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import {
  describedBy,
  errorMessage,
  Field,
  fieldErrors,
  FormAlert,
  inputClass,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import { PROVIDER_LABELS } from "~/lib/credential-schemas";
import { DeploymentInputSchema } from "~/lib/route-schemas";
import { useTRPC } from "~/trpc/react";
import { useInvalidateRoutes, type CredentialOption, type Deployment } from "./route-types";

/** Reads the deployment fields of a form (credential, model, weight, priority, enabled). */
export function readDeployment(data: FormData) {
  const number = (name: string) => {
    const raw = String(data.get(name) ?? "").trim();
    return raw === "" ? undefined : Number(raw);
  };
  return {
    credentialId: String(data.get("credentialId") ?? ""),
    upstreamModel: String(data.get("upstreamModel") ?? "").trim(),
    weight: number("weight"),
    priority: number("priority"),
    enabled: data.get("enabled") === "on",
  };
}

export function DeploymentFields({
  idPrefix,
  credentials,
  errors,
  deployment,
}: {
  idPrefix: string;
  credentials: CredentialOption[];
  errors: Record<string, string>;
  deployment?: Deployment;
}) {
  return (
    <div className="grid gap-4 sm:grid-cols-2">
      <Field id={`${idPrefix}-credential`} label="Credential" error={errors.credentialId}>
        <select
          {...describedBy(`${idPrefix}-credential`, false, errors.credentialId)}
          name="credentialId"
          defaultValue={deployment?.credentialId ?? credentials[0]?.id}
          className={inputClass}
        >
          {credentials.map((c) => (
            <option key={c.id} value={c.id}>
              {c.name} ({PROVIDER_LABELS[c.provider]})
            </option>
          ))}
        </select>
      </Field>
      <Field
        id={`${idPrefix}-model`}
        label="Upstream model"
        hint="The provider's model name (for Azure: the deployment name)."
        error={errors.upstreamModel}
      >
        <input
          {...describedBy(`${idPrefix}-model`, true, errors.upstreamModel)}
          name="upstreamModel"
          defaultValue={deployment?.upstreamModel}
          required
          className={inputClass}
        />
      </Field>
      <Field id={`${idPrefix}-weight`} label="Weight" error={errors.weight}>
        <input
          {...describedBy(`${idPrefix}-weight`, false, errors.weight)}
          name="weight"
          type="number"
          min={0}
          max={1000}
          defaultValue={deployment?.weight ?? 1}
          className={inputClass}
        />
      </Field>
      <Field id={`${idPrefix}-priority`} label="Priority" error={errors.priority}>
        <input
          {...describedBy(`${idPrefix}-priority`, false, errors.priority)}
          name="priority"
          type="number"
          min={0}
          max={100}
          defaultValue={deployment?.priority ?? 0}
          className={inputClass}
        />
      </Field>
      <label className="flex items-center gap-2 text-sm text-slate-800">
        <input
          type="checkbox"
          name="enabled"
          defaultChecked={deployment?.enabled ?? true}
          className="h-4 w-4 rounded border-slate-300 text-indigo-600"
        />
        Enabled
      </label>
    </div>
  );
}

export function DeploymentForm({
  workspaceId,
  credentials,
  deployment,
  routeId,
  submitLabel,
  onDone,
}: {
  workspaceId: string;
  credentials: CredentialOption[];
  deployment?: Deployment;
  routeId?: string;
  submitLabel: string;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateRoutes();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const onSuccess = async () => {
    await invalidate();
    onDone();
  };
  const add = useMutation(trpc.route.addDeployment.mutationOptions({ onSuccess }));
  const update = useMutation(trpc.route.updateDeployment.mutationOptions({ onSuccess }));
  const mutation = deployment ? update : add;
  const idPrefix = deployment ? `deployment-${deployment.id}` : `new-deployment-${routeId}`;

  return (
    <form
      noValidate
      className="space-y-4"
      onSubmit={(event) => {
        event.preventDefault();
        const parsed = DeploymentInputSchema.safeParse(
          readDeployment(new FormData(event.currentTarget)),
        );
        if (!parsed.success) {
          setErrors(fieldErrors(parsed.error.issues));
          return;
        }
        setErrors({});
        if (deployment) update.mutate({ workspaceId, deploymentId: deployment.id, ...parsed.data });
        else if (routeId) add.mutate({ workspaceId, routeId, ...parsed.data });
      }}
    >
      {mutation.error ? <FormAlert>{errorMessage(mutation.error)}</FormAlert> : null}
      <DeploymentFields
        idPrefix={idPrefix}
        credentials={credentials}
        errors={errors}
        {...(deployment ? { deployment } : {})}
      />
      <div className="flex flex-wrap gap-2">
        <button type="submit" className={primaryButtonClass} disabled={mutation.isPending}>
          {mutation.isPending ? "Saving…" : submitLabel}
        </button>
        <button type="button" className={secondaryButtonClass} onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
