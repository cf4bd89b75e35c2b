"use client";

import type { CustomPattern, GuardrailPolicy } from "@gatehouse/shared";
import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useMemo, useRef, useState, type FormEvent, type ReactNode } from "react";
import { errorMessage, FormAlert, primaryButtonClass } from "~/components/form-controls";
import { GuardrailPolicyInputSchema, type GuardrailPolicyInput } from "~/lib/guardrail-schemas";
import { useTRPC } from "~/trpc/react";
import { CustomPatterns } from "./custom-patterns";
import { DenyList, denyListTerms } from "./deny-list";
import { workspaceDefaultLabel } from "./detector-names";
import { DetectorTable, type ActionMap } from "./detector-table";
import { errorsByPath, serverErrorsByPath } from "./form-errors";
import { TestBox } from "./test-box";

/** The workspace's policy form: switches, the detector table, own patterns, the test box. */
export function PolicyView({ workspaceId, canEdit }: { workspaceId: string; canEdit: boolean }) {
  const trpc = useTRPC();
  const { data } = useSuspenseQuery(trpc.guardrails.policy.queryOptions({ workspaceId }));
  return (
    <PolicyForm
      // the form keeps its own state after a save (it is what was saved); a reload shows
      // changes made elsewhere
      workspaceId={workspaceId}
      saved={data.policy}
      storedInvalid={data.storedInvalid}
      falsePositiveRate={data.heuristicFalsePositiveRate}
      canEdit={canEdit}
    />
  );
}

function PolicyForm({
  workspaceId,
  saved,
  storedInvalid,
  falsePositiveRate,
  canEdit,
}: {
  workspaceId: string;
  saved: GuardrailPolicy;
  storedInvalid: boolean;
  falsePositiveRate: number | null;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const update = useMutation(trpc.guardrails.update.mutationOptions());
  const [enabled, setEnabled] = useState(saved.enabled);
  const [scanResponses, setScanResponses] = useState(saved.scanResponses);
  const [actions, setActions] = useState<ActionMap>(saved.actions);
  const [patterns, setPatterns] = useState<CustomPattern[]>(saved.customPatterns);
  const [denyText, setDenyText] = useState(saved.denyList.join("\n"));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [justSaved, setJustSaved] = useState(false);

  const draft: GuardrailPolicyInput = {
    enabled,
    actions,
    customPatterns: patterns,
    denyList: denyListTerms(denyText),
    scanResponses,
  };
  // the test box scans the newest draft that is valid (a half-typed pattern is not)
  const lastValid = useRef<GuardrailPolicyInput>(draft);
  const draftJson = JSON.stringify(draft);
  const testPolicy = useMemo(() => {
    const parsed = GuardrailPolicyInputSchema.safeParse(JSON.parse(draftJson));
    if (parsed.success) lastValid.current = JSON.parse(draftJson) as GuardrailPolicyInput;
    return lastValid.current;
  }, [draftJson]);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setJustSaved(false);
    const parsed = GuardrailPolicyInputSchema.safeParse(draft);
    if (!parsed.success) {
      setErrors(errorsByPath(parsed.error.issues));
      return;
    }
    setErrors({});
    try {
      await update.mutateAsync({ workspaceId, ...draft });
      setJustSaved(true);
      await queryClient.invalidateQueries({ queryKey: trpc.guardrails.policy.queryKey() });
    } catch (error) {
      setErrors(serverErrorsByPath(error) ?? { form: errorMessage(error) });
    }
  }

  const setAction = (detector: keyof ActionMap, action: ActionMap[keyof ActionMap]) =>
    setActions((current) => {
      const next = { ...current };
      if (action === undefined) delete next[detector];
      else next[detector] = action;
      return next;
    });

  return (
    <div className="space-y-8">
      {storedInvalid ? (
        <FormAlert>
          The stored policy is not valid (edited outside the dashboard?), so the proxies keep the
          last valid one. Saving this form replaces it.
        </FormAlert>
      ) : null}
      <form onSubmit={onSubmit} noValidate className="space-y-8" aria-label="Guardrail policy">
        <fieldset disabled={!canEdit} className="min-w-0 space-y-8">
          <Section title="Scanning">
            <Switch
              id="guardrails-enabled"
              label="Scan requests before they reach a provider"
              checked={enabled}
              onChange={setEnabled}
              hint="Off: requests go out unchanged and nothing is recorded."
            />
            <Switch
              id="guardrails-responses"
              label="Scan answers too"
              checked={scanResponses}
              onChange={setScanResponses}
              hint="A secret in an answer is masked, or the stream is cut with an error event."
            />
          </Section>
          <Section title="Detectors">
            <DetectorTable
              actions={actions}
              inheritLabel="Default"
              inherited={workspaceDefaultLabel}
              onChange={setAction}
              disabled={!canEdit}
              falsePositiveRate={falsePositiveRate}
            />
          </Section>
          <Section title="Custom patterns">
            <CustomPatterns
              workspaceId={workspaceId}
              patterns={patterns}
              onChange={setPatterns}
              errors={errors}
              disabled={!canEdit}
            />
          </Section>
          <Section title="Deny list">
            <DenyList
              text={denyText}
              onChange={setDenyText}
              error={errors.denyList}
              disabled={!canEdit}
            />
          </Section>
        </fieldset>
        {errors.form ? <FormAlert>{errors.form}</FormAlert> : null}
        {Object.keys(errors).length > 0 && !errors.form ? (
          <FormAlert>Check the fields marked above.</FormAlert>
        ) : null}
        {canEdit ? (
          <div className="flex items-center gap-3">
            <button type="submit" className={primaryButtonClass} disabled={update.isPending}>
              {update.isPending ? "Saving…" : "Save policy"}
            </button>
            <span role="status" className="text-sm font-medium text-emerald-700">
              {justSaved ? "Saved. Every proxy applies it within a second." : ""}
            </span>
          </div>
        ) : (
          <p className="text-sm text-slate-600">Only owners and admins can change the policy.</p>
        )}
      </form>
      <Section title="Try it">
        <TestBox workspaceId={workspaceId} policy={testPolicy} />
      </Section>
    </div>
  );
}

function Section({ title, children }: { title: string; children: ReactNode }) {
  const id = `section-${title.toLowerCase().replace(/\W+/g, "-")}`;
  return (
    <section aria-labelledby={id} className="space-y-3">
      <h2 id={id} className="text-lg font-semibold text-slate-900">
        {title}
      </h2>
      <div className="space-y-4 rounded-lg border border-slate-200 bg-white p-4">{children}</div>
    </section>
  );
}

function Switch({
  id,
  label,
  hint,
  checked,
  onChange,
}: {
  id: string;
  label: string;
  hint: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
}) {
  return (
    <div className="space-y-1">
      <div className="flex items-center gap-3">
        <input
          id={id}
          type="checkbox"
          checked={checked}
          onChange={(e) => onChange(e.target.checked)}
          aria-describedby={`${id}-hint`}
          className="size-4 rounded border-slate-300 text-indigo-600"
        />
        <label htmlFor={id} className="text-sm font-medium text-slate-800">
          {label}
        </label>
      </div>
      <p id={`${id}-hint`} className="pl-7 text-xs text-slate-500">
        {hint}
      </p>
    </div>
  );
}
