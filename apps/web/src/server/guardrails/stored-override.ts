import {
  DetectorSchema,
  GuardrailActionSchema,
  GuardrailKeyOverrideSchema,
  type Detector,
  type GuardrailAction,
  type GuardrailKeyOverride,
} from "@gatehouse/shared";

/**
 * A key's stored override as its guardrails page reads it. An override the schema refuses (a
 * hand-edited typo such as `"email": "hide"`, or a detector that does not exist) never reaches
 * the proxies: the publish refuses it and they keep the key's last valid one (packages/db
 * config/guardrails.ts). The page must say so and name each bad entry, rather than show the
 * detector as inheriting the workspace's action, which is not what any proxy does.
 */

/** One entry the schema refuses; its value as text (JSON when not a string), shortened. */
export type InvalidOverrideEntry =
  /** a detector with a value that is not an action: its row on the page shows it */
  | { kind: "action"; detector: Detector; value: string }
  /** a name no detector has: the page has no row for it */
  | { kind: "detector"; detector: string; value: string };

export interface StoredKeyOverride {
  /** the entries the schema accepts; null when none */
  override: GuardrailKeyOverride | null;
  /** null: valid, or nothing stored. `entries` is empty when the JSON is not an action map. */
  invalid: { entries: InvalidOverrideEntry[] } | null;
}

const MAX_SHOWN = 40;

function shown(value: unknown): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN - 1)}…` : text;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function readStoredOverride(json: unknown): StoredKeyOverride {
  if (json === null || json === undefined) return { override: null, invalid: null };
  const parsed = GuardrailKeyOverrideSchema.safeParse(json);
  if (parsed.success) return { override: parsed.data, invalid: null };

  const actions = isPlainObject(json) ? json.actions : undefined;
  if (!isPlainObject(actions)) return { override: null, invalid: { entries: [] } };
  const valid: Partial<Record<Detector, GuardrailAction>> = {};
  const entries: InvalidOverrideEntry[] = [];
  for (const [key, value] of Object.entries(actions)) {
    const detector = DetectorSchema.safeParse(key);
    const action = GuardrailActionSchema.safeParse(value);
    if (!detector.success)
      entries.push({ kind: "detector", detector: shown(key), value: shown(value) });
    else if (!action.success)
      entries.push({ kind: "action", detector: detector.data, value: shown(value) });
    else valid[detector.data] = action.data;
  }
  return {
    override: Object.keys(valid).length > 0 ? { actions: valid } : null,
    invalid: { entries },
  };
}
