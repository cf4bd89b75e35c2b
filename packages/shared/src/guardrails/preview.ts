import type { GuardrailFinding, GuardrailKeyOverride, GuardrailPolicy } from "../guardrail-policy";
import { FindingTally, Masker } from "./masker";
import { GuardrailScanner } from "./scanner";
import type { Hit, TextKind } from "./types";

export interface GuardrailPreview {
  /** the text as the provider would get it (masked and redacted) */
  readonly text: string;
  /** spans in the original text, in order */
  readonly hits: readonly Hit[];
  readonly findings: readonly GuardrailFinding[];
  /** a detector whose `block` action would refuse the request */
  readonly blockedBy: readonly string[];
  /** custom patterns left out as invalid or unsafe */
  readonly rejectedPatterns: readonly string[];
}

/**
 * What a policy does to one text: the dashboard's "test this text" box, with exactly the code
 * the proxy runs on each request.
 */
export function previewGuardrails(
  policy: GuardrailPolicy,
  text: string,
  options: { override?: GuardrailKeyOverride | null; kind?: TextKind } = {},
): GuardrailPreview {
  // the preview shows what the detectors do even while the policy itself is switched off
  const scanner = new GuardrailScanner({ ...policy, enabled: true }, options.override ?? null);
  const hits = scanner.scan(text, options.kind ?? "text");
  const masker = new Masker((p) => text.includes(p));
  const tally = new FindingTally();
  tally.add(hits, "request");
  return {
    text: masker.apply(text, hits),
    hits,
    findings: tally.toFindings(),
    blockedBy: [...new Set(hits.filter((h) => h.action === "block").map((h) => h.detector))],
    rejectedPatterns: scanner.rejectedPatterns,
  };
}
