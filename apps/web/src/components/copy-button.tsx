"use client";

import { useState } from "react";
import { secondaryButtonClass } from "./form-controls";

/** Copies `value` to the clipboard and says so (for a screen reader too). */
export function CopyButton({ value, label = "Copy" }: { value: string; label?: string }) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  return (
    <button
      type="button"
      className={secondaryButtonClass}
      onClick={() => {
        navigator.clipboard.writeText(value).then(
          () => setState("copied"),
          () => setState("failed"),
        );
      }}
    >
      <span aria-live="polite">
        {state === "copied"
          ? "Copied"
          : state === "failed"
            ? "Copy failed: select the text"
            : label}
      </span>
    </button>
  );
}
