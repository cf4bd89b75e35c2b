"use client";

import { useMutation, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import { templatePlaceholders } from "@gatehouse/shared";
import {
  describedBy,
  errorMessage,
  Field,
  FormAlert,
  inputClass,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import { parseParamsText, PromptVersionInputSchema } from "~/lib/prompt-schemas";
import type { PromptVersionView } from "~/server/routers/prompt";
import { useTRPC } from "~/trpc/react";
import { compactInput } from "../compact-input";

type Role = "system" | "user" | "assistant";
interface VariableState {
  required: boolean;
  value: string;
}

/**
 * Writes a new version, starting from an existing one. Variables follow the placeholders in
 * the messages (declared == used, as the server checks); each is required or has a default.
 */
export function VersionEditor({
  workspaceId,
  promptId,
  base,
  onSaved,
}: {
  workspaceId: string;
  promptId: string;
  base: PromptVersionView;
  onSaved: (version: number, from: number) => void | Promise<void>;
}) {
  const trpc = useTRPC();
  const { data: routes } = useSuspenseQuery(trpc.route.list.queryOptions({ workspaceId }));
  const [messages, setMessages] = useState(base.messages.map((m) => ({ ...m })));
  const [variables, setVariables] = useState<Record<string, VariableState>>(() =>
    Object.fromEntries(
      base.variables.map((v) => [v.name, { required: v.default === null, value: v.default ?? "" }]),
    ),
  );
  const [model, setModel] = useState(base.model ?? "");
  const [paramsText, setParamsText] = useState(
    Object.keys(base.params).length > 0 ? JSON.stringify(base.params, null, 2) : "",
  );
  const [commitMessage, setCommitMessage] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});

  const save = useMutation(
    trpc.prompt.saveVersion.mutationOptions({
      onSuccess: (saved) => onSaved(saved.version, base.version),
    }),
  );

  const names = templatePlaceholders(messages);
  const variableOf = (name: string) => variables[name] ?? { required: true, value: "" };
  const setVariable = (name: string, next: VariableState) =>
    setVariables((all) => ({ ...all, [name]: next }));
  const setMessage = (index: number, change: Partial<{ role: Role; content: string }>) =>
    setMessages((all) => all.map((m, i) => (i === index ? { ...m, ...change } : m)));

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const params = parseParamsText(paramsText);
    if (!params.ok) {
      setErrors({ params: params.error });
      return;
    }
    const parsed = PromptVersionInputSchema.safeParse({
      messages,
      variables: names.map((name) => {
        const v = variableOf(name);
        return { name, default: v.required ? null : v.value };
      }),
      model: model || null,
      params: params.value,
      commitMessage: commitMessage.trim() || null,
    });
    if (!parsed.success) {
      const next: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const key = String(issue.path[0] ?? "form");
        next[key] ??=
          `${issue.path.slice(1).join(".")}${issue.path.length > 1 ? ": " : ""}${issue.message}`;
      }
      setErrors(next);
      return;
    }
    setErrors({});
    save.mutate({ workspaceId, promptId, version: parsed.data });
  };

  return (
    <section aria-labelledby="editor-heading" className="space-y-3">
      <h2 id="editor-heading" className="text-lg font-semibold text-slate-900">
        Edit (saves v-next, starting from v{base.version})
      </h2>
      <form
        onSubmit={submit}
        noValidate
        className="space-y-5 rounded-lg border border-slate-200 bg-white p-4 sm:p-5"
        aria-label="Prompt editor"
      >
        <fieldset className="space-y-3">
          <legend className="text-sm font-medium text-slate-800">Messages</legend>
          {messages.map((message, index) => (
            <div key={index} className="space-y-2 rounded-md border border-slate-200 p-3">
              <div className="flex flex-wrap items-center gap-2">
                <label htmlFor={`message-role-${index}`} className="sr-only">
                  Role of message {index + 1}
                </label>
                <select
                  id={`message-role-${index}`}
                  className={compactInput("w-36")}
                  value={message.role}
                  onChange={(e) => setMessage(index, { role: e.target.value as Role })}
                >
                  <option value="system">system</option>
                  <option value="user">user</option>
                  <option value="assistant">assistant</option>
                </select>
                <button
                  type="button"
                  className={secondaryButtonClass}
                  disabled={messages.length === 1}
                  onClick={() => setMessages((all) => all.filter((_, i) => i !== index))}
                >
                  Remove
                </button>
              </div>
              <label htmlFor={`message-content-${index}`} className="sr-only">
                Content of message {index + 1}
              </label>
              <textarea
                id={`message-content-${index}`}
                className={`${inputClass} min-h-28 font-mono`}
                value={message.content}
                onChange={(e) => setMessage(index, { content: e.target.value })}
              />
            </div>
          ))}
          <button
            type="button"
            className={secondaryButtonClass}
            onClick={() => setMessages((all) => [...all, { role: "user", content: "" }])}
          >
            Add message
          </button>
          {errors.messages ? (
            <p className="text-xs font-medium text-red-700">{errors.messages}</p>
          ) : null}
        </fieldset>

        <fieldset className="space-y-2">
          <legend className="text-sm font-medium text-slate-800">Variables</legend>
          {names.length === 0 ? (
            <p className="text-sm text-slate-500">
              No <code>{"{{placeholders}}"}</code> in the messages.
            </p>
          ) : (
            <ul className="space-y-2">
              {names.map((name) => {
                const v = variableOf(name);
                return (
                  <li key={name} className="flex flex-wrap items-center gap-x-3 gap-y-1">
                    <span className="w-32 truncate font-mono text-sm text-slate-900">{name}</span>
                    <label className="flex items-center gap-1.5 text-sm text-slate-700">
                      <input
                        type="checkbox"
                        checked={v.required}
                        onChange={(e) => setVariable(name, { ...v, required: e.target.checked })}
                      />
                      required
                    </label>
                    {!v.required ? (
                      <>
                        <label htmlFor={`default-${name}`} className="sr-only">
                          Default of {name}
                        </label>
                        <input
                          id={`default-${name}`}
                          className={compactInput("w-56 max-w-full")}
                          placeholder="default value"
                          value={v.value}
                          onChange={(e) => setVariable(name, { ...v, value: e.target.value })}
                        />
                      </>
                    ) : null}
                  </li>
                );
              })}
            </ul>
          )}
          {errors.variables ? (
            <p className="text-xs font-medium text-red-700">{errors.variables}</p>
          ) : null}
        </fieldset>

        <div className="grid gap-4 sm:grid-cols-2">
          <Field id="editor-model" label="Model" error={errors.model}>
            <select
              {...describedBy("editor-model", false, errors.model)}
              className={inputClass}
              value={model}
              onChange={(e) => setModel(e.target.value)}
            >
              <option value="">(the client names the model)</option>
              {model && !routes.some((r) => r.alias === model) ? (
                <option value={model}>{model} (no such route)</option>
              ) : null}
              {routes.map((route) => (
                <option key={route.id} value={route.alias}>
                  {route.alias}
                </option>
              ))}
            </select>
          </Field>
          <Field
            id="editor-params"
            label="Parameters (JSON)"
            hint="temperature, max_tokens, top_p, stop, response_format, tools… The client's own values win."
            error={errors.params}
          >
            <textarea
              {...describedBy("editor-params", true, errors.params)}
              className={`${inputClass} min-h-20 font-mono`}
              value={paramsText}
              placeholder='{"temperature": 0.2}'
              onChange={(e) => setParamsText(e.target.value)}
            />
          </Field>
        </div>
        <Field id="editor-commit" label="Commit message" error={errors.commitMessage}>
          <input
            {...describedBy("editor-commit", false, errors.commitMessage)}
            className={inputClass}
            value={commitMessage}
            placeholder="What changed, and why"
            onChange={(e) => setCommitMessage(e.target.value)}
          />
        </Field>
        {save.error ? <FormAlert>{errorMessage(save.error)}</FormAlert> : null}
        <button type="submit" className={primaryButtonClass} disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save as new version"}
        </button>
      </form>
    </section>
  );
}
