"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { DEFAULT_PROMPT_LABEL, PromptLabelNameSchema } from "@gatehouse/shared";
import { ConfirmDialog } from "~/components/confirm-dialog";
import {
  dangerButtonClass,
  errorMessage,
  FormAlert,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import { useTRPC } from "~/trpc/react";
import { compactInput } from "../compact-input";
import { LabelChip } from "../label-chip";
import { Playground } from "./playground";
import { VersionDiff } from "./version-diff";
import { VersionEditor } from "./version-editor";
import { VersionUsage } from "./version-usage";

const dateTimeFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "short" });

export function PromptView({
  workspaceId,
  promptId,
  canEdit,
  proxyUrl,
}: {
  workspaceId: string;
  promptId: string;
  canEdit: boolean;
  proxyUrl: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const router = useRouter();
  const input = { workspaceId, promptId };
  const { data: prompt } = useSuspenseQuery(trpc.prompt.byId.queryOptions(input));
  const { data: versions } = useSuspenseQuery(trpc.prompt.versions.queryOptions(input));
  const [baseVersion, setBaseVersion] = useState<number | null>(null);
  const [diffPair, setDiffPair] = useState<[number, number] | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const refresh = () =>
    Promise.all([
      queryClient.invalidateQueries({ queryKey: trpc.prompt.byId.queryKey(input) }),
      queryClient.invalidateQueries({ queryKey: trpc.prompt.versions.queryKey(input) }),
      queryClient.invalidateQueries({ queryKey: trpc.prompt.list.queryKey() }),
    ]);

  const moveLabel = useMutation(
    trpc.prompt.moveLabel.mutationOptions({
      onSuccess: async (result) => {
        await refresh();
        setNotice(
          result.previousVersion === null
            ? `Label ${result.label} now points at v${result.version}.`
            : `Moved ${result.label} from v${result.previousVersion} to v${result.version}. The gateway serves it within a second.`,
        );
      },
    }),
  );
  const removeLabel = useMutation(
    trpc.prompt.removeLabel.mutationOptions({ onSuccess: () => refresh() }),
  );
  const deletePrompt = useMutation(
    trpc.prompt.delete.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.prompt.list.queryKey() });
        router.push(`/w/${workspaceId}/prompts`);
      },
    }),
  );

  const labelsByVersion = new Map<number, string[]>();
  for (const label of prompt.labels) {
    labelsByVersion.set(label.version, [...(labelsByVersion.get(label.version) ?? []), label.name]);
  }
  const production = prompt.labels.find((l) => l.name === DEFAULT_PROMPT_LABEL) ?? null;
  const latest = versions[0]!;
  const rollbackTarget =
    production === null ? null : (versions.find((v) => v.version < production.version) ?? null);
  const move = (label: string, versionId: string) => {
    setNotice(null);
    moveLabel.mutate({ ...input, label, versionId });
  };

  return (
    <div className="space-y-10">
      <div className="space-y-3">
        <p className="text-sm">
          <Link href={`/w/${workspaceId}/prompts`} className="text-indigo-700 hover:underline">
            ← All prompts
          </Link>
        </p>
        <div className="flex flex-wrap items-start justify-between gap-3">
          <div className="min-w-0 space-y-1">
            <h1 className="text-2xl font-bold tracking-tight break-words text-slate-900">
              {prompt.name}
            </h1>
            <p className="font-mono text-sm break-all text-slate-600">{prompt.slug}</p>
            {prompt.description ? (
              <p className="text-sm text-slate-600">{prompt.description}</p>
            ) : null}
          </div>
          <div className="flex flex-wrap gap-1.5" data-testid="prompt-labels">
            {prompt.labels.map((label) => (
              <LabelChip key={label.name} name={label.name} version={label.version} />
            ))}
            <LabelChip name="latest" version={latest.version} />
          </div>
        </div>
        <details className="rounded-md border border-slate-200 bg-white p-3 text-sm text-slate-700">
          <summary className="cursor-pointer font-medium text-slate-800">
            Call it from your application
          </summary>
          <pre className="mt-2 overflow-x-auto rounded bg-slate-900 p-3 text-xs text-slate-100">
            {`client = OpenAI(base_url="${proxyUrl}/v1", api_key="<virtual key>")
client.chat.completions.create(
    model="prompt:${prompt.slug}",          # or prompt:${prompt.slug}@staging, @${latest.version}
    extra_body={"variables": {${latest.variables.map((v) => `"${v.name}": "…"`).join(", ")}}},
    messages=[],                            # appended after the template's messages
)`}
          </pre>
          <p className="mt-2">
            Or fetch the version to render it yourself:{" "}
            <code className="break-all">
              GET {proxyUrl}/v1/prompts/{prompt.slug}?label=production
            </code>{" "}
            (ETag-cacheable).
          </p>
        </details>
      </div>

      {notice ? (
        <p
          role="status"
          className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-900"
        >
          {notice}
        </p>
      ) : null}
      {moveLabel.error ? <FormAlert>{errorMessage(moveLabel.error)}</FormAlert> : null}

      <section aria-labelledby="versions-heading" className="space-y-3">
        <div className="flex flex-wrap items-center justify-between gap-2">
          <h2 id="versions-heading" className="text-lg font-semibold text-slate-900">
            Versions
          </h2>
          {canEdit && rollbackTarget ? (
            <button
              type="button"
              className={secondaryButtonClass}
              disabled={moveLabel.isPending}
              onClick={() => move(DEFAULT_PROMPT_LABEL, rollbackTarget.id)}
            >
              Roll back production to v{rollbackTarget.version}
            </button>
          ) : null}
        </div>
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {versions.map((version) => {
            const labels = labelsByVersion.get(version.version) ?? [];
            const isProduction = labels.includes(DEFAULT_PROMPT_LABEL);
            return (
              <li
                key={version.id}
                className="space-y-2 p-4"
                data-testid={`version-${version.version}`}
              >
                <div className="flex flex-wrap items-baseline justify-between gap-2">
                  <div className="min-w-0">
                    <p className="font-medium text-slate-900">
                      v{version.version}
                      {version.commitMessage ? (
                        <span className="font-normal text-slate-700">
                          {" "}
                          · {version.commitMessage}
                        </span>
                      ) : null}
                    </p>
                    <p className="text-xs text-slate-500">
                      {dateTimeFormat.format(version.createdAt)}
                      {version.author ? ` by ${version.author.name ?? version.author.email}` : ""}
                      {" · "}
                      <span className="font-mono">{version.model ?? "model set by client"}</span>
                    </p>
                  </div>
                  <div className="flex flex-wrap gap-1.5">
                    {labels.map((name) => (
                      <LabelChip key={name} name={name} version={version.version} />
                    ))}
                  </div>
                </div>
                <div className="flex flex-wrap items-center gap-2">
                  {canEdit && !isProduction ? (
                    <button
                      type="button"
                      className={primaryButtonClass}
                      disabled={moveLabel.isPending}
                      onClick={() => move(DEFAULT_PROMPT_LABEL, version.id)}
                    >
                      Promote v{version.version} to production
                    </button>
                  ) : null}
                  {canEdit ? (
                    <button
                      type="button"
                      className={secondaryButtonClass}
                      onClick={() => {
                        setBaseVersion(version.version);
                        document.getElementById("editor-heading")?.scrollIntoView();
                      }}
                    >
                      Edit from v{version.version}
                    </button>
                  ) : null}
                  {version.version !== latest.version ? (
                    <button
                      type="button"
                      className={secondaryButtonClass}
                      onClick={() => {
                        setDiffPair([version.version, latest.version]);
                        document.getElementById("diff-heading")?.scrollIntoView();
                      }}
                    >
                      Compare with v{latest.version}
                    </button>
                  ) : null}
                  {canEdit ? (
                    <OtherLabelForm
                      pending={moveLabel.isPending}
                      onSubmit={(label) => move(label, version.id)}
                      version={version.version}
                    />
                  ) : null}
                </div>
              </li>
            );
          })}
        </ul>
        {canEdit && prompt.labels.some((l) => l.name !== DEFAULT_PROMPT_LABEL) ? (
          <div className="flex flex-wrap items-center gap-2 text-sm text-slate-600">
            Remove a label:
            {prompt.labels
              .filter((l) => l.name !== DEFAULT_PROMPT_LABEL)
              .map((label) => (
                <button
                  key={label.name}
                  type="button"
                  className={secondaryButtonClass}
                  disabled={removeLabel.isPending}
                  onClick={() => removeLabel.mutate({ ...input, label: label.name })}
                >
                  {label.name} ✕
                </button>
              ))}
          </div>
        ) : null}
      </section>

      {canEdit ? (
        <VersionEditor
          key={baseVersion ?? latest.version}
          workspaceId={workspaceId}
          promptId={promptId}
          base={versions.find((v) => v.version === (baseVersion ?? latest.version)) ?? latest}
          onSaved={async (saved, from) => {
            await refresh();
            setBaseVersion(null);
            setDiffPair([from, saved]);
            setNotice(
              `Saved v${saved}. Labels did not move: promote it to serve it in production.`,
            );
            document.getElementById("diff-heading")?.scrollIntoView();
          }}
        />
      ) : null}

      <VersionDiff
        key={diffPair ? diffPair.join("-") : "default"}
        workspaceId={workspaceId}
        promptId={promptId}
        versions={versions.map((v) => v.version)}
        initial={
          diffPair ?? [
            production !== null && production.version !== latest.version
              ? production.version
              : (versions[1]?.version ?? latest.version),
            latest.version,
          ]
        }
      />

      <Playground
        workspaceId={workspaceId}
        promptId={promptId}
        versions={versions}
        canRun={canEdit}
        initialVersion={production?.version ?? latest.version}
      />

      <VersionUsage workspaceId={workspaceId} promptId={promptId} />

      {canEdit ? (
        <section aria-labelledby="danger-heading" className="space-y-3">
          <h2 id="danger-heading" className="text-lg font-semibold text-slate-900">
            Delete
          </h2>
          <p className="text-sm text-slate-600">
            Deleting the prompt removes every version and label; calls to{" "}
            <code>prompt:{prompt.slug}</code> then fail with 404. Its request history stays.
          </p>
          <button
            type="button"
            className={dangerButtonClass}
            onClick={() => setConfirmDelete(true)}
          >
            Delete prompt
          </button>
        </section>
      ) : null}
      {confirmDelete ? (
        <ConfirmDialog
          title={`Delete ${prompt.name}?`}
          confirmLabel="Delete prompt"
          pending={deletePrompt.isPending}
          error={deletePrompt.error ? errorMessage(deletePrompt.error) : null}
          onConfirm={() => deletePrompt.mutate(input)}
          onCancel={() => setConfirmDelete(false)}
        >
          Applications calling <code>prompt:{prompt.slug}</code> will get errors.
        </ConfirmDialog>
      ) : null}
    </div>
  );
}

/** Points another label (staging, canary…) at a version. */
function OtherLabelForm({
  version,
  pending,
  onSubmit,
}: {
  version: number;
  pending: boolean;
  onSubmit: (label: string) => void;
}) {
  const [label, setLabel] = useState("");
  const [error, setError] = useState<string | null>(null);
  const id = `label-input-${version}`;
  return (
    <form
      className="flex flex-wrap items-center gap-2"
      onSubmit={(event) => {
        event.preventDefault();
        const parsed = PromptLabelNameSchema.safeParse(label);
        if (!parsed.success) {
          setError(parsed.error.issues[0]?.message ?? "invalid label");
          return;
        }
        setError(null);
        onSubmit(parsed.data);
        setLabel("");
      }}
    >
      <label htmlFor={id} className="sr-only">
        Label for v{version}
      </label>
      <input
        id={id}
        className={compactInput("w-32")}
        placeholder="staging"
        value={label}
        onChange={(e) => setLabel(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={error ? `${id}-error` : undefined}
      />
      <button type="submit" className={secondaryButtonClass} disabled={pending || label === ""}>
        Set label
      </button>
      {error ? (
        <span id={`${id}-error`} className="text-xs font-medium text-red-700">
          {error}
        </span>
      ) : null}
    </form>
  );
}
