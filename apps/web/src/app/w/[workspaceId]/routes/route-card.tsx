"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "~/components/confirm-dialog";
import {
  dangerButtonClass,
  describedBy,
  errorMessage,
  Field,
  fieldErrors,
  FormAlert,
  inputClass,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import { UpdateRouteSchema } from "~/lib/route-schemas";
import { useTRPC } from "~/trpc/react";
import { DeploymentForm } from "./deployment-form";
import type { DeploymentHealth } from "./deployment-health";
import { DeploymentRow } from "./deployment-row";
import { RoutePolicyEditor, RoutePolicySummary } from "./route-policy-editor";
import { useInvalidateRoutes, type CredentialOption, type Route } from "./route-types";

export function RouteCard({
  workspaceId,
  route,
  credentials,
  canManage,
  aliases,
  health,
  healthFailed,
}: {
  workspaceId: string;
  route: Route;
  credentials: CredentialOption[];
  canManage: boolean;
  /** every route alias of the workspace (fallback candidates) */
  aliases: string[];
  /** by deployment id; undefined while loading */
  health: Record<string, DeploymentHealth> | undefined;
  healthFailed: boolean;
}) {
  const trpc = useTRPC();
  const invalidate = useInvalidateRoutes();
  const [confirming, setConfirming] = useState(false);
  const [adding, setAdding] = useState(false);
  const [renaming, setRenaming] = useState(false);
  const [routing, setRouting] = useState(false);
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
          <RoutePolicySummary policy={route.policy} />
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
              onClick={() => setRouting((r) => !r)}
              aria-expanded={routing}
              aria-label={`Routing of ${route.alias}`}
            >
              Routing
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
              health={health?.[deployment.id]}
              healthFailed={healthFailed}
            />
          ))}
        </ul>
      )}
      {routing ? (
        <div className="border-t border-slate-100 p-4">
          <RoutePolicyEditor
            workspaceId={workspaceId}
            route={route}
            otherAliases={aliases.filter((alias) => alias !== route.alias)}
            onDone={() => setRouting(false)}
          />
        </div>
      ) : null}
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
