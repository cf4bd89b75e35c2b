import { z } from "zod";

/**
 * What the guardrails look for and what they do about it: the contract between the dashboard
 * (which edits it: Workspace.guardrails, VirtualKey.guardrails), the snapshots the proxy reads
 * and the usage events that report findings. Detection is deterministic and local.
 */

export const PII_DETECTORS = ["email", "phone", "card", "iban", "ssn", "ip"] as const;
export const SECRET_DETECTORS = [
  "aws_key",
  "openai_key",
  "anthropic_key",
  "google_key",
  "github_token",
  "gitlab_token",
  "slack_token",
  "stripe_key",
  "jwt",
  "private_key",
  "database_url",
] as const;
/** a heuristic, clearly labelled as such: known jailbreak phrasings, hidden text, instructions in tool results */
export const HEURISTIC_DETECTORS = ["prompt_injection"] as const;

export const DetectorSchema = z.enum([
  ...PII_DETECTORS,
  ...SECRET_DETECTORS,
  ...HEURISTIC_DETECTORS,
  // a workspace's own patterns and deny-list terms report under these two
  "custom",
  "deny_list",
]);
export type Detector = z.infer<typeof DetectorSchema>;

/**
 * - off: not scanned
 * - log: allowed, the finding is recorded
 * - mask: replaced by a stable placeholder (`[EMAIL_1]`) before the provider sees it; the
 *   original is restored in the answer
 * - redact: replaced irreversibly (`[REDACTED_EMAIL]`)
 * - block: refused before any provider call, in the client's wire format, naming the detector
 *   (never the value)
 */
export const GuardrailActionSchema = z.enum(["off", "log", "mask", "redact", "block"]);
export type GuardrailAction = z.infer<typeof GuardrailActionSchema>;

/** Actions when a workspace turns guardrails on without choosing per detector. */
export function defaultAction(detector: Detector): GuardrailAction {
  if ((SECRET_DETECTORS as readonly string[]).includes(detector)) return "block";
  if (detector === "prompt_injection") return "log";
  if (detector === "ip") return "log";
  return "mask";
}

export const CustomPatternSchema = z.object({
  /** placeholder label: `[<NAME>_1]` */
  name: z.string().regex(/^[A-Z][A-Z0-9_]{0,31}$/, "upper-case letters, digits and _"),
  /** a regular expression; validated by the dashboard against catastrophic backtracking */
  pattern: z.string().min(1).max(500),
  action: GuardrailActionSchema.default("mask"),
});
export type CustomPattern = z.infer<typeof CustomPatternSchema>;

export const GuardrailPolicySchema = z.object({
  enabled: z.boolean().default(false),
  /** per detector; a detector not listed gets defaultAction() */
  actions: z.partialRecord(DetectorSchema, GuardrailActionSchema).default({}),
  customPatterns: z.array(CustomPatternSchema).max(50).default([]),
  /** exact terms (case-insensitive), reported as `deny_list` */
  denyList: z.array(z.string().min(1).max(200)).max(1_000).default([]),
  /** answers are scanned too: a leaked secret is masked, or the stream cut with an error event */
  scanResponses: z.boolean().default(true),
});
export type GuardrailPolicy = z.infer<typeof GuardrailPolicySchema>;

export const DEFAULT_GUARDRAIL_POLICY: GuardrailPolicy = GuardrailPolicySchema.parse({});

/** A key's override of its workspace's policy: per-detector actions only (null = inherit). */
export const GuardrailKeyOverrideSchema = z.object({
  actions: z.partialRecord(DetectorSchema, GuardrailActionSchema).default({}),
});
export type GuardrailKeyOverride = z.infer<typeof GuardrailKeyOverrideSchema>;

/** One request's findings of one detector (never the value found). */
export const GuardrailFindingSchema = z.object({
  detector: DetectorSchema,
  action: GuardrailActionSchema,
  count: z.number().int().positive(),
  /** where: the request, or the answer */
  in: z.enum(["request", "response"]).default("request"),
});
export type GuardrailFinding = z.infer<typeof GuardrailFindingSchema>;
