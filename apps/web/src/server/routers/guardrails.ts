import { Prisma } from "@gatehouse/db";
import { guardrailFindingsByDay } from "@gatehouse/db/usage";
import {
  GuardrailKeyOverrideSchema,
  GuardrailPolicySchema,
  type GuardrailKeyOverride,
  type GuardrailPolicy,
} from "@gatehouse/shared";
import { z } from "zod";
import {
  CheckPatternInputSchema,
  KeyIdSchema,
  UpdateKeyOverrideSchema,
} from "~/lib/guardrail-schemas";
import { UsageRangeSchema } from "~/lib/usage-schemas";
import { recordAudit } from "../audit";
import { checkCustomPattern } from "../guardrails/pattern-check";
import { ServerGuardrailPolicySchema, ServerTestTextInputSchema } from "../guardrails/policy-input";
import { readStoredOverride } from "../guardrails/stored-override";
import { heuristicFalsePositiveRate, testText } from "../guardrails/test-text";
import { notFound } from "../prisma-errors";
import { publishKeyConfig, publishWorkspaceConfig } from "../publish";
import { createTRPCRouter, workspaceProcedure } from "../trpc";
import { resolveRange } from "./usage";

/**
 * Guardrails: the workspace's policy (detector × action, custom patterns, deny list, answers),
 * a key's per-detector override, the live test box (the proxy's own detector library, on the
 * text typed, never stored or logged) and the findings chart. Admins change policies (they
 * decide what may leave for a provider); every member may read them and use the test box.
 */

/** The stored policy and whether it parsed: a policy the schema refuses is not published
 * (packages/db config/guardrails.ts), and the page says so rather than showing defaults. */
function storedPolicy(json: Prisma.JsonValue): { policy: GuardrailPolicy; storedInvalid: boolean } {
  const parsed = GuardrailPolicySchema.safeParse(json ?? {});
  return parsed.success
    ? { policy: parsed.data, storedInvalid: false }
    : { policy: GuardrailPolicySchema.parse({}), storedInvalid: true };
}

function storedOverride(json: Prisma.JsonValue): GuardrailKeyOverride | null {
  if (json === null) return null;
  const parsed = GuardrailKeyOverrideSchema.safeParse(json);
  return parsed.success ? parsed.data : null;
}

/** The audit form: deny-list terms are counted, not copied (a list can hold 1,000 of them). */
function auditPolicy(policy: GuardrailPolicy): Prisma.InputJsonObject {
  return {
    enabled: policy.enabled,
    actions: policy.actions,
    customPatterns: policy.customPatterns.map((p) => ({ ...p })),
    denyListTerms: policy.denyList.length,
    scanResponses: policy.scanResponses,
  };
}

const keySelect = { id: true, name: true, prefix: true, status: true, guardrails: true } as const;

export const guardrailsRouter = createTRPCRouter({
  policy: workspaceProcedure("viewer").query(({ ctx }) => ({
    ...storedPolicy(ctx.workspace.guardrails),
    /** the prompt-injection heuristic's measured false-positive rate (null: not measured) */
    heuristicFalsePositiveRate: heuristicFalsePositiveRate(),
  })),

  update: workspaceProcedure("admin")
    .input(ServerGuardrailPolicySchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const { workspaceId: _ignored, ...fields } = input;
      const policy = GuardrailPolicySchema.parse(fields);
      await ctx.db.$transaction(async (tx) => {
        const before = await tx.workspace.findUniqueOrThrow({
          where: { id: workspaceId },
          select: { guardrails: true },
        });
        await tx.workspace.update({ where: { id: workspaceId }, data: { guardrails: policy } });
        await recordAudit(tx, {
          workspaceId,
          actorUserId: ctx.userId,
          action: "workspace.update_guardrails",
          targetType: "workspace",
          targetId: workspaceId,
          before: auditPolicy(storedPolicy(before.guardrails).policy),
          after: auditPolicy(policy),
        });
      });
      await publishWorkspaceConfig(ctx, workspaceId);
      return { policy, storedInvalid: false };
    }),

  /** A key's override and the workspace policy it applies to. */
  keyOverride: workspaceProcedure("viewer")
    .input(z.object({ keyId: KeyIdSchema }))
    .query(async ({ ctx, input }) => {
      const key = await ctx.db.virtualKey.findFirst({
        where: { id: input.keyId, workspaceId: ctx.workspace.id },
        select: keySelect,
      });
      if (!key) throw notFound("Key");
      const { guardrails, ...rest } = key;
      return {
        key: rest,
        // an invalid override comes with its valid entries and each bad one named
        ...readStoredOverride(guardrails),
        workspace: storedPolicy(ctx.workspace.guardrails).policy,
      };
    }),

  updateKeyOverride: workspaceProcedure("admin")
    .input(UpdateKeyOverrideSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      // no actions at all = inherit everything: stored as null, the snapshot's "inherit"
      const override =
        input.actions && Object.keys(input.actions).length > 0 ? { actions: input.actions } : null;
      await ctx.db.$transaction(async (tx) => {
        const before = await tx.virtualKey.findFirst({
          where: { id: input.keyId, workspaceId },
          select: keySelect,
        });
        if (!before) throw notFound("Key");
        const stored = readStoredOverride(before.guardrails);
        await tx.virtualKey.update({
          where: { id: input.keyId, workspaceId },
          data: { guardrails: override ?? Prisma.DbNull },
        });
        await recordAudit(tx, {
          workspaceId,
          actorUserId: ctx.userId,
          action: "virtual_key.update_guardrails",
          targetType: "virtual_key",
          targetId: input.keyId,
          before: {
            name: before.name,
            override: stored.override,
            ...(stored.invalid ? { invalid: stored.invalid.entries.map((e) => ({ ...e })) } : {}),
          },
          after: { name: before.name, override },
        });
      });
      await publishKeyConfig(ctx, input.keyId);
      return { override };
    }),

  /**
   * The live "test this text" box. A mutation only for its transport: the text travels in a
   * POST body, never in a URL (URLs land in access logs and browser history). Nothing is
   * stored; the text and what was found go back to the member who typed them, and nowhere else.
   */
  test: workspaceProcedure("viewer")
    .input(ServerTestTextInputSchema)
    .mutation(async ({ ctx, input }) => {
      const saved = storedPolicy(ctx.workspace.guardrails).policy;
      const policy = input.policy ? GuardrailPolicySchema.parse(input.policy) : saved;
      let override: GuardrailKeyOverride | null = null;
      if (input.keyId) {
        const key = await ctx.db.virtualKey.findFirst({
          where: { id: input.keyId, workspaceId: ctx.workspace.id },
          select: { guardrails: true },
        });
        if (!key) throw notFound("Key");
        override = storedOverride(key.guardrails);
      }
      // the key page's unsaved override (its input schema is the one the override's save uses)
      if (input.override) override = input.override;
      return { enabled: policy.enabled, ...testText(input.text, policy, override) };
    }),

  /** Inline feedback while a custom pattern is typed (the pattern is config, not data). */
  checkPattern: workspaceProcedure("viewer")
    .input(CheckPatternInputSchema)
    .query(({ input }) => checkCustomPattern(input.pattern)),

  /** The overview chart: findings per local day by detector. */
  findings: workspaceProcedure("viewer")
    .input(z.object({ range: UsageRangeSchema }))
    .query(({ ctx, input }) => {
      const { timeZone } = ctx.workspace;
      const { from, to } = resolveRange(input.range, timeZone);
      return guardrailFindingsByDay(ctx.db, { workspaceId: ctx.workspace.id, timeZone, from, to });
    }),
});
