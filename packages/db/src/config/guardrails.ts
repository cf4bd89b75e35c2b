import {
  GuardrailKeyOverrideSchema,
  GuardrailPolicySchema,
  type GuardrailKeyOverride,
  type GuardrailPolicy,
} from "@gatehouse/shared";

/**
 * Workspace.guardrails and VirtualKey.guardrails (JSON) as the proxy gets them.
 *
 * Unlike a route policy, a stored guardrail policy the schema refuses is NOT replaced by the
 * defaults: the defaults are "off", so a hand-edited typo would quietly let PII and secrets
 * through. The compile throws instead; the publish fails (the dashboard says so, a republish
 * lists the workspace as failed) and every proxy keeps the last valid policy it has.
 */

export class InvalidGuardrailPolicyError extends Error {
  constructor(scope: string, issues: string) {
    super(`stored guardrail policy of ${scope} is invalid: ${issues}`);
    this.name = "InvalidGuardrailPolicyError";
  }
}

function issuesOf(error: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> }) {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.map(String).join(".") || "(root)"}: ${issue.message}`)
    .join("; ");
}

/** The workspace's policy with the defaults filled in ('{}' = guardrails off). */
export function compileGuardrailPolicy(stored: unknown, workspaceId: string): GuardrailPolicy {
  const parsed = GuardrailPolicySchema.safeParse(stored ?? {});
  if (!parsed.success) {
    throw new InvalidGuardrailPolicyError(`workspace ${workspaceId}`, issuesOf(parsed.error));
  }
  return parsed.data;
}

/** A key's per-detector override; null (inherit the workspace's) when none is stored. */
export function compileGuardrailOverride(
  stored: unknown,
  keyId: string,
): GuardrailKeyOverride | null {
  if (stored === null || stored === undefined) return null;
  const parsed = GuardrailKeyOverrideSchema.safeParse(stored);
  if (!parsed.success) {
    throw new InvalidGuardrailPolicyError(`key ${keyId}`, issuesOf(parsed.error));
  }
  return parsed.data;
}
