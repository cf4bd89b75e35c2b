/**
 * @gatehouse/shared/guardrails: PII, secret and prompt-injection detection, masking and
 * restoring. Deterministic, local and synchronous, with no Node-only APIs, so the proxy and
 * the dashboard's "test this text" box run the same code.
 */
export { GuardrailScanner, resolveOverlaps } from "./scanner";
export {
  effectiveActions,
  customPatternAction,
  scansResponses,
  ALL_DETECTORS,
} from "./effective-policy";
export { Masker, FindingTally } from "./masker";
export {
  restoreText,
  valuesAreJsonSafe,
  placeholderPrefixes,
  StreamRestorer,
  type Originals,
} from "./restore";
export { StreamScanner } from "./stream-scan";
export { checkPatternSafety } from "./safe-regex";
export { previewGuardrails, type GuardrailPreview } from "./preview";
export { maskPlaceholder, redactPlaceholder, PLACEHOLDER_PATTERN } from "./labels";
export {
  PROMPT_INJECTION_FALSE_POSITIVES,
  PROMPT_INJECTION_FALSE_POSITIVE_RATE,
} from "./injection-figures";
export { LOOK_ALIKES, type LookAlike } from "./look-alikes";
export { isCardNumber, luhn } from "./detectors/card";
export { isIpv6Address } from "./detectors/ip";
export type { Hit, RawHit, TextKind } from "./types";
