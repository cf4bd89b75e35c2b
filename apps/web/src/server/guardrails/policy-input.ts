import { z } from "zod";
import {
  GuardrailPolicyInputSchema,
  patternSyntaxProblem,
  TestTextInputSchema,
} from "~/lib/guardrail-schemas";
import { checkCustomPattern } from "./pattern-check";

/**
 * The server's form of the policy input: the client's schema plus the ReDoS analysis of every
 * custom pattern, as an async refinement, so a refused pattern is an input error at its field
 * (`customPatterns.2.pattern`) like any other. Used for saving AND for the test box's unsaved
 * policy: a draft pattern runs on this server too, and must not be able to stall it.
 */

type PolicyInput = z.output<typeof GuardrailPolicyInputSchema>;

async function refinePatterns(policy: PolicyInput, ctx: z.RefinementCtx): Promise<void> {
  const verdicts = await Promise.all(
    policy.customPatterns.map((custom) =>
      // a syntax problem is reported by the field's own check already
      patternSyntaxProblem(custom.pattern) ? null : checkCustomPattern(custom.pattern),
    ),
  );
  verdicts.forEach((verdict, index) => {
    if (verdict && !verdict.ok) {
      ctx.addIssue({
        code: "custom",
        path: ["customPatterns", index, "pattern"],
        message: verdict.message,
      });
    }
  });
}

export const ServerGuardrailPolicySchema = GuardrailPolicyInputSchema.superRefine(refinePatterns);

export const ServerTestTextInputSchema = TestTextInputSchema.extend({
  policy: ServerGuardrailPolicySchema.optional(),
});
