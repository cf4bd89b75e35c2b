import { inputClass } from "~/components/form-controls";

/** inputClass at a fixed width and a compact height, for controls inside a row. */
export function compactInput(width: string): string {
  return inputClass.replace("w-full", width).replace("py-2", "py-1.5");
}
