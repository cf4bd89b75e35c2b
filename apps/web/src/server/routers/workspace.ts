import { createTRPCRouter, protectedProcedure, workspaceProcedure } from "../trpc";
import { RoleSchema } from "@gatehouse/shared";

const workspaceSummary = { id: true, name: true, slug: true, createdAt: true } as const;

export const workspaceRouter = createTRPCRouter({
  /** The caller's workspaces with their role in each, by name. */
  list: protectedProcedure.query(async ({ ctx }) => {
    const memberships = await ctx.db.membership.findMany({
      where: { userId: ctx.userId },
      select: { role: true, workspace: { select: workspaceSummary } },
      orderBy: [{ workspace: { name: "asc" } }, { workspaceId: "asc" }],
    });
    return memberships.map((m) => ({ ...m.workspace, role: RoleSchema.parse(m.role) }));
  }),

  byId: workspaceProcedure("viewer").query(({ ctx }) => ({
    id: ctx.workspace.id,
    name: ctx.workspace.name,
    slug: ctx.workspace.slug,
    timeZone: ctx.workspace.timeZone,
    createdAt: ctx.workspace.createdAt,
    role: ctx.role,
  })),
});
