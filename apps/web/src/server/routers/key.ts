import type { Prisma } from "@gatehouse/db";
import { formatUsd } from "@gatehouse/shared";
import { generateVirtualKey } from "@gatehouse/shared/server";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  budgetProblem,
  CreateKeySchema,
  IdSchema,
  MAX_GRACE_SECONDS,
  UpdateKeySchema,
  type KeySettings,
} from "~/lib/key-schemas";
import { recordAudit } from "../audit";
import { workspaceBudgets } from "../budgets";
import { mapPrismaError, notFound } from "../prisma-errors";
import { publishKeyConfig } from "../publish";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

export { CreateKeySchema, UpdateKeySchema, UsdAmountSchema } from "~/lib/key-schemas";

/**
 * Virtual keys. Members manage keys (issuing a key is everyday work, unlike credentials);
 * viewers only see them. The secret is returned once, by create and rotate, and never stored.
 */

const keySelect = {
  id: true,
  name: true,
  prefix: true,
  status: true,
  expiresAt: true,
  allowedModels: true,
  rpmLimit: true,
  tpmLimit: true,
  parallelLimit: true,
  budgetAmountNanoUsd: true,
  budgetPeriod: true,
  budgetAlertThresholdPct: true,
  previousKeyGraceUntil: true,
  rotatedAt: true,
  revokedAt: true,
  lastUsedAt: true,
  createdAt: true,
  createdBy: { select: { id: true, name: true, email: true } },
} as const;

type KeyRow = Prisma.VirtualKeyGetPayload<{ select: typeof keySelect }>;

/** Exact decimal dollars without the sign ("25.00", "0.0000015"). */
function usdString(nanoUsd: bigint): string {
  return formatUsd(nanoUsd).replace(/^\$/, "");
}

/** A key as the dashboard shows it: money as decimal USD strings, never a hash. */
function keyView(key: KeyRow) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    status: key.status,
    expiresAt: key.expiresAt,
    allowedModels: key.allowedModels,
    limits: { rpm: key.rpmLimit, tpm: key.tpmLimit, parallel: key.parallelLimit },
    budget:
      key.budgetAmountNanoUsd !== null && key.budgetPeriod !== null
        ? {
            amountUsd: usdString(key.budgetAmountNanoUsd),
            period: key.budgetPeriod,
            alertThresholdPct: key.budgetAlertThresholdPct,
          }
        : null,
    previousKeyGraceUntil: key.previousKeyGraceUntil,
    rotatedAt: key.rotatedAt,
    revokedAt: key.revokedAt,
    lastUsedAt: key.lastUsedAt,
    createdAt: key.createdAt,
    createdBy: key.createdBy,
  };
}

/** The audit form of a key: its settings and status, JSON-safe, without hashes. */
function auditView(key: KeyRow) {
  const view = keyView(key);
  return {
    name: view.name,
    prefix: view.prefix,
    status: view.status,
    expiresAt: view.expiresAt?.toISOString() ?? null,
    allowedModels: view.allowedModels,
    limits: view.limits,
    budget: view.budget,
    previousKeyGraceUntil: view.previousKeyGraceUntil?.toISOString() ?? null,
  };
}

function settingsData(settings: Partial<KeySettings>): Prisma.VirtualKeyUpdateInput {
  const data: Prisma.VirtualKeyUpdateInput = {};
  if (settings.name !== undefined) data.name = settings.name;
  if (settings.allowedModels !== undefined)
    data.allowedModels = [...new Set(settings.allowedModels)];
  if (settings.expiresAt !== undefined) data.expiresAt = settings.expiresAt;
  if (settings.rpmLimit !== undefined) data.rpmLimit = settings.rpmLimit;
  if (settings.tpmLimit !== undefined) data.tpmLimit = settings.tpmLimit;
  if (settings.parallelLimit !== undefined) data.parallelLimit = settings.parallelLimit;
  if (settings.budgetUsd !== undefined) data.budgetAmountNanoUsd = settings.budgetUsd;
  if (settings.budgetPeriod !== undefined) data.budgetPeriod = settings.budgetPeriod;
  if (settings.budgetAlertThresholdPct !== undefined)
    data.budgetAlertThresholdPct = settings.budgetAlertThresholdPct;
  return data;
}

const keyMessages = { notFound: "Key", conflict: "The key changed; try again." };

export const keyRouter = createTRPCRouter({
  list: workspaceProcedure("viewer").query(async ({ ctx }) => {
    const workspaceId = ctx.workspace.id;
    const keys = await ctx.db.virtualKey.findMany({
      where: { workspaceId },
      select: keySelect,
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    });
    // spend of each budgeted key in its current period: the same figure as the overview and
    // the budget banner (../budgets.ts)
    const budgets = await workspaceBudgets(ctx, ctx.workspace, keys);
    const figures = new Map(budgets.keys.map((b) => [b.row.id, b.figure]));
    return keys.map((key) => {
      const figure = figures.get(key.id);
      return {
        ...keyView(key),
        spentThisPeriodUsd: figure ? usdString(figure.spentNanoUsd) : null,
        /** spent / budget in percent (may exceed 100); null without a budget */
        budgetPercent: figure ? figure.percent : null,
      };
    });
  }),

  create: workspaceProcedure("member")
    .input(CreateKeySchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const generated = generateVirtualKey();
      const { workspaceId: _ignored, ...settings } = input;
      const key = await ctx.db
        .$transaction(async (tx) => {
          const row = await tx.virtualKey.create({
            data: {
              workspaceId,
              name: settings.name,
              keyHash: generated.hash,
              prefix: generated.prefix,
              createdById: ctx.userId,
              allowedModels: [...new Set(settings.allowedModels ?? [])],
              expiresAt: settings.expiresAt ?? null,
              rpmLimit: settings.rpmLimit ?? null,
              tpmLimit: settings.tpmLimit ?? null,
              parallelLimit: settings.parallelLimit ?? null,
              budgetAmountNanoUsd: settings.budgetUsd ?? null,
              budgetPeriod: settings.budgetPeriod ?? null,
              budgetAlertThresholdPct: settings.budgetAlertThresholdPct ?? null,
            },
            select: keySelect,
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "virtual_key.create",
            targetType: "virtual_key",
            targetId: row.id,
            after: auditView(row),
          });
          return row;
        })
        .catch((error: unknown) => mapPrismaError(error, keyMessages));
      await publishKeyConfig(ctx, key.id);
      // The only time the secret leaves the server.
      return { key: keyView(key), secret: generated.secret };
    }),

  update: workspaceProcedure("member")
    .input(UpdateKeySchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const { keyId, workspaceId: _ignored, ...changes } = input;
      const key = await ctx.db
        .$transaction(async (tx) => {
          const before = await tx.virtualKey.findFirst({
            where: { id: keyId, workspaceId },
            select: keySelect,
          });
          if (!before) throw notFound("Key");
          const problem = budgetProblem({
            budgetUsd:
              changes.budgetUsd !== undefined ? changes.budgetUsd : before.budgetAmountNanoUsd,
            budgetPeriod:
              changes.budgetPeriod !== undefined ? changes.budgetPeriod : before.budgetPeriod,
          });
          if (problem) throw new TRPCError({ code: "BAD_REQUEST", message: problem });
          const after = await tx.virtualKey.update({
            where: { id: keyId, workspaceId },
            data: settingsData(changes),
            select: keySelect,
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "virtual_key.update",
            targetType: "virtual_key",
            targetId: keyId,
            before: auditView(before),
            after: auditView(after),
          });
          return after;
        })
        .catch((error: unknown) => mapPrismaError(error, keyMessages));
      await publishKeyConfig(ctx, key.id);
      return keyView(key);
    }),

  revoke: workspaceProcedure("member")
    .input(z.object({ keyId: IdSchema }))
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const key = await ctx.db
        .$transaction(async (tx) => {
          const before = await tx.virtualKey.findFirst({
            where: { id: input.keyId, workspaceId },
            select: keySelect,
          });
          if (!before) throw notFound("Key");
          if (before.status === "revoked") return before;
          const after = await tx.virtualKey.update({
            where: { id: input.keyId, workspaceId },
            data: { status: "revoked", revokedAt: new Date() },
            select: keySelect,
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "virtual_key.revoke",
            targetType: "virtual_key",
            targetId: input.keyId,
            before: auditView(before),
            after: auditView(after),
          });
          return after;
        })
        .catch((error: unknown) => mapPrismaError(error, keyMessages));
      await publishKeyConfig(ctx, key.id);
      return keyView(key);
    }),

  /**
   * A new secret for the same key (id, settings and history stay). With a grace period the
   * old secret keeps working until it ends, so deployed clients can be switched over.
   */
  rotate: workspaceProcedure("member")
    .input(
      z.object({
        keyId: IdSchema,
        gracePeriodSeconds: z.number().int().min(0).max(MAX_GRACE_SECONDS).default(0),
      }),
    )
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const generated = generateVirtualKey();
      const now = new Date();
      const graceUntil =
        input.gracePeriodSeconds > 0
          ? new Date(now.getTime() + input.gracePeriodSeconds * 1000)
          : null;
      const key = await ctx.db
        .$transaction(async (tx) => {
          const before = await tx.virtualKey.findFirst({
            where: { id: input.keyId, workspaceId },
            select: { ...keySelect, keyHash: true },
          });
          if (!before) throw notFound("Key");
          if (before.status === "revoked") {
            throw new TRPCError({
              code: "PRECONDITION_FAILED",
              message: "A revoked key cannot be rotated; create a new key.",
            });
          }
          const after = await tx.virtualKey.update({
            where: { id: input.keyId, workspaceId },
            data: {
              keyHash: generated.hash,
              prefix: generated.prefix,
              previousKeyHash: graceUntil ? before.keyHash : null,
              previousKeyGraceUntil: graceUntil,
              rotatedAt: now,
            },
            select: keySelect,
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "virtual_key.rotate",
            targetType: "virtual_key",
            targetId: input.keyId,
            before: auditView(before),
            after: auditView(after),
          });
          return after;
        })
        .catch((error: unknown) => mapPrismaError(error, keyMessages));
      // publishKey writes the new hash (and the old one until the grace end) and sweeps the
      // retired hash when there is no grace period.
      await publishKeyConfig(ctx, key.id);
      return { key: keyView(key), secret: generated.secret };
    }),
});
