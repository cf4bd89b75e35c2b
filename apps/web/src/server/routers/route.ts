import type { Prisma } from "@gatehouse/db";
import { z } from "zod";
import {
  CreateRouteSchema,
  DeploymentInputSchema,
  IdSchema,
  UpdateDeploymentSchema,
  UpdateRouteSchema,
} from "~/lib/route-schemas";
import { recordAudit } from "../audit";
import { mapPrismaError, notFound } from "../prisma-errors";
import { publishWorkspaceConfig } from "../publish";
import { createTRPCRouter, workspaceProcedure } from "../trpc";
import { routeHealthProcedures } from "./route-health";
import { rewriteFallbackReferences, routePolicyProcedures, storedPolicy } from "./route-policy";

export {
  CreateRouteSchema,
  DeploymentInputSchema,
  RouteAliasSchema,
  UpdateDeploymentSchema,
  UpdateRouteSchema,
  type DeploymentInput,
} from "~/lib/route-schemas";

/**
 * Model routes: the model names clients send (aliases), each served by deployments
 * (credential + upstream model + weight + priority), with a routing policy (route-policy.ts)
 * and live deployment health (route-health.ts). Reading is open to every member; changing
 * routing is admin work, like managing the credentials it points at.
 */

const deploymentSelect = {
  id: true,
  credentialId: true,
  upstreamModel: true,
  weight: true,
  priority: true,
  enabled: true,
} as const;

type DeploymentView = {
  credentialId: string;
  upstreamModel: string;
  weight: number;
  priority: number;
  enabled: boolean;
};

function deploymentView(d: DeploymentView) {
  return {
    credentialId: d.credentialId,
    upstreamModel: d.upstreamModel,
    weight: d.weight,
    priority: d.priority,
    enabled: d.enabled,
  };
}

/** Refuses a credential that is not in this workspace (looked up by id AND workspace). */
async function assertCredentialInWorkspace(
  tx: Prisma.TransactionClient,
  workspaceId: string,
  credentialIds: string[],
): Promise<void> {
  const wanted = [...new Set(credentialIds)];
  if (wanted.length === 0) return;
  const found = await tx.providerCredential.count({
    where: { id: { in: wanted }, workspaceId },
  });
  if (found !== wanted.length) throw notFound("Credential");
}

const conflictMessages = {
  notFound: "Route",
  conflict: "A route with this model name already exists in the workspace.",
};

export const routeRouter = createTRPCRouter({
  list: workspaceProcedure("viewer").query(async ({ ctx }) => {
    const routes = await ctx.db.modelRoute.findMany({
      where: { workspaceId: ctx.workspace.id },
      select: {
        id: true,
        alias: true,
        description: true,
        policy: true,
        createdAt: true,
        updatedAt: true,
        deployments: {
          where: { workspaceId: ctx.workspace.id },
          select: {
            ...deploymentSelect,
            credential: { select: { id: true, name: true, provider: true } },
          },
          orderBy: [{ priority: "asc" }, { createdAt: "asc" }],
        },
      },
      orderBy: [{ alias: "asc" }],
    });
    return routes.map((route) => ({ ...route, policy: storedPolicy(route.policy) }));
  }),

  ...routePolicyProcedures,
  ...routeHealthProcedures,

  create: workspaceProcedure("admin")
    .input(CreateRouteSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const route = await ctx.db
        .$transaction(async (tx) => {
          await assertCredentialInWorkspace(
            tx,
            workspaceId,
            input.deployments.map((d) => d.credentialId),
          );
          const created = await tx.modelRoute.create({
            data: {
              workspaceId,
              alias: input.alias,
              description: input.description ?? null,
              deployments: {
                create: input.deployments.map((d) => ({ ...d, workspaceId })),
              },
            },
            select: {
              id: true,
              alias: true,
              description: true,
              deployments: { select: deploymentSelect },
            },
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "model_route.create",
            targetType: "model_route",
            targetId: created.id,
            after: {
              alias: created.alias,
              description: created.description,
              deployments: created.deployments.map(deploymentView),
            },
          });
          return created;
        })
        .catch((error: unknown) => mapPrismaError(error, conflictMessages));
      await publishWorkspaceConfig(ctx, workspaceId);
      return route;
    }),

  update: workspaceProcedure("admin")
    .input(UpdateRouteSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const route = await ctx.db
        .$transaction(async (tx) => {
          const before = await tx.modelRoute.findFirst({
            where: { id: input.routeId, workspaceId },
            select: { alias: true, description: true },
          });
          if (!before) throw notFound("Route");
          const after = await tx.modelRoute.update({
            where: { id: input.routeId, workspaceId },
            data: {
              ...(input.alias !== undefined ? { alias: input.alias } : {}),
              ...(input.description !== undefined ? { description: input.description } : {}),
            },
            select: { id: true, alias: true, description: true },
          });
          // other routes' dedicated fallbacks follow the rename
          const fallbacksRenamedIn =
            after.alias !== before.alias
              ? await rewriteFallbackReferences(tx, workspaceId, before.alias, after.alias)
              : [];
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "model_route.update",
            targetType: "model_route",
            targetId: after.id,
            before,
            after: {
              alias: after.alias,
              description: after.description,
              ...(fallbacksRenamedIn.length > 0 ? { fallbacksRenamedIn } : {}),
            },
          });
          return after;
        })
        .catch((error: unknown) => mapPrismaError(error, conflictMessages));
      await publishWorkspaceConfig(ctx, workspaceId);
      return route;
    }),

  delete: workspaceProcedure("admin")
    .input(z.object({ routeId: IdSchema }))
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      await ctx.db
        .$transaction(async (tx) => {
          const before = await tx.modelRoute.findFirst({
            where: { id: input.routeId, workspaceId },
            select: { alias: true, description: true, deployments: { select: deploymentSelect } },
          });
          if (!before) throw notFound("Route");
          // deployments cascade with the route; other routes stop falling back to it
          await tx.modelRoute.delete({ where: { id: input.routeId, workspaceId } });
          const fallbacksRemovedFrom = await rewriteFallbackReferences(
            tx,
            workspaceId,
            before.alias,
            null,
          );
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "model_route.delete",
            targetType: "model_route",
            targetId: input.routeId,
            before: {
              alias: before.alias,
              description: before.description,
              deployments: before.deployments.map(deploymentView),
            },
            ...(fallbacksRemovedFrom.length > 0 ? { after: { fallbacksRemovedFrom } } : {}),
          });
        })
        .catch((error: unknown) => mapPrismaError(error, conflictMessages));
      await publishWorkspaceConfig(ctx, workspaceId);
      return { id: input.routeId };
    }),

  addDeployment: workspaceProcedure("admin")
    .input(DeploymentInputSchema.extend({ routeId: IdSchema }))
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const { routeId, ...deployment } = input;
      const created = await ctx.db
        .$transaction(async (tx) => {
          const route = await tx.modelRoute.findFirst({
            where: { id: routeId, workspaceId },
            select: { id: true },
          });
          if (!route) throw notFound("Route");
          await assertCredentialInWorkspace(tx, workspaceId, [deployment.credentialId]);
          const row = await tx.modelDeployment.create({
            data: { ...deployment, routeId: route.id, workspaceId },
            select: deploymentSelect,
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "model_deployment.create",
            targetType: "model_deployment",
            targetId: row.id,
            after: { routeId: route.id, ...deploymentView(row) },
          });
          return row;
        })
        .catch((error: unknown) => mapPrismaError(error, conflictMessages));
      await publishWorkspaceConfig(ctx, workspaceId);
      return created;
    }),

  updateDeployment: workspaceProcedure("admin")
    .input(UpdateDeploymentSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const { deploymentId, ...changes } = input;
      const updated = await ctx.db
        .$transaction(async (tx) => {
          const before = await tx.modelDeployment.findFirst({
            where: { id: deploymentId, workspaceId },
            select: deploymentSelect,
          });
          if (!before) throw notFound("Deployment");
          if (changes.credentialId !== undefined) {
            await assertCredentialInWorkspace(tx, workspaceId, [changes.credentialId]);
          }
          const after = await tx.modelDeployment.update({
            where: { id: deploymentId, workspaceId },
            data: Object.fromEntries(
              Object.entries(changes).filter(([, value]) => value !== undefined),
            ),
            select: deploymentSelect,
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "model_deployment.update",
            targetType: "model_deployment",
            targetId: deploymentId,
            before: deploymentView(before),
            after: deploymentView(after),
          });
          return after;
        })
        .catch((error: unknown) =>
          mapPrismaError(error, { notFound: "Deployment", conflict: "The deployment changed." }),
        );
      await publishWorkspaceConfig(ctx, workspaceId);
      return updated;
    }),

  removeDeployment: workspaceProcedure("admin")
    .input(z.object({ deploymentId: IdSchema }))
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      await ctx.db
        .$transaction(async (tx) => {
          const before = await tx.modelDeployment.findFirst({
            where: { id: input.deploymentId, workspaceId },
            select: { ...deploymentSelect, routeId: true },
          });
          if (!before) throw notFound("Deployment");
          await tx.modelDeployment.delete({ where: { id: input.deploymentId, workspaceId } });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "model_deployment.delete",
            targetType: "model_deployment",
            targetId: input.deploymentId,
            before: { routeId: before.routeId, ...deploymentView(before) },
          });
        })
        .catch((error: unknown) =>
          mapPrismaError(error, { notFound: "Deployment", conflict: "The deployment changed." }),
        );
      await publishWorkspaceConfig(ctx, workspaceId);
      return { id: input.deploymentId };
    }),
});
