import { z } from "zod";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

export const AuditListSchema = z.object({
  /** the id of the last entry of the previous page */
  cursor: z.string().min(1).max(64).nullish(),
  limit: z.number().int().min(1).max(100).default(50),
});

export const auditRouter = createTRPCRouter({
  /** Administrative changes of the workspace, newest first, a page at a time. */
  list: workspaceProcedure("admin")
    .input(AuditListSchema)
    .query(async ({ ctx, input }) => {
      const entries = await ctx.db.auditLog.findMany({
        where: { workspaceId: ctx.workspace.id },
        select: {
          id: true,
          action: true,
          actorType: true,
          targetType: true,
          targetId: true,
          before: true,
          after: true,
          createdAt: true,
          actor: { select: { id: true, name: true, email: true } },
        },
        orderBy: [{ createdAt: "desc" }, { id: "desc" }],
        take: input.limit + 1,
        ...(input.cursor ? { cursor: { id: input.cursor }, skip: 1 } : {}),
      });
      const hasMore = entries.length > input.limit;
      const items = hasMore ? entries.slice(0, input.limit) : entries;
      return { items, nextCursor: hasMore ? (items.at(-1)?.id ?? null) : null };
    }),
});
