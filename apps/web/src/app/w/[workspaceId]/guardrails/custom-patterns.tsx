"use client";

import type { CustomPattern, GuardrailAction } from "@gatehouse/shared";
import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { inputClass, secondaryButtonClass } from "~/components/form-controls";
import { patternSyntaxProblem } from "~/lib/guardrail-schemas";
import { useTRPC } from "~/trpc/react";
import { ACTION_NAMES, ACTIONS } from "./detector-names";

/**
 * A workspace's own patterns (`EMPLOYEE_ID` → `[EMPLOYEE_ID_1]`), each with its action. The
 * syntax is checked as it is typed; the server then proves the pattern cannot backtrack
 * catastrophically (the same check the save runs), and says why when it can.
 */
export function CustomPatterns({
  workspaceId,
  patterns,
  onChange,
  errors,
  disabled,
}: {
  workspaceId: string;
  patterns: CustomPattern[];
  onChange: (patterns: CustomPattern[]) => void;
  /** server errors by path, e.g. "customPatterns.0.pattern" */
  errors: Record<string, string>;
  disabled: boolean;
}) {
  const update = (index: number, change: Partial<CustomPattern>) =>
    onChange(patterns.map((p, i) => (i === index ? { ...p, ...change } : p)));
  return (
    <div className="space-y-3" data-testid="custom-patterns">
      {patterns.length === 0 ? (
        <p className="text-sm text-slate-600">
          No custom patterns. Add one for identifiers only your company uses (employee ids, ticket
          numbers, project code names).
        </p>
      ) : null}
      {patterns.map((pattern, index) => (
        <PatternRow
          key={index}
          workspaceId={workspaceId}
          index={index}
          pattern={pattern}
          onChange={(change) => update(index, change)}
          onRemove={() => onChange(patterns.filter((_, i) => i !== index))}
          errors={errors}
          disabled={disabled}
        />
      ))}
      {!disabled && patterns.length < 50 ? (
        <button
          type="button"
          className={secondaryButtonClass}
          onClick={() => onChange([...patterns, { name: "", pattern: "", action: "mask" }])}
        >
          Add a pattern
        </button>
      ) : null}
    </div>
  );
}

function PatternRow({
  workspaceId,
  index,
  pattern,
  onChange,
  onRemove,
  errors,
  disabled,
}: {
  workspaceId: string;
  index: number;
  pattern: CustomPattern;
  onChange: (change: Partial<CustomPattern>) => void;
  onRemove: () => void;
  errors: Record<string, string>;
  disabled: boolean;
}) {
  const id = `pattern-${index}`;
  const syntax = pattern.pattern ? patternSyntaxProblem(pattern.pattern) : null;
  const safety = useSafetyCheck(workspaceId, syntax ? "" : pattern.pattern);
  const nameError = errors[`customPatterns.${index}.name`];
  const patternError =
    syntax ??
    (safety && !safety.ok ? safety.message : undefined) ??
    errors[`customPatterns.${index}.pattern`];
  return (
    <fieldset
      className="grid gap-2 rounded-md border border-slate-200 p-3 sm:grid-cols-[10rem_1fr_8rem_auto]"
      data-testid={id}
    >
      <legend className="sr-only">Custom pattern {index + 1}</legend>
      <div className="space-y-1">
        <label htmlFor={`${id}-name`} className="text-xs font-medium text-slate-700">
          Name
        </label>
        <input
          id={`${id}-name`}
          className={inputClass}
          value={pattern.name}
          placeholder="EMPLOYEE_ID"
          disabled={disabled}
          aria-invalid={nameError ? true : undefined}
          onChange={(e) => onChange({ name: e.target.value.toUpperCase() })}
        />
        {nameError ? <p className="text-xs font-medium text-red-700">{nameError}</p> : null}
      </div>
      <div className="min-w-0 space-y-1">
        <label htmlFor={`${id}-pattern`} className="text-xs font-medium text-slate-700">
          Regular expression
        </label>
        <input
          id={`${id}-pattern`}
          className={`${inputClass} font-mono`}
          value={pattern.pattern}
          placeholder="\bEMP-\d{5}\b"
          disabled={disabled}
          spellCheck={false}
          aria-invalid={patternError ? true : undefined}
          aria-describedby={`${id}-pattern-status`}
          onChange={(e) => onChange({ pattern: e.target.value })}
        />
        <p id={`${id}-pattern-status`} className="text-xs" data-testid={`${id}-status`}>
          {patternError ? (
            <span className="font-medium text-red-700">{patternError}</span>
          ) : safety?.ok ? (
            <span className="text-emerald-700">Safe: matches in linear time.</span>
          ) : pattern.pattern ? (
            <span className="text-slate-500">Checking…</span>
          ) : null}
        </p>
      </div>
      <div className="space-y-1">
        <label htmlFor={`${id}-action`} className="text-xs font-medium text-slate-700">
          Action
        </label>
        <select
          id={`${id}-action`}
          className={inputClass}
          value={pattern.action}
          disabled={disabled}
          onChange={(e) => onChange({ action: e.target.value as GuardrailAction })}
        >
          {ACTIONS.map((action) => (
            <option key={action} value={action}>
              {ACTION_NAMES[action]}
            </option>
          ))}
        </select>
      </div>
      {!disabled ? (
        <button type="button" className={`${secondaryButtonClass} self-end`} onClick={onRemove}>
          Remove
        </button>
      ) : null}
    </fieldset>
  );
}

/** The server's ReDoS verdict for a pattern, asked once typing pauses. */
function useSafetyCheck(workspaceId: string, pattern: string) {
  const trpc = useTRPC();
  const [settled, setSettled] = useState(pattern);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(pattern), 400);
    return () => clearTimeout(timer);
  }, [pattern]);
  const query = useQuery({
    ...trpc.guardrails.checkPattern.queryOptions({ workspaceId, pattern: settled }),
    enabled: settled.length > 0 && settled === pattern,
    staleTime: Infinity,
  });
  return settled === pattern && pattern ? query.data : undefined;
}
