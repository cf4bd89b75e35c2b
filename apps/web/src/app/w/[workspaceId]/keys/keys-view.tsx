"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { BudgetPeriodSchema, type BudgetPeriod } from "@gatehouse/shared";
import { ConfirmDialog } from "~/components/confirm-dialog";
import { CopyButton } from "~/components/copy-button";
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
import { BudgetRule } from "~/components/budget-rule";
import { Modal } from "~/components/modal";
import { budgetProblem, CreateKeySchema, UpdateKeySchema } from "~/lib/key-schemas";
import { useTRPC } from "~/trpc/react";

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });

const PERIOD_LABELS: Record<BudgetPeriod, string> = {
  daily: "today",
  weekly: "this week",
  monthly: "this month",
  lifetime: "in total",
};

const GRACE_OPTIONS = [
  { seconds: 0, label: "None: the old secret stops working now" },
  { seconds: 60 * 60, label: "1 hour" },
  { seconds: 24 * 60 * 60, label: "24 hours" },
  { seconds: 7 * 24 * 60 * 60, label: "7 days" },
] as const;

interface KeyItem {
  id: string;
  name: string;
  prefix: string;
  status: "active" | "revoked";
  expiresAt: Date | null;
  allowedModels: string[];
  limits: { rpm: number | null; tpm: number | null; parallel: number | null };
  budget: { amountUsd: string; period: BudgetPeriod; alertThresholdPct: number | null } | null;
  previousKeyGraceUntil: Date | null;
  revokedAt: Date | null;
  lastUsedAt: Date | null;
  createdAt: Date;
  createdBy: { name: string | null; email: string } | null;
  spentThisPeriodUsd: string | null;
  /** spent / budget in percent (may exceed 100), as the overview and the banner show it */
  budgetPercent: number | null;
}

/** A secret to show once: the dialog closes for good and forgets it. */
interface Revealed {
  keyName: string;
  secret: string;
  model: string;
}

export function KeysView({
  workspaceId,
  canManage,
  proxyUrl,
}: {
  workspaceId: string;
  canManage: boolean;
  proxyUrl: string;
}) {
  const trpc = useTRPC();
  const { data: keys } = useSuspenseQuery(trpc.key.list.queryOptions({ workspaceId }));
  const { data: routes } = useSuspenseQuery(trpc.route.list.queryOptions({ workspaceId }));
  const aliases = routes.map((r) => r.alias);
  const [revealed, setRevealed] = useState<Revealed | null>(null);
  const reveal = (keyName: string, secret: string, allowedModels: string[]) =>
    setRevealed({
      keyName,
      secret,
      model:
        allowedModels[0] ?? aliases.find((a) => a === "gpt-4o-mini") ?? aliases[0] ?? "gpt-4o-mini",
    });

  return (
    <div className="space-y-8">
      <section aria-labelledby="key-list-heading" className="space-y-3">
        <h2 id="key-list-heading" className="text-lg font-semibold text-slate-900">
          Keys
        </h2>
        {keys.length === 0 ? (
          <EmptyState title="No virtual keys yet">
            {canManage ? (
              <>
                Create one below and use it with your OpenAI or Anthropic SDK.
                {aliases.length === 0 ? (
                  <>
                    {" "}
                    Calls need a route:{" "}
                    <Link
                      href={`/w/${workspaceId}/credentials`}
                      className="font-medium text-indigo-700 underline"
                    >
                      add a provider credential
                    </Link>{" "}
                    first.
                  </>
                ) : null}
              </>
            ) : (
              "Members of this workspace create the keys; viewers see them here."
            )}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {keys.map((key) => (
              <KeyRow
                key={key.id}
                workspaceId={workspaceId}
                item={key}
                aliases={aliases}
                canManage={canManage}
                onRotated={(secret) => reveal(key.name, secret, key.allowedModels)}
              />
            ))}
          </ul>
        )}
      </section>

      {canManage ? (
        <CreateKeyForm
          workspaceId={workspaceId}
          aliases={aliases}
          onCreated={(name, secret, allowedModels) => reveal(name, secret, allowedModels)}
        />
      ) : null}

      {revealed ? (
        <SecretDialog revealed={revealed} proxyUrl={proxyUrl} onClose={() => setRevealed(null)} />
      ) : null}
    </div>
  );
}

function snippets(proxyUrl: string, secret: string, model: string) {
  return {
    Python: `from openai import OpenAI

client = OpenAI(base_url="${proxyUrl}/v1", api_key="${secret}")
reply = client.chat.completions.create(
    model="${model}",
    messages=[{"role": "user", "content": "Hello!"}],
)
print(reply.choices[0].message.content)`,
    Node: `import OpenAI from "openai";

const client = new OpenAI({ baseURL: "${proxyUrl}/v1", apiKey: "${secret}" });
const reply = await client.chat.completions.create({
  model: "${model}",
  messages: [{ role: "user", content: "Hello!" }],
});
console.log(reply.choices[0].message.content);`,
    curl: `curl ${proxyUrl}/v1/chat/completions \\
  -H "Authorization: Bearer ${secret}" \\
  -H "Content-Type: application/json" \\
  -d '{"model": "${model}", "messages": [{"role": "user", "content": "Hello!"}]}'`,
  };
}

function SecretDialog({
  revealed,
  proxyUrl,
  onClose,
}: {
  revealed: Revealed;
  proxyUrl: string;
  onClose: () => void;
}) {
  const all = snippets(proxyUrl, revealed.secret, revealed.model);
  const [tab, setTab] = useState<keyof typeof all>("Python");
  return (
    <Modal title={`Secret of ${revealed.keyName}`} onClose={onClose} labelledBy="secret-title">
      <p className="text-sm text-slate-700">
        Copy it now: this is the only time Gatehouse shows it. Only a hash is stored.
      </p>
      <div className="flex flex-wrap items-center gap-2">
        <code
          data-testid="virtual-key-secret"
          className="min-w-0 flex-1 break-all rounded-md bg-slate-100 px-3 py-2 font-mono text-sm text-slate-900"
        >
          {revealed.secret}
        </code>
        <CopyButton value={revealed.secret} label="Copy secret" />
      </div>
      <div className="space-y-2">
        <div
          role="tablist"
          aria-label="Code snippets"
          className="flex gap-1 border-b border-slate-200"
        >
          {(Object.keys(all) as Array<keyof typeof all>).map((name) => (
            <button
              key={name}
              type="button"
              role="tab"
              aria-selected={tab === name}
              onClick={() => setTab(name)}
              className={`-mb-px border-b-2 px-3 py-1.5 text-sm font-medium ${
                tab === name
                  ? "border-indigo-600 text-indigo-700"
                  : "border-transparent text-slate-600 hover:text-slate-900"
              }`}
            >
              {name}
            </button>
          ))}
        </div>
        <div role="tabpanel" aria-label={`${tab} snippet`} className="space-y-2">
          <pre className="max-h-64 overflow-auto whitespace-pre-wrap break-all rounded-md bg-slate-900 p-3 font-mono text-xs text-slate-100">
            {all[tab]}
          </pre>
          <CopyButton value={all[tab]} label={`Copy ${tab} snippet`} />
        </div>
      </div>
      <div className="flex justify-end">
        <button type="button" className={primaryButtonClass} onClick={onClose}>
          I have copied it
        </button>
      </div>
    </Modal>
  );
}

function formatUsd(value: string): string {
  const n = Number(value);
  if (n > 0 && n < 0.01) return "<$0.01";
  return `$${n.toFixed(2)}`;
}

function isExpired(key: KeyItem): boolean {
  return key.expiresAt !== null && key.expiresAt.getTime() <= Date.now();
}

function StatusBadge({ item }: { item: KeyItem }) {
  const [label, style] =
    item.status === "revoked"
      ? ["revoked", "bg-red-50 text-red-700 ring-red-600/20"]
      : isExpired(item)
        ? ["expired", "bg-amber-50 text-amber-800 ring-amber-600/20"]
        : ["active", "bg-emerald-50 text-emerald-700 ring-emerald-600/20"];
  return (
    <span
      data-testid="key-status"
      className={`rounded-full px-2 py-0.5 text-xs font-medium ring-1 ring-inset ${style}`}
    >
      {label}
    </span>
  );
}

function SpendBar({ item }: { item: KeyItem }) {
  if (!item.budget) return <p className="text-xs text-slate-500">No budget</p>;
  const percent = item.budgetPercent ?? 0;
  const pct = Math.min(100, percent);
  const alert = item.budget.alertThresholdPct;
  const color =
    pct >= 100 ? "bg-red-600" : alert !== null && pct >= alert ? "bg-amber-500" : "bg-indigo-600";
  const label = `${formatUsd(item.spentThisPeriodUsd ?? "0")} of ${formatUsd(item.budget.amountUsd)} ${PERIOD_LABELS[item.budget.period]}`;
  return (
    <div className="w-full max-w-xs space-y-1">
      <div
        role="progressbar"
        aria-label={`Spend of ${item.name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(pct)}
        aria-valuetext={label}
        className="h-2 overflow-hidden rounded-full bg-slate-100"
      >
        <div className={`h-full ${color}`} style={{ width: `${pct}%` }} />
      </div>
      <p className="text-xs text-slate-600">
        {label} · {percent}%
      </p>
    </div>
  );
}

function KeyRow({
  workspaceId,
  item,
  aliases,
  canManage,
  onRotated,
}: {
  workspaceId: string;
  item: KeyItem;
  aliases: string[];
  canManage: boolean;
  onRotated: (secret: string) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [mode, setMode] = useState<"view" | "edit" | "revoke" | "rotate">("view");
  const invalidate = () => queryClient.invalidateQueries({ queryKey: trpc.key.list.queryKey() });
  const revoke = useMutation(
    trpc.key.revoke.mutationOptions({
      onSuccess: async () => {
        setMode("view");
        await invalidate();
      },
    }),
  );
  const limits = [
    ["RPM", item.limits.rpm],
    ["TPM", item.limits.tpm],
    ["parallel", item.limits.parallel],
  ] as const;

  return (
    <li className="space-y-3 p-4" data-testid="key-item">
      <div className="flex flex-wrap items-start justify-between gap-3">
        <div className="min-w-0 space-y-1">
          <p className="flex flex-wrap items-center gap-2">
            <span className="font-medium text-slate-900">{item.name}</span>
            <StatusBadge item={item} />
          </p>
          <p className="text-xs text-slate-500">
            <span className="font-mono">{item.prefix}…</span> · created{" "}
            {dateFormat.format(item.createdAt)}
            {item.createdBy ? ` by ${item.createdBy.name ?? item.createdBy.email}` : ""} · last used{" "}
            {item.lastUsedAt ? dateTimeFormat.format(item.lastUsedAt) : "never"}
          </p>
          <p className="text-xs text-slate-500">
            Models: {item.allowedModels.length > 0 ? item.allowedModels.join(", ") : "all routes"} ·{" "}
            {limits.map(([name, value]) => `${name} ${value ?? "—"}`).join(" · ")}
            {item.expiresAt ? ` · expires ${dateFormat.format(item.expiresAt)}` : ""}
          </p>
          {item.previousKeyGraceUntil && item.previousKeyGraceUntil.getTime() > Date.now() ? (
            <p className="text-xs text-amber-800">
              The previous secret works until {dateTimeFormat.format(item.previousKeyGraceUntil)}.
            </p>
          ) : null}
        </div>
        <div className="flex flex-col items-end gap-2">
          <SpendBar item={item} />
          <Link
            href={`/w/${workspaceId}/keys/${item.id}/guardrails`}
            className="text-xs font-medium text-indigo-700 underline"
            aria-label={`Guardrails of ${item.name}`}
          >
            Guardrails
          </Link>
          {canManage && item.status === "active" ? (
            <div className="flex flex-wrap justify-end gap-2">
              <button
                type="button"
                className={secondaryButtonClass}
                onClick={() => setMode(mode === "edit" ? "view" : "edit")}
                aria-expanded={mode === "edit"}
                aria-label={`Edit limits of ${item.name}`}
              >
                Edit
              </button>
              <button
                type="button"
                className={secondaryButtonClass}
                onClick={() => setMode("rotate")}
                aria-label={`Rotate ${item.name}`}
              >
                Rotate
              </button>
              <button
                type="button"
                className={dangerButtonClass}
                onClick={() => {
                  revoke.reset();
                  setMode("revoke");
                }}
                aria-label={`Revoke ${item.name}`}
              >
                Revoke
              </button>
            </div>
          ) : null}
        </div>
      </div>
      {mode === "edit" ? (
        <EditKeyForm
          workspaceId={workspaceId}
          item={item}
          aliases={aliases}
          onDone={() => setMode("view")}
        />
      ) : null}
      {mode === "revoke" ? (
        <ConfirmDialog
          title={`Revoke ${item.name}?`}
          confirmLabel="Revoke key"
          pending={revoke.isPending}
          error={revoke.error ? errorMessage(revoke.error) : null}
          onCancel={() => setMode("view")}
          onConfirm={() => revoke.mutate({ workspaceId, keyId: item.id })}
        >
          Every request with this key is refused from the next second on. This cannot be undone.
        </ConfirmDialog>
      ) : null}
      {mode === "rotate" ? (
        <RotateDialog
          workspaceId={workspaceId}
          item={item}
          onCancel={() => setMode("view")}
          onRotated={async (secret) => {
            setMode("view");
            onRotated(secret);
            await invalidate();
          }}
        />
      ) : null}
    </li>
  );
}

function RotateDialog({
  workspaceId,
  item,
  onCancel,
  onRotated,
}: {
  workspaceId: string;
  item: KeyItem;
  onCancel: () => void;
  onRotated: (secret: string) => void;
}) {
  const trpc = useTRPC();
  const [grace, setGrace] = useState(0);
  const rotate = useMutation(trpc.key.rotate.mutationOptions());
  return (
    <Modal title={`Rotate ${item.name}?`} onClose={onCancel} labelledBy="rotate-title">
      <p className="text-sm text-slate-700">
        The key gets a new secret; its settings, spend and history stay.
      </p>
      <Field id={`grace-${item.id}`} label="Old secret keeps working for">
        <select
          id={`grace-${item.id}`}
          value={grace}
          onChange={(event) => setGrace(Number(event.target.value))}
          className={inputClass}
        >
          {GRACE_OPTIONS.map((o) => (
            <option key={o.seconds} value={o.seconds}>
              {o.label}
            </option>
          ))}
        </select>
      </Field>
      {rotate.error ? <FormAlert>{errorMessage(rotate.error)}</FormAlert> : null}
      <div className="flex flex-wrap justify-end gap-2">
        <button type="button" autoFocus className={secondaryButtonClass} onClick={onCancel}>
          Cancel
        </button>
        <button
          type="button"
          className={primaryButtonClass}
          disabled={rotate.isPending}
          onClick={() =>
            rotate.mutate(
              { workspaceId, keyId: item.id, gracePeriodSeconds: grace },
              {
                onSuccess: (result) => {
                  // hand the secret to the one-time dialog and drop it from the mutation cache
                  onRotated(result.secret);
                  rotate.reset();
                },
              },
            )
          }
        >
          {rotate.isPending ? "Rotating…" : "Rotate key"}
        </button>
      </div>
    </Modal>
  );
}

/** The settings fields shared by the create and edit forms, as the key schemas take them. */
function readSettings(data: FormData) {
  const text = (name: string) => String(data.get(name) ?? "").trim();
  const limit = (name: string) => (text(name) === "" ? null : Number(text(name)));
  const expires = text("expiresAt");
  return {
    name: text("name"),
    allowedModels: data.getAll("allowedModels").map(String),
    // the end of the chosen day, in the browser's time zone
    expiresAt: expires ? new Date(`${expires}T23:59:59.999`) : null,
    rpmLimit: limit("rpmLimit"),
    tpmLimit: limit("tpmLimit"),
    parallelLimit: limit("parallelLimit"),
    budgetUsd: text("budgetUsd") || null,
    budgetPeriod: (text("budgetPeriod") || null) as BudgetPeriod | null,
    budgetAlertThresholdPct: limit("budgetAlertThresholdPct"),
  };
}

function dateInputValue(date: Date | null): string {
  if (!date) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function KeySettingsFields({
  idPrefix,
  aliases,
  errors,
  item,
}: {
  idPrefix: string;
  aliases: string[];
  errors: Record<string, string>;
  item?: KeyItem;
}) {
  const number = (
    name: "rpmLimit" | "tpmLimit" | "parallelLimit" | "budgetAlertThresholdPct",
    label: string,
    value: number | null | undefined,
    hint?: string,
  ) => (
    <Field id={`${idPrefix}-${name}`} label={label} hint={hint} error={errors[name]}>
      <input
        {...describedBy(`${idPrefix}-${name}`, Boolean(hint), errors[name])}
        name={name}
        type="number"
        min={1}
        inputMode="numeric"
        placeholder="No limit"
        defaultValue={value ?? ""}
        className={inputClass}
      />
    </Field>
  );
  const allowed = new Set(item?.allowedModels ?? []);
  const choices = [...new Set([...aliases, ...allowed])];
  return (
    <div className="space-y-4">
      <div className="grid gap-4 sm:grid-cols-2">
        <Field id={`${idPrefix}-name`} label="Key name" error={errors.name}>
          <input
            {...describedBy(`${idPrefix}-name`, false, errors.name)}
            name="name"
            required
            maxLength={100}
            defaultValue={item?.name}
            placeholder="backend production"
            className={inputClass}
          />
        </Field>
        <Field
          id={`${idPrefix}-expiresAt`}
          label="Expires (optional)"
          hint="The key stops working at the end of this day."
          error={errors.expiresAt}
        >
          <input
            {...describedBy(`${idPrefix}-expiresAt`, true, errors.expiresAt)}
            name="expiresAt"
            type="date"
            defaultValue={dateInputValue(item?.expiresAt ?? null)}
            className={inputClass}
          />
        </Field>
      </div>
      <fieldset className="space-y-2">
        <legend className="text-sm font-medium text-slate-800">Allowed models</legend>
        {choices.length === 0 ? (
          <p className="text-xs text-slate-500">No routes yet: the key may use every route.</p>
        ) : (
          <div className="flex flex-wrap gap-x-4 gap-y-2">
            {choices.map((alias) => (
              <label key={alias} className="flex items-center gap-2 text-sm text-slate-800">
                <input
                  type="checkbox"
                  name="allowedModels"
                  value={alias}
                  defaultChecked={allowed.has(alias)}
                  className="h-4 w-4 rounded border-slate-300 text-indigo-600"
                />
                <span className="font-mono">{alias}</span>
              </label>
            ))}
          </div>
        )}
        <p className="text-xs text-slate-500">None checked: every route of the workspace.</p>
        {errors.allowedModels ? (
          <p className="text-xs font-medium text-red-700">{errors.allowedModels}</p>
        ) : null}
      </fieldset>
      <div className="grid gap-4 sm:grid-cols-3">
        {number("rpmLimit", "Requests per minute", item?.limits.rpm)}
        {number("tpmLimit", "Tokens per minute", item?.limits.tpm)}
        {number("parallelLimit", "Parallel requests", item?.limits.parallel)}
      </div>
      <div className="grid gap-4 sm:grid-cols-3">
        <Field
          id={`${idPrefix}-budgetUsd`}
          label="Budget (USD)"
          hint="Never overspent: see how below."
          error={errors.budgetUsd}
        >
          <input
            {...describedBy(`${idPrefix}-budgetUsd`, true, errors.budgetUsd)}
            name="budgetUsd"
            inputMode="decimal"
            placeholder="No budget"
            defaultValue={item?.budget?.amountUsd ?? ""}
            className={inputClass}
          />
        </Field>
        <Field id={`${idPrefix}-budgetPeriod`} label="Budget period" error={errors.budgetPeriod}>
          <select
            {...describedBy(`${idPrefix}-budgetPeriod`, false, errors.budgetPeriod)}
            name="budgetPeriod"
            defaultValue={item?.budget?.period ?? ""}
            className={inputClass}
          >
            <option value="">No budget</option>
            {BudgetPeriodSchema.options.map((period) => (
              <option key={period} value={period}>
                {period}
              </option>
            ))}
          </select>
        </Field>
        {number(
          "budgetAlertThresholdPct",
          "Alert at (% of budget)",
          item?.budget?.alertThresholdPct,
        )}
      </div>
      <BudgetRule />
    </div>
  );
}

function CreateKeyForm({
  workspaceId,
  aliases,
  onCreated,
}: {
  workspaceId: string;
  aliases: string[];
  onCreated: (name: string, secret: string, allowedModels: string[]) => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formKey, setFormKey] = useState(0);
  const create = useMutation(trpc.key.create.mutationOptions());

  return (
    <section aria-labelledby="create-key-heading" className="space-y-3">
      <h2 id="create-key-heading" className="text-lg font-semibold text-slate-900">
        Create a key
      </h2>
      <form
        key={formKey}
        noValidate
        className="space-y-4 rounded-lg border border-slate-200 bg-white p-4 sm:p-5"
        onSubmit={(event) => {
          event.preventDefault();
          const input = readSettings(new FormData(event.currentTarget));
          const parsed = CreateKeySchema.safeParse(input);
          if (!parsed.success) {
            setErrors(fieldErrors(parsed.error.issues));
            return;
          }
          setErrors({});
          create.mutate(
            { workspaceId, ...input },
            {
              onSuccess: async (result) => {
                onCreated(result.key.name, result.secret, result.key.allowedModels);
                // the secret lives on only in the one-time dialog
                create.reset();
                setFormKey((k) => k + 1);
                await queryClient.invalidateQueries({ queryKey: trpc.key.list.queryKey() });
              },
            },
          );
        }}
      >
        {create.error ? <FormAlert>{errorMessage(create.error)}</FormAlert> : null}
        <KeySettingsFields idPrefix="new-key" aliases={aliases} errors={errors} />
        <button type="submit" className={primaryButtonClass} disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create key"}
        </button>
      </form>
    </section>
  );
}

function EditKeyForm({
  workspaceId,
  item,
  aliases,
  onDone,
}: {
  workspaceId: string;
  item: KeyItem;
  aliases: string[];
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const update = useMutation(
    trpc.key.update.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.key.list.queryKey() });
        onDone();
      },
    }),
  );
  return (
    <form
      noValidate
      className="space-y-4 rounded-md border border-slate-200 bg-slate-50 p-4"
      onSubmit={(event) => {
        event.preventDefault();
        const input = { keyId: item.id, ...readSettings(new FormData(event.currentTarget)) };
        const parsed = UpdateKeySchema.safeParse(input);
        if (!parsed.success) {
          setErrors(fieldErrors(parsed.error.issues));
          return;
        }
        const problem = budgetProblem({
          budgetUsd: parsed.data.budgetUsd ?? null,
          budgetPeriod: parsed.data.budgetPeriod ?? null,
        });
        if (problem) {
          setErrors({ budgetPeriod: problem });
          return;
        }
        setErrors({});
        update.mutate({ workspaceId, ...input });
      }}
    >
      {update.error ? <FormAlert>{errorMessage(update.error)}</FormAlert> : null}
      <KeySettingsFields
        idPrefix={`key-${item.id}`}
        aliases={aliases}
        errors={errors}
        item={item}
      />
      <div className="flex flex-wrap gap-2">
        <button type="submit" className={primaryButtonClass} disabled={update.isPending}>
          {update.isPending ? "Saving…" : "Save changes"}
        </button>
        <button type="button" className={secondaryButtonClass} onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
