"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { ProviderTypeSchema, type ProviderType } from "@gatehouse/shared";
import { ConfirmDialog } from "~/components/confirm-dialog";
import {
  describedBy,
  EmptyState,
  errorMessage,
  Field,
  fieldErrors,
  FormAlert,
  inputClass,
  primaryButtonClass,
  secondaryButtonClass,
  dangerButtonClass,
} from "~/components/form-controls";
import {
  CreateCredentialSchema,
  DEFAULT_BASE_URLS,
  DEFAULT_ROUTES,
  PROVIDER_LABELS,
} from "~/lib/credential-schemas";
import { useTRPC } from "~/trpc/react";

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });
const AZURE_DEFAULT_API_VERSION = "2024-10-21";

export function CredentialsView({
  workspaceId,
  canManage,
}: {
  workspaceId: string;
  canManage: boolean;
}) {
  const trpc = useTRPC();
  const { data: credentials } = useSuspenseQuery(
    trpc.credential.list.queryOptions({ workspaceId }),
  );

  return (
    <div className="space-y-8">
      <section aria-labelledby="credential-list-heading" className="space-y-3">
        <h2 id="credential-list-heading" className="text-lg font-semibold text-slate-900">
          Saved credentials
        </h2>
        {credentials.length === 0 ? (
          <EmptyState title="No provider credentials yet">
            {canManage
              ? "Add your OpenAI, Anthropic, Azure OpenAI or Gemini API key below. Gatehouse then creates routes for its common models, and you can issue virtual keys."
              : "An admin of this workspace adds the provider API keys Gatehouse calls with."}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {credentials.map((credential) => (
              <CredentialRow
                key={credential.id}
                workspaceId={workspaceId}
                credential={credential}
                canManage={canManage}
              />
            ))}
          </ul>
        )}
      </section>

      {canManage ? (
        <AddCredentialForm workspaceId={workspaceId} />
      ) : (
        <p className="text-sm text-slate-600">
          Only admins and owners can add or remove credentials.
        </p>
      )}
    </div>
  );
}

interface CredentialItem {
  id: string;
  name: string;
  provider: ProviderType;
  baseUrl: string;
  secretHint: string;
  createdAt: Date;
  createdBy: { name: string | null; email: string } | null;
  deployments: number;
}

function CredentialRow({
  workspaceId,
  credential,
  canManage,
}: {
  workspaceId: string;
  credential: CredentialItem;
  canManage: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const test = useMutation(trpc.credential.testConnection.mutationOptions());
  const remove = useMutation(
    trpc.credential.delete.mutationOptions({
      onSuccess: async () => {
        setConfirming(false);
        await queryClient.invalidateQueries({ queryKey: trpc.credential.list.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.route.list.queryKey() });
      },
    }),
  );
  const result = test.data;

  return (
    <li className="space-y-3 p-4" data-testid="credential-item">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <p className="flex flex-wrap items-center gap-2">
            <span className="font-medium text-slate-900">{credential.name}</span>
            <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium text-slate-700">
              {PROVIDER_LABELS[credential.provider]}
            </span>
          </p>
          <p className="break-all font-mono text-xs text-slate-600">{credential.baseUrl}</p>
          <p className="text-xs text-slate-500">
            Key <span className="font-mono">••••{credential.secretHint}</span> · added{" "}
            {dateFormat.format(credential.createdAt)}
            {credential.createdBy
              ? ` by ${credential.createdBy.name ?? credential.createdBy.email}`
              : ""}{" "}
            · used by {credential.deployments} deployment{credential.deployments === 1 ? "" : "s"}
          </p>
        </div>
        {canManage ? (
          <div className="flex flex-wrap gap-2">
            <button
              type="button"
              className={secondaryButtonClass}
              disabled={test.isPending}
              onClick={() => test.mutate({ workspaceId, credentialId: credential.id })}
              aria-label={`Test connection of ${credential.name}`}
            >
              {test.isPending ? "Testing…" : "Test connection"}
            </button>
            <button
              type="button"
              className={dangerButtonClass}
              onClick={() => {
                remove.reset();
                setConfirming(true);
              }}
              aria-label={`Delete ${credential.name}`}
            >
              Delete
            </button>
          </div>
        ) : null}
      </div>
      <div aria-live="polite">
        {result ? (
          <p
            data-testid="connection-result"
            className={`rounded-md px-3 py-2 text-sm ${
              result.ok
                ? "border border-emerald-200 bg-emerald-50 text-emerald-900"
                : "border border-red-200 bg-red-50 text-red-900"
            }`}
          >
            <span className="font-semibold">{result.ok ? "OK" : "Failed"}</span> · {result.message}{" "}
            <span className="text-xs opacity-75">({result.latencyMs} ms)</span>
          </p>
        ) : test.error ? (
          <FormAlert>{errorMessage(test.error)}</FormAlert>
        ) : null}
      </div>
      {confirming ? (
        <ConfirmDialog
          title={`Delete ${credential.name}?`}
          confirmLabel="Delete credential"
          pending={remove.isPending}
          error={remove.error ? errorMessage(remove.error) : null}
          onCancel={() => setConfirming(false)}
          onConfirm={() => remove.mutate({ workspaceId, credentialId: credential.id })}
        >
          The encrypted key is deleted. Routes must not use it any more: remove its deployments
          first.
        </ConfirmDialog>
      ) : null}
    </li>
  );
}

const PROVIDERS = ProviderTypeSchema.options;

function AddCredentialForm({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [provider, setProvider] = useState<ProviderType>("openai");
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formKey, setFormKey] = useState(0);
  const create = useMutation(
    trpc.credential.create.mutationOptions({
      onSuccess: async () => {
        setFormKey((k) => k + 1);
        await queryClient.invalidateQueries({ queryKey: trpc.credential.list.queryKey() });
        await queryClient.invalidateQueries({ queryKey: trpc.route.list.queryKey() });
      },
    }),
  );
  const defaults = DEFAULT_ROUTES[provider];
  const defaultBaseUrl = DEFAULT_BASE_URLS[provider];
  const isAzure = provider === "azure_openai";

  function submit(form: HTMLFormElement) {
    const data = new FormData(form);
    const text = (name: string) => String(data.get(name) ?? "").trim();
    const options: Record<string, string> = {};
    if (isAzure && text("apiVersion")) options.apiVersion = text("apiVersion");
    const parsed = CreateCredentialSchema.safeParse({
      name: text("name"),
      provider,
      baseUrl: text("baseUrl") || undefined,
      secret: text("secret"),
      options,
      createDefaultRoutes: defaults.length > 0 && data.get("createDefaultRoutes") === "on",
    });
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    // the secret leaves the browser once, in this request
    create.mutate({ workspaceId, ...parsed.data });
  }

  const baseUrlLabel = isAzure ? "Resource URL" : "Base URL";
  const baseUrlHint = isAzure
    ? "Your resource's endpoint, like https://my-resource.openai.azure.com"
    : defaultBaseUrl
      ? `Leave empty for ${defaultBaseUrl}`
      : "The server's OpenAI-compatible base URL, like http://vllm.internal:8000/v1";

  return (
    <section aria-labelledby="add-credential-heading" className="space-y-3">
      <h2 id="add-credential-heading" className="text-lg font-semibold text-slate-900">
        Add a credential
      </h2>
      <form
        key={formKey}
        noValidate
        className="space-y-4 rounded-lg border border-slate-200 bg-white p-4 sm:p-5"
        onSubmit={(event) => {
          event.preventDefault();
          submit(event.currentTarget);
        }}
      >
        {create.error ? <FormAlert>{errorMessage(create.error)}</FormAlert> : null}
        {create.data ? (
          <p
            role="status"
            className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900"
          >
            Saved {create.data.name}.
            {create.data.defaultRoutes.length > 0
              ? ` Routes created: ${create.data.defaultRoutes.join(", ")}.`
              : ""}{" "}
            Test the connection above, then{" "}
            <Link href={`/w/${workspaceId}/keys`} className="font-medium underline">
              create a virtual key
            </Link>
            .
          </p>
        ) : null}
        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="credential-provider" label="Provider">
            <select
              id="credential-provider"
              name="provider"
              value={provider}
              onChange={(event) => {
                setProvider(event.target.value as ProviderType);
                setErrors({});
              }}
              className={inputClass}
            >
              {PROVIDERS.map((p) => (
                <option key={p} value={p}>
                  {PROVIDER_LABELS[p]}
                </option>
              ))}
            </select>
          </Field>
          <Field id="credential-name" label="Name" error={errors.name}>
            <input
              {...describedBy("credential-name", false, errors.name)}
              name="name"
              required
              maxLength={100}
              placeholder={`${PROVIDER_LABELS[provider]} production`}
              className={inputClass}
            />
          </Field>
          <Field
            id="credential-base-url"
            label={baseUrlLabel}
            hint={baseUrlHint}
            error={errors.baseUrl}
          >
            <input
              {...describedBy("credential-base-url", true, errors.baseUrl)}
              name="baseUrl"
              type="url"
              inputMode="url"
              autoComplete="off"
              placeholder={defaultBaseUrl ?? "https://"}
              className={inputClass}
            />
          </Field>
          {isAzure ? (
            <Field
              id="credential-api-version"
              label="API version"
              hint="The api-version query parameter Azure requires."
              error={errors.options}
            >
              <input
                {...describedBy("credential-api-version", true, errors.options)}
                name="apiVersion"
                defaultValue={AZURE_DEFAULT_API_VERSION}
                className={inputClass}
              />
            </Field>
          ) : null}
          <Field
            id="credential-secret"
            label="API key"
            hint="Encrypted before it is stored; never shown again."
            error={errors.secret}
          >
            <input
              {...describedBy("credential-secret", true, errors.secret)}
              name="secret"
              type="password"
              autoComplete="off"
              spellCheck={false}
              required
              className={inputClass}
            />
          </Field>
        </div>
        {defaults.length > 0 ? (
          <label className="flex items-start gap-2 text-sm text-slate-800">
            <input
              type="checkbox"
              name="createDefaultRoutes"
              defaultChecked
              className="mt-0.5 h-4 w-4 rounded border-slate-300 text-indigo-600"
            />
            <span>
              Create default routes ({defaults.map((d) => d.alias).join(", ")}) unless they exist
            </span>
          </label>
        ) : (
          <p className="text-xs text-slate-500">
            Add routes for this credential on the Routes page after saving.
          </p>
        )}
        <button type="submit" className={primaryButtonClass} disabled={create.isPending}>
          {create.isPending ? "Saving…" : "Save credential"}
        </button>
      </form>
    </section>
  );
}
