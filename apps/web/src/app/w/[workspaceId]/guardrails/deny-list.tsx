"use client";

import { inputClass } from "~/components/form-controls";

/** Exact terms (one per line, matched case-insensitively) reported as the `deny_list` detector. */
export function DenyList({
  text,
  onChange,
  error,
  disabled,
}: {
  /** the textarea's content: one term per line */
  text: string;
  onChange: (text: string) => void;
  error: string | undefined;
  disabled: boolean;
}) {
  const terms = denyListTerms(text);
  return (
    <div className="space-y-1.5">
      <label htmlFor="deny-list" className="block text-sm font-medium text-slate-800">
        Deny list
      </label>
      <textarea
        id="deny-list"
        rows={4}
        className={`${inputClass} font-mono`}
        value={text}
        disabled={disabled}
        placeholder={"Project Falcon\nacme-internal.example"}
        aria-describedby="deny-list-hint"
        aria-invalid={error ? true : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      <p id="deny-list-hint" className="text-xs text-slate-500">
        One term per line, matched case-insensitively; {terms.length} term
        {terms.length === 1 ? "" : "s"}. What happens to them is the &ldquo;Deny-list terms&rdquo;
        row above.
      </p>
      {error ? <p className="text-xs font-medium text-red-700">{error}</p> : null}
    </div>
  );
}

export function denyListTerms(text: string): string[] {
  return text
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line.length > 0);
}
