"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { templatePlaceholders } from "@gatehouse/shared";
import {
  describedBy,
  EmptyState,
  errorMessage,
  Field,
  FormAlert,
  inputClass,
  primaryButtonClass,
} from "~/components/form-controls";
import { CreatePromptSchema } from "~/lib/prompt-schemas";
import { useTRPC } from "~/trpc/react";
import { LabelChip } from "./label-chip";

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium" });

export function PromptsView({ workspaceId, canEdit }: { workspaceId: string; canEdit: boolean }) {
  const trpc = useTRPC();
  const { data: prompts } = useSuspenseQuery(trpc.prompt.list.queryOptions({ workspaceId }));

  return (
    <div className="space-y-8">
      <section aria-labelledby="prompt-list-heading" className="space-y-3">
        <h2 id="prompt-list-heading" className="text-lg font-semibold text-slate-900">
          All prompts
        </h2>
        {prompts.length === 0 ? (
          <EmptyState title="No prompts yet">
            {canEdit
              ? 'Create one below. Your application then sends model "prompt:<slug>" with its variables, and you can change the prompt here without a deploy.'
              : "Members of this workspace create prompts; viewers see them here."}
          </EmptyState>
        ) : (
          <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            {prompts.map((prompt) => (
              <li
                key={prompt.id}
                className="flex flex-wrap items-start justify-between gap-x-4 gap-y-2 p-4"
                data-testid="prompt-item"
              >
                <div className="min-w-0 space-y-1">
                  <Link
                    href={`/w/${workspaceId}/prompts/${prompt.id}`}
                    className="block truncate font-medium text-indigo-700 hover:underline"
                  >
                    {prompt.name}
                  </Link>
                  <p className="truncate text-sm text-slate-500">
                    <span className="font-mono">{prompt.slug}</span> · {prompt.versionCount}{" "}
                    {prompt.versionCount === 1 ? "version" : "versions"} · updated{" "}
                    {dateFormat.format(prompt.updatedAt)}
                  </p>
                  {prompt.description ? (
                    <p className="text-sm text-slate-600">{prompt.description}</p>
                  ) : null}
                </div>
                <div className="flex flex-wrap gap-1.5">
                  {prompt.labels.map((label) => (
                    <LabelChip key={label.name} name={label.name} version={label.version} />
                  ))}
                  {prompt.latest ? (
                    <LabelChip name="latest" version={prompt.latest.version} />
                  ) : null}
                </div>
              </li>
            ))}
          </ul>
        )}
      </section>
      {canEdit ? <CreatePromptForm workspaceId={workspaceId} /> : null}
    </div>
  );
}

function CreatePromptForm({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { data: routes } = useSuspenseQuery(trpc.route.list.queryOptions({ workspaceId }));
  const [slug, setSlug] = useState("");
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [model, setModel] = useState(routes[0]?.alias ?? "");
  const [system, setSystem] = useState("");
  const [user, setUser] = useState("");
  const [errors, setErrors] = useState<Record<string, string>>({});

  const create = useMutation(
    trpc.prompt.create.mutationOptions({
      onSuccess: async (prompt) => {
        await queryClient.invalidateQueries({ queryKey: trpc.prompt.list.queryKey() });
        router.push(`/w/${workspaceId}/prompts/${prompt.id}`);
      },
    }),
  );

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const messages = [
      ...(system.trim() ? [{ role: "system" as const, content: system }] : []),
      ...(user.trim() ? [{ role: "user" as const, content: user }] : []),
    ];
    const input = {
      slug,
      name,
      description: description.trim() || null,
      version: {
        messages,
        // every placeholder starts as a required variable; defaults are set in the editor
        variables: templatePlaceholders(messages).map((v) => ({ name: v, default: null })),
        model: model || null,
        params: {},
        commitMessage: "First version",
      },
    };
    const parsed = CreatePromptSchema.safeParse(input);
    if (!parsed.success) {
      const next: Record<string, string> = {};
      for (const issue of parsed.error.issues) {
        const key =
          issue.path[0] === "version" ? String(issue.path[1] ?? "version") : String(issue.path[0]);
        next[key] ??= issue.message;
      }
      if (next.messages) next.messages = "write at least a system or a user message";
      setErrors(next);
      return;
    }
    setErrors({});
    create.mutate({ workspaceId, ...parsed.data });
  };

  return (
    <section aria-labelledby="new-prompt-heading" className="space-y-3">
      <h2 id="new-prompt-heading" className="text-lg font-semibold text-slate-900">
        New prompt
      </h2>
      <form
        onSubmit={submit}
        noValidate
        className="space-y-4 rounded-lg border border-slate-200 bg-white p-4 sm:p-5"
      >
        <div className="grid gap-4 sm:grid-cols-2">
          <Field
            id="prompt-slug"
            label="Slug"
            hint={
              <>
                Clients call <code>prompt:{slug || "<slug>"}</code>
              </>
            }
            error={errors.slug}
          >
            <input
              {...describedBy("prompt-slug", true, errors.slug)}
              className={`${inputClass} font-mono`}
              value={slug}
              onChange={(e) => setSlug(e.target.value)}
              placeholder="support-reply"
              autoComplete="off"
            />
          </Field>
          <Field id="prompt-name" label="Name" error={errors.name}>
            <input
              {...describedBy("prompt-name", false, errors.name)}
              className={inputClass}
              value={name}
              onChange={(e) => setName(e.target.value)}
              placeholder="Support reply"
            />
          </Field>
        </div>
        <Field id="prompt-description" label="Description (optional)" error={errors.description}>
          <input
            {...describedBy("prompt-description", false, errors.description)}
            className={inputClass}
            value={description}
            onChange={(e) => setDescription(e.target.value)}
          />
        </Field>
        <Field
          id="prompt-model"
          label="Model"
          hint={
            routes.length === 0 ? (
              <>
                No routes yet:{" "}
                <Link href={`/w/${workspaceId}/routes`} className="underline">
                  add one
                </Link>{" "}
                so the prompt can be served.
              </>
            ) : (
              "The route alias the gateway sends this prompt to."
            )
          }
          error={errors.model}
        >
          <select
            {...describedBy("prompt-model", true, errors.model)}
            className={inputClass}
            value={model}
            onChange={(e) => setModel(e.target.value)}
          >
            <option value="">(the client names the model)</option>
            {routes.map((route) => (
              <option key={route.id} value={route.alias}>
                {route.alias}
              </option>
            ))}
          </select>
        </Field>
        <Field
          id="prompt-system"
          label="System message"
          hint="Use {{variable}} placeholders; the client sends their values in `variables`."
          error={errors.messages}
        >
          <textarea
            {...describedBy("prompt-system", true, errors.messages)}
            className={`${inputClass} min-h-24 font-mono`}
            value={system}
            onChange={(e) => setSystem(e.target.value)}
            placeholder="You are a friendly support agent for {{product}}."
          />
        </Field>
        <Field id="prompt-user" label="User message (optional)">
          <textarea
            id="prompt-user"
            className={`${inputClass} min-h-20 font-mono`}
            value={user}
            onChange={(e) => setUser(e.target.value)}
            placeholder="Customer question: {{question}}"
          />
        </Field>
        {create.error ? <FormAlert>{errorMessage(create.error)}</FormAlert> : null}
        <button type="submit" className={primaryButtonClass} disabled={create.isPending}>
          {create.isPending ? "Creating…" : "Create prompt"}
        </button>
      </form>
    </section>
  );
}
