import {
  Masker,
  PROMPT_INJECTION_FALSE_POSITIVE_RATE,
  previewGuardrails,
  redactPlaceholder,
} from "@gatehouse/shared/guardrails";
import type {
  Detector,
  GuardrailAction,
  GuardrailFinding,
  GuardrailKeyOverride,
  GuardrailPolicy,
} from "@gatehouse/shared";

/**
 * The test box's scan: `previewGuardrails` is the detector library's own entry for it, the
 * same scanner and masker the proxy runs on each request. Added here: what each hit is sent
 * as, for the table under the box.
 */

export interface TestHit {
  detector: Detector;
  action: GuardrailAction;
  /** the span in the tested text (the browser shows the text it sent; nothing is echoed) */
  start: number;
  end: number;
  /** `[EMAIL_1]`, `[REDACTED_EMAIL]`, or null when the text stays (log, block) */
  replacement: string | null;
}

export interface TestTextResult {
  /** what the provider would be sent */
  output: string;
  hits: TestHit[];
  /** detectors whose `block` would refuse the request before any provider call */
  blockedBy: string[];
  findings: GuardrailFinding[];
  /** custom patterns the scanner left out (names): saved before today's checks, or edited */
  rejectedPatterns: string[];
}

export function testText(
  text: string,
  policy: GuardrailPolicy,
  override: GuardrailKeyOverride | null,
): TestTextResult {
  const preview = previewGuardrails(policy, text, { override });
  // the masker numbers placeholders in hit order: replaying the hits gives each one's
  const masker = new Masker((placeholder) => text.includes(placeholder));
  const hits = preview.hits.map((hit): TestHit => {
    const value = text.slice(hit.start, hit.end);
    const replacement =
      hit.action === "mask"
        ? masker.placeholderFor(hit.label, value)
        : hit.action === "redact"
          ? redactPlaceholder(hit.label)
          : null;
    return {
      detector: hit.detector,
      action: hit.action,
      start: hit.start,
      end: hit.end,
      replacement,
    };
  });
  return {
    output: preview.text,
    hits,
    blockedBy: [...preview.blockedBy],
    findings: [...preview.findings],
    rejectedPatterns: [...preview.rejectedPatterns],
  };
}

/** The prompt-injection heuristic's false-positive rate on the library's look-alike corpus. */
export function heuristicFalsePositiveRate(): number | null {
  return Number.isFinite(PROMPT_INJECTION_FALSE_POSITIVE_RATE)
    ? PROMPT_INJECTION_FALSE_POSITIVE_RATE
    : null;
}
