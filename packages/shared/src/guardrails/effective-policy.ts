import {
  defaultAction,
  DetectorSchema,
  SECRET_DETECTORS,
  type Detector,
  type GuardrailAction,
  type GuardrailKeyOverride,
  type GuardrailPolicy,
} from "../guardrail-policy";

export const ALL_DETECTORS: readonly Detector[] = DetectorSchema.options;

/**
 * The actions that apply to one key's requests: the key's override, else the workspace's
 * choice, else `defaultAction()`. A workspace with guardrails disabled scans nothing, whatever
 * its keys say (a key override refines a policy; it does not switch one on).
 *
 * Custom patterns carry their own action; an override of `custom` (workspace or key) replaces
 * all of them (e.g. `off` for one key). The deny-list uses `deny_list`.
 */
export function effectiveActions(
  policy: GuardrailPolicy,
  override: GuardrailKeyOverride | null,
): Record<Detector, GuardrailAction> {
  const actions = {} as Record<Detector, GuardrailAction>;
  for (const detector of ALL_DETECTORS) {
    actions[detector] = policy.enabled
      ? (override?.actions[detector] ?? policy.actions[detector] ?? defaultAction(detector))
      : "off";
  }
  return actions;
}

/** The custom-pattern action a key's requests get for one pattern. */
export function customPatternAction(
  policy: GuardrailPolicy,
  override: GuardrailKeyOverride | null,
  patternAction: GuardrailAction,
): GuardrailAction {
  if (!policy.enabled) return "off";
  return override?.actions.custom ?? policy.actions.custom ?? patternAction;
}

const SECRETS: ReadonlySet<string> = new Set(SECRET_DETECTORS);

/** Detectors an answer is scanned with (policy.scanResponses): what must not leak back out. */
export function scansResponses(detector: Detector): boolean {
  return SECRETS.has(detector) || detector === "custom" || detector === "deny_list";
}
