import { MODEL_PRICES } from "@gatehouse/shared";
import { z } from "zod";
import { PriceOverrideInputSchema, usdPerMTokToMicro } from "~/lib/usage-schemas";
import { recordAudit } from "../audit";
import { mapPrismaError, notFound } from "../prisma-errors";
import { publishWorkspaceConfig } from "../publish";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

/**
 * Model prices: the built-in table (model_prices, upserted at boot from @gatehouse/shared) and
 * this workspace's overrides, which the proxy uses instead (they travel in the workspace
 * snapshot, so every change is republished).
 */

interface PriceView {
  inputMicroUsdPerMTok: number;
  outputMicroUsdPerMTok: number;
  cachedInputMicroUsdPerMTok: number | null;
}

const priceOf = (row: PriceView): PriceView => ({
  inputMicroUsdPerMTok: row.inputMicroUsdPerMTok,
  outputMicroUsdPerMTok: row.outputMicroUsdPerMTok,
  cachedInputMicroUsdPerMTok: row.cachedInputMicroUsdPerMTok,
});

const overrideMessages = { notFound: "Price override", conflict: "The price changed; try again." };

export const pricesRouter = createTRPCRouter({
  list: workspaceProcedure("viewer").query(async ({ ctx }) => {
    const [builtinRows, overrides] = await Promise.all([
      ctx.db.modelPrice.findMany({ orderBy: { model: "asc" } }),
      ctx.db.workspaceModelPrice.findMany({
        where: { workspaceId: ctx.workspace.id },
        orderBy: { model: "asc" },
      }),
    ]);
    // before the first boot sync the table may be empty: fall back to the shared table
    const builtin = new Map<string, PriceView & { provider: string }>(
      builtinRows.length > 0
        ? builtinRows.map((row) => [row.model, { ...priceOf(row), provider: row.provider }])
        : Object.entries(MODEL_PRICES).map(([model, p]) => [
            model,
            { ...priceOf(p), provider: p.provider },
          ]),
    );
    const overridden = new Map(overrides.map((row) => [row.model, row]));
    const models = [...new Set([...builtin.keys(), ...overridden.keys()])].sort();
    return models.map((model) => {
      const base = builtin.get(model) ?? null;
      const override = overridden.get(model) ?? null;
      return {
        model,
        provider: base?.provider ?? null,
        builtin: base ? priceOf(base) : null,
        override: override ? { ...priceOf(override), updatedAt: override.updatedAt } : null,
        effective: priceOf(override ?? base!),
      };
    });
  }),

  upsertOverride: workspaceProcedure("admin")
    .input(PriceOverrideInputSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const data = {
        inputMicroUsdPerMTok: usdPerMTokToMicro(input.inputUsdPerMTok),
        outputMicroUsdPerMTok: usdPerMTokToMicro(input.outputUsdPerMTok),
        cachedInputMicroUsdPerMTok:
          input.cachedInputUsdPerMTok === ""
            ? null
            : usdPerMTokToMicro(input.cachedInputUsdPerMTok),
      };
      const row = await ctx.db
        .$transaction(async (tx) => {
          const before = await tx.workspaceModelPrice.findUnique({
            where: { workspaceId_model: { workspaceId, model: input.model } },
          });
          const after = await tx.workspaceModelPrice.upsert({
            where: { workspaceId_model: { workspaceId, model: input.model } },
            create: { workspaceId, model: input.model, ...data },
            update: data,
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: before ? "price_override.update" : "price_override.create",
            targetType: "price_override",
            targetId: after.id,
            before: before ? { model: before.model, ...priceOf(before) } : null,
            after: { model: after.model, ...priceOf(after) },
          });
          return after;
        })
        .catch((error: unknown) => mapPrismaError(error, overrideMessages));
      await publishWorkspaceConfig(ctx, workspaceId);
      return { model: row.model, ...priceOf(row) };
    }),

  deleteOverride: workspaceProcedure("admin")
    .input(z.object({ model: z.string().trim().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      await ctx.db
        .$transaction(async (tx) => {
          const before = await tx.workspaceModelPrice.findUnique({
            where: { workspaceId_model: { workspaceId, model: input.model } },
          });
          if (!before) throw notFound("Price override");
          await tx.workspaceModelPrice.delete({ where: { id: before.id, workspaceId } });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "price_override.delete",
            targetType: "price_override",
            targetId: before.id,
            before: { model: before.model, ...priceOf(before) },
          });
        })
        .catch((error: unknown) => mapPrismaError(error, overrideMessages));
      await publishWorkspaceConfig(ctx, workspaceId);
      return { model: input.model };
    }),
});
