import type { Detector, GuardrailAction } from "../guardrail-policy";

/** One value a detector found: a span of the scanned text (never stored or logged). */
export interface Hit {
  readonly detector: Detector;
  /** the placeholder label: `EMAIL` → `[EMAIL_1]`, `[REDACTED_EMAIL]`; a custom pattern's name */
  readonly label: string;
  readonly start: number;
  readonly end: number;
  readonly action: GuardrailAction;
}

/** What a detector reports before the policy's action is attached. */
export interface RawHit {
  detector: Detector;
  label: string;
  start: number;
  end: number;
}

/** Where a text sits in a request: tool results get the stricter injection heuristic. */
export type TextKind = "text" | "tool_result";

/** A detector: appends what it finds in `text` to `out`. Pure, synchronous, no I/O. */
export type DetectorFn = (text: string, out: RawHit[], kind: TextKind) => void;
