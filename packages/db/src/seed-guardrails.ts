import {
  GuardrailPolicySchema,
  SECRET_DETECTORS,
  type GuardrailAction,
  type GuardrailPolicy,
} from "@gatehouse/shared";
import type { Prisma } from "./generated/prisma/client";

/**
 * The demo workspace's guardrails, so a new user sees them work on the first request: e-mail
 * addresses and phone numbers are masked before the (fake) provider sees them and restored in
 * the answer; secrets are refused before any provider call; the prompt-injection heuristic
 * only records what it finds.
 */
export const DEMO_GUARDRAIL_POLICY: GuardrailPolicy = GuardrailPolicySchema.parse({
  enabled: true,
  actions: {
    email: "mask",
    phone: "mask",
    ...Object.fromEntries(SECRET_DETECTORS.map((d): [string, GuardrailAction] => [d, "block"])),
    prompt_injection: "log",
  },
  scanResponses: true,
});

/**
 * Gives the demo workspace the demo policy once: while its policy is still the column's
 * default ('{}', never edited). A policy the user changed, even to "off", is theirs to keep.
 */
export async function ensureDemoGuardrails(
  tx: Prisma.TransactionClient,
  workspaceId: string,
): Promise<void> {
  const workspace = await tx.workspace.findUniqueOrThrow({
    where: { id: workspaceId },
    select: { guardrails: true },
  });
  const stored = workspace.guardrails;
  const untouched =
    stored !== null &&
    typeof stored === "object" &&
    !Array.isArray(stored) &&
    Object.keys(stored).length === 0;
  if (!untouched) return;
  await tx.workspace.update({
    where: { id: workspaceId },
    data: { guardrails: DEMO_GUARDRAIL_POLICY },
  });
}
