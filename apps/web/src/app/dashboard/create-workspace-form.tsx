"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import {
  describedBy,
  errorMessage,
  Field,
  fieldErrors,
  FormAlert,
  inputClass,
  primaryButtonClass,
} from "~/components/form-controls";
import { CreateWorkspaceSchema } from "~/lib/workspace-schemas";
import { useTRPC } from "~/trpc/react";

/** Creates a workspace (the caller becomes its owner) and opens it. */
export function CreateWorkspaceForm() {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const create = useMutation(trpc.workspace.create.mutationOptions());
  const [errors, setErrors] = useState<Record<string, string>>({});

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const parsed = CreateWorkspaceSchema.safeParse({
      name: String(new FormData(event.currentTarget).get("name") ?? ""),
    });
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    try {
      const workspace = await create.mutateAsync(parsed.data);
      await queryClient.invalidateQueries({ queryKey: trpc.workspace.list.queryKey() });
      router.push(`/w/${workspace.id}`);
    } catch (error) {
      setErrors({ form: errorMessage(error) });
    }
  }

  return (
    <form
      onSubmit={onSubmit}
      noValidate
      className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
    >
      {errors.form ? <FormAlert>{errors.form}</FormAlert> : null}
      <div className="flex flex-col gap-3 sm:flex-row sm:items-start">
        <div className="min-w-0 flex-1">
          <Field
            id="workspace-name"
            label="Workspace name"
            hint="Usually your team or project. You become its owner and can invite others."
            error={errors.name}
          >
            <input
              name="name"
              type="text"
              maxLength={80}
              required
              placeholder="Acme platform team"
              className={inputClass}
              {...describedBy("workspace-name", true, errors.name)}
            />
          </Field>
        </div>
        <button
          type="submit"
          disabled={create.isPending || create.isSuccess}
          className={`${primaryButtonClass} sm:mt-6`}
        >
          {create.isPending || create.isSuccess ? "Creating…" : "Create workspace"}
        </button>
      </div>
    </form>
  );
}
