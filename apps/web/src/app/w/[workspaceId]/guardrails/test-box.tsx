"use client";

import { useMutation } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { errorMessage, FormAlert, inputClass } from "~/components/form-controls";
import {
  MAX_TEST_TEXT,
  type GuardrailPolicyInput,
  type KeyOverrideActions,
} from "~/lib/guardrail-schemas";
import { useTRPC } from "~/trpc/react";
import { ACTION_NAMES, detectorName } from "./detector-names";

/**
 * "Test this text": the text is scanned on the server by the proxy's own detector library,
 * with the policy as it stands in the form (saved or not) and, on a key's page, the workspace's
 * saved policy with the key's override as it stands in that form. Shows what the provider would
 * be sent, what was found, and whether the request would be refused. Nothing is stored.
 */
export function TestBox({
  workspaceId,
  policy,
  keyId,
  override,
}: {
  workspaceId: string;
  /** the form's unsaved policy; undefined = the saved one */
  policy?: GuardrailPolicyInput;
  keyId?: string;
  /** the key form's unsaved override actions; undefined = the key's saved override */
  override?: KeyOverrideActions;
}) {
  const trpc = useTRPC();
  const test = useMutation(trpc.guardrails.test.mutationOptions());
  const [text, setText] = useState(
    "Hi, I'm Ada (ada@example.com, +44 20 7946 0958). Our key is AKIAIOSFODNN7EXAMPLE.",
  );
  const draftKey = JSON.stringify({ policy: policy ?? null, override: override ?? null });
  const { mutate } = test;
  // scans once typing (or a draft) pauses; a newer scan replaces the older answer
  useEffect(() => {
    if (text.length > MAX_TEST_TEXT) return;
    const draft = JSON.parse(draftKey) as {
      policy: GuardrailPolicyInput | null;
      override: KeyOverrideActions | null;
    };
    const timer = setTimeout(
      () =>
        mutate({
          workspaceId,
          text,
          keyId,
          policy: draft.policy ?? undefined,
          override: draft.override ? { actions: draft.override } : undefined,
        }),
      350,
    );
    return () => clearTimeout(timer);
    // draftKey (the drafts' JSON) stands for them: a new object per render is no change
  }, [text, draftKey, workspaceId, keyId, mutate]);

  const result = test.data;
  return (
    <div className="space-y-3" data-testid="test-box">
      <div className="space-y-1.5">
        <label htmlFor="test-text" className="block text-sm font-medium text-slate-800">
          Test this text
        </label>
        <textarea
          id="test-text"
          rows={4}
          className={inputClass}
          value={text}
          maxLength={MAX_TEST_TEXT}
          onChange={(e) => setText(e.target.value)}
        />
        <p className="text-xs text-slate-500">
          {keyId === undefined
            ? "Scanned with the policy above, unsaved changes included."
            : override === undefined
              ? "Scanned with the workspace's saved policy and this key's saved override."
              : "Scanned with the workspace's saved policy and this key's override as set above, unsaved changes included."}{" "}
          The text is not stored or logged.
        </p>
      </div>
      {test.error ? <FormAlert>{errorMessage(test.error)}</FormAlert> : null}
      {result ? (
        <div className="space-y-3 rounded-md border border-slate-200 bg-slate-50 p-3 text-sm">
          {!result.enabled ? (
            <p className="text-amber-800" data-testid="test-disabled">
              Guardrails are off for this workspace: requests go out unchanged today. With them on:
            </p>
          ) : null}
          {result.blockedBy.length > 0 ? (
            <p className="font-medium text-red-800" role="status" data-testid="test-blocked">
              Blocked: this request would be refused before any provider call (
              {result.blockedBy.map(detectorName).join(", ")}).
            </p>
          ) : (
            <div className="space-y-1">
              <p className="text-xs font-medium text-slate-600">What the provider would see</p>
              <pre
                className="whitespace-pre-wrap break-words rounded bg-white p-2 font-mono text-xs text-slate-900"
                data-testid="test-output"
              >
                {result.output}
              </pre>
            </div>
          )}
          <Findings text={text} hits={result.hits} />
        </div>
      ) : null}
    </div>
  );
}

function Findings({
  text,
  hits,
}: {
  text: string;
  hits: ReadonlyArray<{
    detector: string;
    action: keyof typeof ACTION_NAMES;
    start: number;
    end: number;
    replacement: string | null;
  }>;
}) {
  if (hits.length === 0) return <p className="text-slate-600">Nothing found.</p>;
  return (
    <table className="min-w-full text-xs" data-testid="test-findings">
      <thead>
        <tr className="text-left text-slate-500">
          <th className="py-1 pr-3 font-medium">Found</th>
          <th className="py-1 pr-3 font-medium">Detector</th>
          <th className="py-1 pr-3 font-medium">Action</th>
          <th className="py-1 font-medium">Sent as</th>
        </tr>
      </thead>
      <tbody>
        {hits.map((hit, i) => (
          <tr key={i} className="border-t border-slate-200 align-top">
            <td className="py-1 pr-3 font-mono break-all text-slate-900">
              {text.slice(hit.start, hit.end)}
            </td>
            <td className="py-1 pr-3">{detectorName(hit.detector)}</td>
            <td className="py-1 pr-3">{ACTION_NAMES[hit.action]}</td>
            <td className="py-1 font-mono break-all">{hit.replacement ?? "unchanged"}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
