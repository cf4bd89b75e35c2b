/**
 * The prompt-injection heuristic's measured false-positive rate on the look-alike corpus
 * (look-alikes.ts, entries imitating "injection": benign text that resembles jailbreak
 * phrasings). The dashboard shows it next to the detector, labelled a heuristic. A test
 * (detectors.test.ts) re-measures it and fails when this figure is stale.
 */
export const PROMPT_INJECTION_FALSE_POSITIVES = {
  /** benign look-alike texts in the corpus */
  texts: 16,
  /** of them flagged by the heuristic */
  flagged: 2,
} as const;

/** flagged / texts, e.g. 0.125 */
export const PROMPT_INJECTION_FALSE_POSITIVE_RATE =
  PROMPT_INJECTION_FALSE_POSITIVES.flagged / PROMPT_INJECTION_FALSE_POSITIVES.texts;
