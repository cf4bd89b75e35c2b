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
} from "~/components/form-controls";
import { CreateRouteSchema } from "~/lib/route-schemas";
import { useTRPC } from "~/trpc/react";
import { DeploymentFields, readDeployment } from "./deployment-form";
import { useInvalidateRoutes, type CredentialOption } from "./route-types";

export function AddRouteForm({
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
