"use client";

import type { ReactNode } from "react";
import { dangerButtonClass, FormAlert, secondaryButtonClass } from "./form-controls";
import { Modal } from "./modal";

/** "Are you sure?" for destructive actions: Cancel has the focus first. */
export function ConfirmDialog({
  title,
  confirmLabel,
  pending,
  error,
  onConfirm,
  onCancel,
  children,
}: {
  title: string;
  confirmLabel: string;
  pending: boolean;
  error?: string | null;
  onConfirm: () => void;
  onCancel: () => void;
  children: ReactNode;
}) {
  return (
    <Modal title={title} onClose={onCancel} labelledBy="confirm-title">
      <div className="text-sm text-slate-700">{children}</div>
      {error ? <FormAlert>{error}</FormAlert> : null}
      <div className="flex flex-wrap justify-end gap-2">
        <button type="button" autoFocus className={secondaryButtonClass} onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className={dangerButtonClass} disabled={pending} onClick={onConfirm}>
          {pending ? "Working…" : confirmLabel}
        </button>
      </div>
    </Modal>
  );
}
