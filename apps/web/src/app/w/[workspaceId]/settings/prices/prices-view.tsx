"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import {
  Field,
  FormAlert,
  describedBy,
  errorMessage,
  fieldErrors,
  inputClass,
  primaryButtonClass,
  secondaryButtonClass,
  dangerButtonClass,
} from "~/components/form-controls";
import { Modal } from "~/components/modal";
import { microToUsdPerMTok, PriceOverrideInputSchema } from "~/lib/usage-schemas";
import { useTRPC } from "~/trpc/react";

interface Price {
  inputMicroUsdPerMTok: number;
  outputMicroUsdPerMTok: number;
  cachedInputMicroUsdPerMTok: number | null;
}

const show = (micro: number | null) => (micro === null ? "—" : `$${microToUsdPerMTok(micro)}`);

export function PricesView({ workspaceId, canEdit }: { workspaceId: string; canEdit: boolean }) {
  const trpc = useTRPC();
  const { data: prices } = useSuspenseQuery(trpc.prices.list.queryOptions({ workspaceId }));
  const [editing, setEditing] = useState<{ model: string; price: Price | null } | null>(null);
  const [filter, setFilter] = useState("");
  const queryClient = useQueryClient();
  const remove = useMutation(
    trpc.prices.deleteOverride.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries(trpc.prices.list.queryFilter({ workspaceId })),
    }),
  );
  const shown = prices.filter((p) => p.model.toLowerCase().includes(filter.trim().toLowerCase()));
  const overrides = prices.filter((p) => p.override).length;

  return (
    <div className="space-y-4">
      <div className="flex flex-wrap items-end justify-between gap-3">
        <div className="min-w-0 space-y-1.5">
          <label htmlFor="price-filter" className="block text-sm font-medium text-slate-800">
            Find a model
          </label>
          <input
            id="price-filter"
            className={inputClass}
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            placeholder="gpt-4o"
          />
        </div>
        <p className="text-sm text-slate-600">
          {prices.length} models · {overrides} overridden
        </p>
        {canEdit ? (
          <button
            type="button"
            className={primaryButtonClass}
            onClick={() => setEditing({ model: "", price: null })}
          >
            Override another model
          </button>
        ) : null}
      </div>
      {remove.error ? <FormAlert>{errorMessage(remove.error)}</FormAlert> : null}

      {/* relative: the sr-only header cell is absolutely positioned and would otherwise widen the page */}
      <div className="relative overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full divide-y divide-slate-200 text-sm" data-testid="price-table">
          <thead className="bg-slate-50 text-left text-xs font-medium uppercase tracking-wide text-slate-500">
            <tr>
              <th scope="col" className="px-3 py-2">
                Model
              </th>
              <th scope="col" className="px-3 py-2 text-right">
                Input / 1M
              </th>
              <th scope="col" className="px-3 py-2 text-right">
                Output / 1M
              </th>
              <th scope="col" className="px-3 py-2 text-right">
                Cached input / 1M
              </th>
              <th scope="col" className="px-3 py-2">
                Source
              </th>
              {canEdit ? (
                <th scope="col" className="px-3 py-2">
                  <span className="sr-only">Actions</span>
                </th>
              ) : null}
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {shown.map((p) => (
              <tr key={p.model} data-testid="price-row">
                <td className="whitespace-nowrap px-3 py-2 font-medium text-slate-900">
                  {p.model}
                  {p.provider ? (
                    <span className="ml-2 text-xs font-normal text-slate-500">{p.provider}</span>
                  ) : null}
                </td>
                <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums">
                  {show(p.effective.inputMicroUsdPerMTok)}
                </td>
                <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums">
                  {show(p.effective.outputMicroUsdPerMTok)}
                </td>
                <td className="whitespace-nowrap px-3 py-2 text-right tabular-nums">
                  {show(p.effective.cachedInputMicroUsdPerMTok)}
                </td>
                <td className="whitespace-nowrap px-3 py-2">
                  {p.override ? (
                    <span
                      className="rounded-full bg-amber-50 px-2 py-0.5 text-xs font-medium text-amber-800 ring-1 ring-inset ring-amber-600/20"
                      title={
                        p.builtin
                          ? `Built-in: ${show(p.builtin.inputMicroUsdPerMTok)} in, ${show(p.builtin.outputMicroUsdPerMTok)} out`
                          : "No built-in price"
                      }
                    >
                      override
                    </span>
                  ) : (
                    <span className="text-xs text-slate-500">built-in</span>
                  )}
                </td>
                {canEdit ? (
                  <td className="whitespace-nowrap px-3 py-2 text-right">
                    <div className="flex justify-end gap-2">
                      <button
                        type="button"
                        className={secondaryButtonClass}
                        aria-label={`Override the price of ${p.model}`}
                        onClick={() => setEditing({ model: p.model, price: p.effective })}
                      >
                        Override
                      </button>
                      {p.override ? (
                        <button
                          type="button"
                          className={dangerButtonClass}
                          aria-label={`Remove the override of ${p.model}`}
                          disabled={remove.isPending}
                          onClick={() => remove.mutate({ workspaceId, model: p.model })}
                        >
                          Reset
                        </button>
                      ) : null}
                    </div>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      {editing ? (
        <OverrideDialog
          workspaceId={workspaceId}
          model={editing.model}
          price={editing.price}
          onClose={() => setEditing(null)}
        />
      ) : null}
    </div>
  );
}

function OverrideDialog({
  workspaceId,
  model,
  price,
  onClose,
}: {
  workspaceId: string;
  model: string;
  price: Price | null;
  onClose: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({
    model,
    inputUsdPerMTok: price ? microToUsdPerMTok(price.inputMicroUsdPerMTok) : "",
    outputUsdPerMTok: price ? microToUsdPerMTok(price.outputMicroUsdPerMTok) : "",
    cachedInputUsdPerMTok:
      price?.cachedInputMicroUsdPerMTok != null
        ? microToUsdPerMTok(price.cachedInputMicroUsdPerMTok)
        : "",
  });
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation(
    trpc.prices.upsertOverride.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries(trpc.prices.list.queryFilter({ workspaceId }));
        onClose();
      },
    }),
  );
  const set = (field: keyof typeof form) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    const parsed = PriceOverrideInputSchema.safeParse(form);
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    save.mutate({ workspaceId, ...parsed.data });
  };

  return (
    <Modal
      title={model ? `Price of ${model}` : "Override a model's price"}
      onClose={onClose}
      labelledBy="price-dialog-title"
    >
      <form onSubmit={submit} noValidate className="space-y-4">
        {save.error ? <FormAlert>{errorMessage(save.error)}</FormAlert> : null}
        {model ? null : (
          <Field
            id="po-model"
            label="Model"
            hint="The model name clients send, or the upstream model id."
            error={errors.model}
          >
            <input
              className={inputClass}
              value={form.model}
              onChange={set("model")}
              {...describedBy("po-model", true, errors.model)}
            />
          </Field>
        )}
        <div className="grid gap-3 sm:grid-cols-3">
          <Field id="po-input" label="Input, $ per 1M tokens" error={errors.inputUsdPerMTok}>
            <input
              inputMode="decimal"
              className={inputClass}
              value={form.inputUsdPerMTok}
              onChange={set("inputUsdPerMTok")}
              {...describedBy("po-input", false, errors.inputUsdPerMTok)}
            />
          </Field>
          <Field id="po-output" label="Output, $ per 1M tokens" error={errors.outputUsdPerMTok}>
            <input
              inputMode="decimal"
              className={inputClass}
              value={form.outputUsdPerMTok}
              onChange={set("outputUsdPerMTok")}
              {...describedBy("po-output", false, errors.outputUsdPerMTok)}
            />
          </Field>
          <Field
            id="po-cached"
            label="Cached input, $ per 1M"
            hint="Empty: the input price."
            error={errors.cachedInputUsdPerMTok}
          >
            <input
              inputMode="decimal"
              className={inputClass}
              value={form.cachedInputUsdPerMTok}
              onChange={set("cachedInputUsdPerMTok")}
              {...describedBy("po-cached", true, errors.cachedInputUsdPerMTok)}
            />
          </Field>
        </div>
        <div className="flex justify-end gap-2">
          <button type="button" className={secondaryButtonClass} onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className={primaryButtonClass} disabled={save.isPending}>
            {save.isPending ? "Saving…" : "Save override"}
          </button>
        </div>
      </form>
    </Modal>
  );
}
