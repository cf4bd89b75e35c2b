import type { Prisma } from "@gatehouse/db";
import { DEFAULT_ROUTE_POLICY, RoutePolicySchema, type RoutePolicy } from "@gatehouse/shared";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { UpdateRoutePolicySchema } from "~/lib/route-schemas";
import { recordAudit } from "../audit";
import { mapPrismaError, notFound } from "../prisma-errors";
import { publishWorkspaceConfig } from "../publish";
import { workspaceProcedure } from "../trpc";

/**
 * A route's routing policy (retries, timeouts, load balancing, cooldowns, dedicated fallbacks)
 * and its deployments' order, edited together on the routes page. The shape is the proxy's own
 * contract (RoutePolicySchema); what only the server can check is here: the fallback aliases
 * name other routes of the same workspace, and the deployments belong to this route.
 */

/** The stored policy with its defaults; one the schema refuses reads as the defaults, like
 * the snapshot compiler does, so the editor shows what the proxy actually runs. */
export function storedPolicy(json: Prisma.JsonValue): RoutePolicy {
  const parsed = RoutePolicySchema.safeParse(json ?? {});
  return parsed.success ? parsed.data : DEFAULT_ROUTE_POLICY;
}

type FallbackField = "contextWindowFallbacks" | "contentPolicyFallbacks";
const FALLBACK_FIELDS: readonly FallbackField[] = [
  "contextWindowFallbacks",
  "contentPolicyFallbacks",
];

/** Refuses (BAD_REQUEST, issues at the offending list entries) aliases that are not other
 * routes of the workspace. The issues travel like an input error's, so the editor shows them
 * at their fields. */
async function assertFallbackAliases(
  tx: Prisma.TransactionClient,
  workspaceId: string,
  ownAlias: string,
  policy: RoutePolicy,
): Promise<void> {
  const wanted = [...new Set(FALLBACK_FIELDS.flatMap((field) => policy[field]))];
  if (wanted.length === 0) return;
  const found = await tx.modelRoute.findMany({
    where: { workspaceId, alias: { in: wanted } },
    select: { alias: true },
  });
  const known = new Set(found.map((route) => route.alias));
  const issues: z.core.$ZodIssue[] = [];
  for (const field of FALLBACK_FIELDS) {
    policy[field].forEach((alias, i) => {
      const message =
        alias === ownAlias
          ? "a route cannot fall back to itself"
          : known.has(alias)
            ? null
            : `'${alias}' is not a route of this workspace`;
      if (message)
        issues.push({ code: "custom", path: ["policy", field, i], message, input: alias });
    });
  }
  if (issues.length === 0) return;
  // ZodRealError: an Error, so tRPC keeps it as the cause (the error formatter sends its issues)
  const cause = new z.ZodRealError(issues);
  throw new TRPCError({ code: "BAD_REQUEST", message: cause.message, cause });
}

/**
 * Keeps the other routes' fallback lists pointing at a route that was renamed (`to`) or
 * deleted (`to` null), inside the same transaction. Returns the aliases whose policy changed.
 */
export async function rewriteFallbackReferences(
  tx: Prisma.TransactionClient,
  workspaceId: string,
  from: string,
  to: string | null,
): Promise<string[]> {
  const routes = await tx.modelRoute.findMany({
    where: { workspaceId },
    select: { id: true, alias: true, policy: true },
  });
  const changed: string[] = [];
  for (const route of routes) {
    const policy = storedPolicy(route.policy);
    if (!FALLBACK_FIELDS.some((field) => policy[field].includes(from))) continue;
    const next = { ...policy };
    for (const field of FALLBACK_FIELDS) {
      next[field] = policy[field].flatMap((alias) => (alias !== from ? [alias] : to ? [to] : []));
    }
    await tx.modelRoute.update({
      where: { id: route.id, workspaceId },
      data: { policy: next as Prisma.InputJsonObject },
    });
    changed.push(route.alias);
  }
  return changed;
}

const orderSelect = { id: true, upstreamModel: true, priority: true, weight: true } as const;

export const routePolicyProcedures = {
  updatePolicy: workspaceProcedure("admin")
    .input(UpdateRoutePolicySchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const saved = await ctx.db
        .$transaction(async (tx) => {
          const route = await tx.modelRoute.findFirst({
            where: { id: input.routeId, workspaceId },
            select: {
              id: true,
              alias: true,
              policy: true,
              deployments: { where: { workspaceId }, select: orderSelect },
            },
          });
          if (!route) throw notFound("Route");
          await assertFallbackAliases(tx, workspaceId, route.alias, input.policy);
          const mine = new Set(route.deployments.map((d) => d.id));
          const order = input.deployments ?? [];
          if (order.some((d) => !mine.has(d.deploymentId))) throw notFound("Deployment");
          for (const d of order) {
            await tx.modelDeployment.update({
              where: { id: d.deploymentId, workspaceId },
              data: { priority: d.priority, weight: d.weight },
            });
          }
          const after = await tx.modelRoute.update({
            where: { id: route.id, workspaceId },
            data: { policy: input.policy as Prisma.InputJsonObject },
            select: {
              id: true,
              alias: true,
              policy: true,
              deployments: {
                where: { workspaceId },
                select: orderSelect,
                orderBy: [{ priority: "asc" }, { createdAt: "asc" }],
              },
            },
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "model_route.update_policy",
            targetType: "model_route",
            targetId: route.id,
            before: {
              alias: route.alias,
              policy: storedPolicy(route.policy) as Prisma.InputJsonObject,
              deployments: route.deployments,
            },
            after: {
              alias: after.alias,
              policy: input.policy as Prisma.InputJsonObject,
              deployments: after.deployments,
            },
          });
          return {
            id: after.id,
            policy: storedPolicy(after.policy),
            deployments: after.deployments,
          };
        })
        .catch((error: unknown) =>
          mapPrismaError(error, { notFound: "Route", conflict: "The route changed." }),
        );
      await publishWorkspaceConfig(ctx, workspaceId);
      return saved;
    }),
};
