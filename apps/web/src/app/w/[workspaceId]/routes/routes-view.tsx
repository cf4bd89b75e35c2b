"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { ProviderType } from "@gatehouse/shared";
import { ConfirmDialog } from "~/components/confirm-dialog";
import {
  dangerButtonClass,
  describedBy,
  EmptyState,
  errorMessage,
  Field,
  fieldErrors,
  FormAlert,
  inputClass,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import { PROVIDER_LABELS } from "~/lib/credential-schemas";
import { CreateRouteSchema, DeploymentInputSchema, UpdateRouteSchema } from "~/lib/route-schemas";
import { useTRPC } from "~/trpc/react";

interface CredentialOption {
  id: string;
  name: string;
  provider: ProviderType;
}

interface Deployment {
  id: string;
  credentialId: string;
  upstreamModel: string;
  weight: number;
  priority: number;
  enabled: boolean;
  credential: CredentialOption;
}

interface Route {
  id: string;
  alias: string;
  description: string | null;
  deployments: Deployment[];
}

function useInvalidateRoutes() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.route.list.queryKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.credential.list.queryKey() });
  };
}

export function RoutesView({
  workspaceId,
  canManage,
}: {
  workspaceId: string;
  canManage: boolean;
}) {
  const trpc = useTRPC();
  const { data: routes } = useSuspenseQuery(trpc.route.list.queryOptions({ workspaceId }));
  const { data: credentials } = useSuspenseQuery(
    trpc.credential.list.queryOptions({ workspaceId }),
  );

  return (
    <div className="space-y-8">
      <section aria-labelledby="route-list-heading" className="space-y-3">
        <h2 id="route-list-heading" className="text-lg font-semibold text-slate-900">
          Routes
        </h2>
        {routes.length === 0 ? (
          <EmptyState title="No routes yet">
            {credentials.length === 0 ? (
              <>
                Routes need a provider credential.{" "}
                <Link
                  href={`/w/${workspaceId}/credentials`}
                  className="font-medium text-indigo-700 underline"
                >
                  Add a credential
                </Link>{" "}
                first: Gatehouse creates routes for its common models.
              </>
            ) : canManage ? (
              "Add a route below: the model name clients send and the credential and model that serve it."
            ) : (
              "An admin of this workspace sets up the routes."
            )}
          </EmptyState>
        ) : (
          <ul className="space-y-4">
            {routes.map((route) => (
              <RouteCard
                key={route.id}
                workspaceId={workspaceId}
                route={route}
                credentials={credentials}
                canManage={canManage}
              />
            ))}
          </ul>
        )}
      </section>
      {canManage && credentials.length > 0 ? (
        <AddRouteForm workspaceId={workspaceId} credentials={credentials} />
      ) : null}
    </div>
  );
}

function RouteCard({
  workspaceId,
  route,
  credentials,
  canManage,
}: {
  workspaceId: string;
  route: Route;
  credentials: CredentialOption[];
  canManage: boolean;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateRoutes();
  const [confirming, setConfirming] = useState(false);
  const [adding, setAdding] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const remove = useMutation(
    trpc.route.delete.mutationOptions({
      onSuccess: async () => {
        setConfirming(false);
        await invalidate();
      },
    }),
  );

  return (
    <li
      className="rounded-lg border border-slate-200 bg-white"
      data-testid="route-item"
      aria-labelledby={`route-${route.id}`}
    >
      <div className="flex flex-wrap items-start justify-between gap-3 border-b border-slate-100 p-4">
        <div className="min-w-0 flex-1">
          <h3 id={`route-${route.id}`} className="break-all font-mono font-semibold text-slate-900">
            {route.alias}
          </h3>
          {route.description ? <p className="text-sm text-slate-600">{route.description}</p> : null}
          {renaming ? (
            <RouteEditForm
              workspaceId={workspaceId}
              route={route}
              onDone={() => setRenaming(false)}
            />
          ) : null}
        </div>
        {canManage ? (
          <div className="flex flex-wrap gap-2">
            <button
              type="button"
              className={secondaryButtonClass}
              onClick={() => setRenaming((r) => !r)}
              aria-expanded={renaming}
              aria-label={`Edit route ${route.alias}`}
            >
              Rename
            </button>
            <button
              type="button"
              className={secondaryButtonClass}
              onClick={() => setAdding((a) => !a)}
              aria-expanded={adding}
            >
              Add deployment
            </button>
            <button
              type="button"
              className={dangerButtonClass}
              onClick={() => {
                remove.reset();
                setConfirming(true);
              }}
              aria-label={`Delete route ${route.alias}`}
            >
              Delete
            </button>
          </div>
        ) : null}
      </div>
      {route.deployments.length === 0 ? (
        <p className="p-4 text-sm text-amber-800">
          No deployments: requests for <span className="font-mono">{route.alias}</span> fail until
          one is added.
        </p>
      ) : (
        <ul className="divide-y divide-slate-100">
          {route.deployments.map((deployment) => (
            <DeploymentRow
              key={deployment.id}
              workspaceId={workspaceId}
              deployment={deployment}
              credentials={credentials}
              canManage={canManage}
            />
          ))}
        </ul>
      )}
      {adding ? (
        <div className="border-t border-slate-100 p-4">
          <DeploymentForm
            workspaceId={workspaceId}
            credentials={credentials}
            submitLabel="Add deployment"
            onDone={() => setAdding(false)}
            routeId={route.id}
          />
        </div>
      ) : null}
      {confirming ? (
        <ConfirmDialog
          title={`Delete route ${route.alias}?`}
          confirmLabel="Delete route"
          pending={remove.isPending}
          error={remove.error ? errorMessage(remove.error) : null}
          onCancel={() => setConfirming(false)}
          onConfirm={() => remove.mutate({ workspaceId, routeId: route.id })}
        >
          Requests for <span className="font-mono">{route.alias}</span> fail with “model not found”
          from the next second on. Its deployments are removed too.
        </ConfirmDialog>
      ) : null}
    </li>
  );
}

function RouteEditForm({
  workspaceId,
  route,
  onDone,
}: {
  workspaceId: string;
  route: Route;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateRoutes();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const update = useMutation(
    trpc.route.update.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        onDone();
      },
    }),
  );
  const idPrefix = `route-edit-${route.id}`;
  return (
    <form
      noValidate
      className="mt-3 space-y-3"
      onSubmit={(event) => {
        event.preventDefault();
        const data = new FormData(event.currentTarget);
        const input = {
          routeId: route.id,
          alias: String(data.get("alias") ?? ""),
          description: String(data.get("description") ?? "").trim() || null,
        };
        const parsed = UpdateRouteSchema.safeParse(input);
        if (!parsed.success) {
          setErrors(fieldErrors(parsed.error.issues));
          return;
        }
        setErrors({});
        update.mutate({ workspaceId, ...parsed.data });
      }}
    >
      {update.error ? <FormAlert>{errorMessage(update.error)}</FormAlert> : null}
      <div className="grid gap-3 sm:grid-cols-2">
        <Field
          id={`${idPrefix}-alias`}
          label="Model name"
          hint="Clients using the old name get “model not found”."
          error={errors.alias}
        >
          <input
            {...describedBy(`${idPrefix}-alias`, true, errors.alias)}
            name="alias"
            defaultValue={route.alias}
            required
            className={inputClass}
          />
        </Field>
        <Field id={`${idPrefix}-description`} label="Description" error={errors.description}>
          <input
            {...describedBy(`${idPrefix}-description`, false, errors.description)}
            name="description"
            defaultValue={route.description ?? ""}
            className={inputClass}
          />
        </Field>
      </div>
      <div className="flex flex-wrap gap-2">
        <button type="submit" className={primaryButtonClass} disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save route"}
        </button>
        <button type="button" className={secondaryButtonClass} onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function DeploymentRow({
  workspaceId,
  deployment,
  credentials,
  canManage,
}: {
  workspaceId: string;
  deployment: Deployment;
  credentials: CredentialOption[];
  canManage: boolean;
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

/** Reads the deployment fields of a form (credential, model, weight, priority, enabled). */
function readDeployment(data: FormData) {
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

function DeploymentFields({
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

function DeploymentForm({
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

function AddRouteForm({
  workspaceId,
  credentials,
}: {
  workspaceId: string;
  credentials: CredentialOption[];
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateRoutes();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formKey, setFormKey] = useState(0);
  const create = useMutation(
    trpc.route.create.mutationOptions({
      onSuccess: async () => {
        setFormKey((k) => k + 1);
        await invalidate();
      },
    }),
  );

  return (
    <section aria-labelledby="add-route-heading" className="space-y-3">
      <h2 id="add-route-heading" className="text-lg font-semibold text-slate-900">
        Add a route
      </h2>
      <form
        key={formKey}
        noValidate
        className="space-y-4 rounded-lg border border-slate-200 bg-white p-4 sm:p-5"
        onSubmit={(event) => {
          event.preventDefault();
          const data = new FormData(event.currentTarget);
          const deployment = readDeployment(data);
          const parsed = CreateRouteSchema.safeParse({
            alias: String(data.get("alias") ?? ""),
            description: String(data.get("description") ?? "").trim() || null,
            deployments: [deployment],
          });
          if (!parsed.success) {
            const all = fieldErrors(parsed.error.issues);
            // deployment errors come as deployments.0.<field>
            for (const issue of parsed.error.issues) {
              if (issue.path[0] === "deployments") all[String(issue.path[2])] ??= issue.message;
            }
            setErrors(all);
            return;
          }
          setErrors({});
          create.mutate({ workspaceId, ...parsed.data });
        }}
      >
        {create.error ? <FormAlert>{errorMessage(create.error)}</FormAlert> : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            id="route-alias"
            label="Model name"
            hint="What clients put in “model”, e.g. fast or gpt-4o."
            error={errors.alias}
          >
            <input
              {...describedBy("route-alias", true, errors.alias)}
              name="alias"
              required
              autoComplete="off"
              className={inputClass}
            />
          </Field>
          <Field id="route-description" label="Description (optional)" error={errors.description}>
            <input
              {...describedBy("route-description", false, errors.description)}
              name="description"
              className={inputClass}
            />
          </Field>
        </div>
        <fieldset className="space-y-3">
          <legend className="text-sm font-semibold text-slate-800">First deployment</legend>
          <DeploymentFields idPrefix="route-deployment" credentials={credentials} errors={errors} />
        </fieldset>
        <button type="submit" className={primaryButtonClass} disabled={create.isPending}>
          {create.isPending ? "Adding…" : "Add route"}
        </button>
      </form>
    </section>
  );
}
