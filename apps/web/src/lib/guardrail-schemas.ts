import { CustomPatternSchema, DetectorSchema, GuardrailActionSchema } from "@gatehouse/shared";
import { z } from "zod";

/**
 * Guardrail policy inputs: validated by the guardrails router and by the forms on the policy
 * pages (client-safe: zod and @gatehouse/shared's contract only). The server adds one check the
 * browser cannot afford: the ReDoS analysis of each custom pattern (server/guardrails/).
 */

/**
 * The flags custom patterns are checked with: the detector library compiles them with "g"
 * only (packages/shared guardrails/detectors/custom.ts), so a pattern is case-sensitive unless
 * it says otherwise, and what compiles here compiles there.
 */
export const CUSTOM_PATTERN_FLAGS = "g";

/** Texts a pattern must not match with zero length (it would "find" something everywhere). */
const EMPTY_PROBES = ["", "a", "A", "0", " ", "-", "\n"];

/** Why a pattern cannot be used (syntax, or matching empty text), or null when it can. */
export function patternSyntaxProblem(pattern: string): string | null {
  let re: RegExp;
  try {
    re = new RegExp(pattern, CUSTOM_PATTERN_FLAGS);
  } catch (error) {
    const detail = (error as Error).message.replace(/^Invalid regular expression: /, "");
    return `not a valid regular expression: ${detail}`;
  }
  for (const probe of EMPTY_PROBES) {
    re.lastIndex = 0;
    const match = re.exec(probe);
    if (match && match[0].length === 0) {
      return "matches empty text, so it would match everywhere: make at least one character required";
    }
  }
  return null;
}

export const CustomPatternInputSchema = CustomPatternSchema.extend({
  name: z
    .string()
    .trim()
    .regex(
      /^[A-Z][A-Z0-9_]{0,31}$/,
      "use upper-case letters, digits and _ (starting with a letter, at most 32)",
    ),
  pattern: z
    .string()
    .min(1, "enter a pattern")
    .max(500, "use at most 500 characters")
    .superRefine((pattern, ctx) => {
      const problem = patternSyntaxProblem(pattern);
      if (problem) ctx.addIssue({ code: "custom", message: problem });
    }),
});

/** Deny-list terms: trimmed, without blanks, each once (case-insensitively, as they match). */
const DenyListSchema = z
  .array(z.string().trim().max(200, "use at most 200 characters per term"))
  .max(1_000, "at most 1,000 terms")
  .transform((terms) => {
    const seen = new Set<string>();
    const out: string[] = [];
    for (const term of terms) {
      const folded = term.toLowerCase();
      if (term.length === 0 || seen.has(folded)) continue;
      seen.add(folded);
      out.push(term);
    }
    return out;
  });

/** The whole workspace policy as the form sends it (every field, top level: errors name them). */
export const GuardrailPolicyInputSchema = z
  .object({
    enabled: z.boolean(),
    actions: z.partialRecord(DetectorSchema, GuardrailActionSchema),
    customPatterns: z.array(CustomPatternInputSchema).max(50, "at most 50 custom patterns"),
    denyList: DenyListSchema,
    scanResponses: z.boolean(),
  })
  .superRefine((policy, ctx) => {
    const names = new Set<string>();
    policy.customPatterns.forEach((custom, index) => {
      if (names.has(custom.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["customPatterns", index, "name"],
          message: `another pattern is already called ${custom.name}`,
        });
      }
      names.add(custom.name);
    });
  });
export type GuardrailPolicyInput = z.input<typeof GuardrailPolicyInputSchema>;

export const KeyIdSchema = z.string().min(1).max(64);

/** A key's per-detector actions: what the override form saves and what the test box scans. */
export const KeyOverrideActionsSchema = z.partialRecord(DetectorSchema, GuardrailActionSchema);
export type KeyOverrideActions = z.infer<typeof KeyOverrideActionsSchema>;

/** A key's override: per-detector actions; an empty map (or null) = inherit everything. */
export const UpdateKeyOverrideSchema = z.object({
  keyId: KeyIdSchema,
  actions: KeyOverrideActionsSchema.nullable(),
});

/** What the live test box scans; 32 KB, like the prompts the bench measures. */
export const MAX_TEST_TEXT = 32_768;

export const TestTextInputSchema = z.object({
  text: z
    .string()
    .max(MAX_TEST_TEXT, `at most ${MAX_TEST_TEXT.toLocaleString("en-US")} characters`),
  /** the form's unsaved policy; absent = the saved one */
  policy: GuardrailPolicyInputSchema.optional(),
  /** apply this key's override on top */
  keyId: KeyIdSchema.optional(),
  /** the key page's unsaved override (it replaces the stored one); absent = the saved one */
  override: z.object({ actions: KeyOverrideActionsSchema }).optional(),
});

export const CheckPatternInputSchema = z.object({ pattern: z.string().min(1).max(500) });
