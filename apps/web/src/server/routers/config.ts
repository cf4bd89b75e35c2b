import { recordAudit } from "../audit";
import { publishWorkspaceConfig } from "../publish";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

export const configRouter = createTRPCRouter({
  /**
   * Rebuilds this workspace's snapshots in Redis from Postgres (the admin "resync" button;
   * `npm run resync -w @gatehouse/db` rebuilds every workspace).
   */
  resync: workspaceProcedure("admin").mutation(async ({ ctx }) => {
    const workspaceId = ctx.workspace.id;
    await recordAudit(ctx.db, {
      workspaceId,
      actorUserId: ctx.userId,
      action: "config.resync",
      targetType: "workspace",
      targetId: workspaceId,
    });
    await publishWorkspaceConfig(ctx, workspaceId);
    return { workspaceId };
  }),
});
