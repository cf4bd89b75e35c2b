"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useEffect, useState, type FormEvent, type ReactNode } from "react";
import { BudgetPeriodSchema, formatUsd } from "@gatehouse/shared";
import { BudgetRule } from "~/components/budget-rule";
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
import { WorkspaceNameSchema, WorkspaceSettingsSchema } from "~/lib/workspace-schemas";
import { useTRPC } from "~/trpc/react";

function Saved({ show, children = "Saved." }: { show: boolean; children?: ReactNode }) {
  return (
    <span role="status" className="text-sm font-medium text-emerald-700">
      {show ? children : ""}
    </span>
  );
}

function Section({
  id,
  title,
  description,
  children,
}: {
  id: string;
  title: string;
  description?: ReactNode;
  children: ReactNode;
}) {
  return (
    <section aria-labelledby={`${id}-heading`} className="space-y-3">
      <div className="space-y-1">
        <h2 id={`${id}-heading`} className="text-lg font-semibold text-slate-900">
          {title}
        </h2>
        {description ? <p className="text-sm text-slate-600">{description}</p> : null}
      </div>
      <div className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">{children}</div>
    </section>
  );
}

export function RenameForm({
  workspaceId,
  name,
  slug,
  canManage,
}: {
  workspaceId: string;
  name: string;
  slug: string;
  canManage: boolean;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const rename = useMutation(trpc.workspace.rename.mutationOptions());
  const [error, setError] = useState<string | undefined>();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = WorkspaceNameSchema.safeParse(
      String(new FormData(event.currentTarget).get("name") ?? ""),
    );
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message);
      return;
    }
    setError(undefined);
    try {
      await rename.mutateAsync({ workspaceId, name: parsed.data });
      await queryClient.invalidateQueries({ queryKey: trpc.workspace.list.queryKey() });
      // the layout's heading and the header switcher show the name
      router.refresh();
    } catch (e) {
      setError(errorMessage(e));
    }
  }

  return (
    <Section id="general" title="General">
      <form onSubmit={onSubmit} noValidate className="space-y-3">
        <fieldset disabled={!canManage} className="min-w-0 space-y-3">
          <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
            <div className="min-w-0 flex-1">
              <Field
                id="settings-name"
                label="Workspace name"
                hint={
                  <>
                    Shown in the dashboard. The slug <span className="font-mono">{slug}</span> stays
                    the same.
                  </>
                }
                error={error}
              >
                <input
                  name="name"
                  type="text"
                  defaultValue={name}
                  maxLength={80}
                  required
                  className={inputClass}
                  {...describedBy("settings-name", true, error)}
                />
              </Field>
            </div>
            {canManage ? (
              <button
                type="submit"
                disabled={rename.isPending}
                className={`${primaryButtonClass} sm:mt-6`}
              >
                {rename.isPending ? "Renaming…" : "Rename"}
              </button>
            ) : null}
          </div>
        </fieldset>
        <Saved show={rename.isSuccess && !rename.isPending}>Renamed.</Saved>
      </form>
    </Section>
  );
}

/** "" → null, otherwise a number (NaN for junk, which the schema reports). */
function optionalNumber(value: FormDataEntryValue | null): number | null {
  const text = String(value ?? "").trim();
  return text === "" ? null : Number(text);
}

function optionalText(value: FormDataEntryValue | null): string | null {
  const text = String(value ?? "").trim();
  return text === "" ? null : text;
}

/** IANA zones for the time zone suggestions, read after mount (server and browser ICU differ). */
function useTimeZones(): string[] {
  const [zones, setZones] = useState<string[]>([]);
  useEffect(() => {
    const supported =
      typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
    setZones(["UTC", ...supported.filter((zone) => zone !== "UTC")]);
  }, []);
  return zones;
}

export function SettingsForm({
  workspaceId,
  canManage,
}: {
  workspaceId: string;
  canManage: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: settings } = useSuspenseQuery(
    trpc.workspace.settings.queryOptions({ workspaceId }),
  );
  const update = useMutation(trpc.workspace.updateSettings.mutationOptions());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const zones = useTimeZones();
  const [removeSecret, setRemoveSecret] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const secret = String(form.get("alertWebhookSecret") ?? "");
    const input = {
      timeZone: String(form.get("timeZone") ?? ""),
      payloadLogging: form.get("payloadLogging") === "on",
      retentionDays: Number(String(form.get("retentionDays") ?? "").trim() || Number.NaN),
      failMode: String(form.get("failMode") ?? ""),
      rpmLimit: optionalNumber(form.get("rpmLimit")),
      tpmLimit: optionalNumber(form.get("tpmLimit")),
      parallelLimit: optionalNumber(form.get("parallelLimit")),
      budgetUsd: optionalText(form.get("budgetUsd")),
      budgetPeriod: optionalText(form.get("budgetPeriod")),
      budgetAlertThresholdPct: optionalNumber(form.get("budgetAlertThresholdPct")),
      alertWebhookUrl: optionalText(form.get("alertWebhookUrl")),
      // write-only: empty keeps the current secret
      ...(removeSecret
        ? { alertWebhookSecret: null }
        : secret
          ? { alertWebhookSecret: secret }
          : {}),
    };
    const parsed = WorkspaceSettingsSchema.safeParse(input);
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    try {
      // the raw input: the server parses it with the same schema
      await update.mutateAsync({
        workspaceId,
        ...input,
        failMode: parsed.data.failMode,
        budgetPeriod: parsed.data.budgetPeriod,
      });
      await queryClient.invalidateQueries({
        queryKey: trpc.workspace.settings.queryKey({ workspaceId }),
      });
      setRemoveSecret(false);
      const secretInput = formElement.elements.namedItem("alertWebhookSecret");
      if (secretInput instanceof HTMLInputElement) secretInput.value = "";
    } catch (error) {
      setErrors({ form: errorMessage(error) });
    }
  }

  const budgetUsd =
    settings.budgetAmountNanoUsd === null ? "" : formatUsd(settings.budgetAmountNanoUsd).slice(1);
  const field = (id: string, hint = true) => describedBy(id, hint, errors[id]);

  return (
    <form onSubmit={onSubmit} noValidate className="space-y-10" aria-label="Workspace settings">
      <fieldset disabled={!canManage} className="min-w-0 space-y-10">
        <Section
          id="traffic"
          title="Traffic and logging"
          description="Budgets and daily charts follow the workspace time zone."
        >
          <Field
            id="timeZone"
            label="Time zone"
            hint="An IANA name such as Europe/Berlin or America/New_York. Daily budgets reset at midnight here."
            error={errors.timeZone}
          >
            <input
              name="timeZone"
              type="text"
              list="time-zones"
              defaultValue={settings.timeZone}
              autoComplete="off"
              className={inputClass}
              {...field("timeZone")}
            />
            <datalist id="time-zones">
              {zones.map((zone) => (
                <option key={zone} value={zone} />
              ))}
            </datalist>
          </Field>

          <div className="space-y-1.5">
            <div className="flex items-start gap-3">
              <input
                id="payloadLogging"
                name="payloadLogging"
                type="checkbox"
                defaultChecked={settings.payloadLogging}
                aria-describedby="payloadLogging-hint"
                className="mt-0.5 size-4 rounded border-slate-300 text-indigo-600"
              />
              <label htmlFor="payloadLogging" className="text-sm font-medium text-slate-800">
                Log request and response bodies
              </label>
            </div>
            <p id="payloadLogging-hint" className="pl-7 text-xs text-slate-500">
              Off by default. When on, prompts and answers are stored with each request log so you
              can inspect them; they may contain personal or confidential data.
            </p>
          </div>

          <Field
            id="retentionDays"
            label="Keep request logs for (days)"
            hint="Older request logs and bodies are deleted. Spend totals are kept."
            error={errors.retentionDays}
          >
            <input
              name="retentionDays"
              type="number"
              inputMode="numeric"
              min={1}
              max={3650}
              defaultValue={settings.retentionDays}
              className={`${inputClass} sm:max-w-[12rem]`}
              {...field("retentionDays")}
            />
          </Field>

          <fieldset className="min-w-0 space-y-2" aria-describedby="failMode-hint">
            <legend className="text-sm font-medium text-slate-800">
              When the limit store (Redis) cannot be reached
            </legend>
            <p id="failMode-hint" className="text-xs text-slate-500">
              The proxies check rate limits and budgets in Redis. If Redis is down they must choose
              between availability and enforcement.
            </p>
            {(
              [
                [
                  "closed",
                  "Fail closed (refuse requests)",
                  "Safest for spend: requests are refused with a 503 until Redis is back, so no budget or limit can be exceeded.",
                ],
                [
                  "open",
                  "Fail open (keep serving)",
                  "Best for availability: requests keep flowing without limit or budget checks until Redis is back; spend during the outage is still recorded.",
                ],
              ] as const
            ).map(([value, label, help]) => (
              <div key={value} className="flex items-start gap-3">
                <input
                  id={`failMode-${value}`}
                  name="failMode"
                  type="radio"
                  value={value}
                  defaultChecked={settings.failMode === value}
                  aria-describedby={`failMode-${value}-help`}
                  className="mt-0.5 size-4 border-slate-300 text-indigo-600"
                />
                <div>
                  <label
                    htmlFor={`failMode-${value}`}
                    className="text-sm font-medium text-slate-800"
                  >
                    {label}
                  </label>
                  <p id={`failMode-${value}-help`} className="text-xs text-slate-500">
                    {help}
                  </p>
                </div>
              </div>
            ))}
            {errors.failMode ? (
              <p className="text-xs font-medium text-red-700">{errors.failMode}</p>
            ) : null}
          </fieldset>
        </Section>

        <Section
          id="limits"
          title="Workspace limits"
          description="Shared by every key of the workspace, on top of each key's own limits. Leave a field empty for no limit."
        >
          <div className="grid gap-4 sm:grid-cols-3">
            <Field id="rpmLimit" label="Requests per minute" hint="RPM" error={errors.rpmLimit}>
              <input
                name="rpmLimit"
                type="number"
                inputMode="numeric"
                min={1}
                defaultValue={settings.rpmLimit ?? ""}
                className={inputClass}
                {...field("rpmLimit")}
              />
            </Field>
            <Field id="tpmLimit" label="Tokens per minute" hint="TPM" error={errors.tpmLimit}>
              <input
                name="tpmLimit"
                type="number"
                inputMode="numeric"
                min={1}
                defaultValue={settings.tpmLimit ?? ""}
                className={inputClass}
                {...field("tpmLimit")}
              />
            </Field>
            <Field
              id="parallelLimit"
              label="Parallel requests"
              hint="In flight at once"
              error={errors.parallelLimit}
            >
              <input
                name="parallelLimit"
                type="number"
                inputMode="numeric"
                min={1}
                defaultValue={settings.parallelLimit ?? ""}
                className={inputClass}
                {...field("parallelLimit")}
              />
            </Field>
          </div>
        </Section>

        <Section
          id="budget"
          title="Workspace budget"
          description="A hard cap on the workspace's spend per period, for every key. Leave the amount empty for no budget."
        >
          <div className="grid gap-4 sm:grid-cols-3">
            <Field
              id="budgetUsd"
              label="Budget (USD)"
              hint="e.g. 250 or 99.50"
              error={errors.budgetUsd}
            >
              <input
                name="budgetUsd"
                type="text"
                inputMode="decimal"
                defaultValue={budgetUsd}
                className={inputClass}
                {...field("budgetUsd")}
              />
            </Field>
            <Field
              id="budgetPeriod"
              label="Period"
              hint="Resets in the workspace time zone"
              error={errors.budgetPeriod}
            >
              <select
                name="budgetPeriod"
                defaultValue={settings.budgetPeriod ?? ""}
                className={`${inputClass} capitalize`}
                {...field("budgetPeriod")}
              >
                <option value="">No budget</option>
                {BudgetPeriodSchema.options.map((period) => (
                  <option key={period} value={period}>
                    {period}
                  </option>
                ))}
              </select>
            </Field>
            <Field
              id="budgetAlertThresholdPct"
              label="Alert at (% of budget)"
              hint="Sends the alert webhook once per period"
              error={errors.budgetAlertThresholdPct}
            >
              <input
                name="budgetAlertThresholdPct"
                type="number"
                inputMode="numeric"
                min={1}
                max={100}
                defaultValue={settings.budgetAlertThresholdPct ?? ""}
                className={inputClass}
                {...field("budgetAlertThresholdPct")}
              />
            </Field>
          </div>
          <BudgetRule />
        </Section>

        <Section
          id="alerts"
          title="Alert webhook"
          description={
            <>
              Budget alerts are POSTed as JSON to this URL. With a signing secret, each delivery
              carries an <code className="font-mono text-xs">x-gatehouse-signature</code> header (
              <code className="font-mono text-xs">
                t=&lt;unix time&gt;,v1=&lt;HMAC-SHA256 of &quot;t.body&quot;&gt;
              </code>
              ) so your endpoint can check it came from Gatehouse.
            </>
          }
        >
          <Field
            id="alertWebhookUrl"
            label="Webhook URL"
            hint="Leave empty to send no alerts."
            error={errors.alertWebhookUrl}
          >
            <input
              name="alertWebhookUrl"
              type="url"
              placeholder="https://hooks.example.com/gatehouse"
              defaultValue={settings.alertWebhookUrl ?? ""}
              className={inputClass}
              {...field("alertWebhookUrl")}
            />
          </Field>
          {canManage ? (
            <>
              <Field
                id="alertWebhookSecret"
                label="Signing secret"
                hint={
                  settings.hasAlertWebhookSecret
                    ? "A secret is set. It is stored encrypted and never shown again; type a new one to replace it, or leave empty to keep it."
                    : "Optional, at least 16 characters. Stored encrypted and never shown again."
                }
                error={errors.alertWebhookSecret}
              >
                <input
                  name="alertWebhookSecret"
                  type="password"
                  autoComplete="new-password"
                  disabled={removeSecret}
                  placeholder={settings.hasAlertWebhookSecret ? "•••••••• (set)" : ""}
                  className={inputClass}
                  {...field("alertWebhookSecret")}
                />
              </Field>
              {settings.hasAlertWebhookSecret ? (
                <div className="flex items-center gap-3">
                  <input
                    id="removeSecret"
                    type="checkbox"
                    checked={removeSecret}
                    onChange={(event) => setRemoveSecret(event.target.checked)}
                    className="size-4 rounded border-slate-300"
                  />
                  <label htmlFor="removeSecret" className="text-sm text-slate-800">
                    Remove the signing secret
                  </label>
                </div>
              ) : null}
            </>
          ) : (
            <p className="text-sm text-slate-600">
              Signing secret: {settings.hasAlertWebhookSecret ? "set" : "not set"}
            </p>
          )}
        </Section>
      </fieldset>

      {canManage ? (
        <div className="space-y-3">
          {errors.form ? <FormAlert>{errors.form}</FormAlert> : null}
          {Object.keys(errors).some((key) => key !== "form") ? (
            <FormAlert>Some settings need fixing; see the messages above.</FormAlert>
          ) : null}
          <div className="flex flex-wrap items-center gap-3">
            <button type="submit" disabled={update.isPending} className={primaryButtonClass}>
              {update.isPending ? "Saving…" : "Save settings"}
            </button>
            <Saved show={update.isSuccess && !update.isPending}>
              Settings saved and published to the proxies.
            </Saved>
          </div>
        </div>
      ) : null}
    </form>
  );
}

export function ResyncButton({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const resync = useMutation(trpc.config.resync.mutationOptions());
  return (
    <Section
      id="resync"
      title="Proxy configuration"
      description="Every change is published to the proxies as it is saved. If a proxy ever serves stale settings (for example after Redis lost its data), rebuild this workspace's configuration in Redis from the database."
    >
      {resync.error ? <FormAlert>{errorMessage(resync.error)}</FormAlert> : null}
      <div className="flex flex-wrap items-center gap-3">
        <button
          type="button"
          className={secondaryButtonClass}
          disabled={resync.isPending}
          onClick={() => resync.mutate({ workspaceId })}
        >
          {resync.isPending ? "Resyncing…" : "Resync configuration"}
        </button>
        <Saved show={resync.isSuccess && !resync.isPending}>Configuration republished.</Saved>
      </div>
    </Section>
  );
}
