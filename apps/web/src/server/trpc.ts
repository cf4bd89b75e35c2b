/**
 * tRPC setup: the context, and the procedure ladder every router builds on.
 *
 *   publicProcedure                anyone
 *   └ protectedProcedure           a signed-in user: ctx.session.user.id is set
 *     └ workspaceProcedure(role)   a member of input.workspaceId with at least `role`:
 *                                  ctx.workspace, ctx.role are set
 *
 * Procedures receive the database through ctx.db, so tests run them against their own
 * database through `createCaller` (root.ts).
 */
import { initTRPC, TRPCError } from "@trpc/server";
import { RoleSchema, roleAtLeast, type Role } from "@gatehouse/shared";
import type { Session } from "next-auth";
import superjson from "superjson";
import { z } from "zod";
import { isProduction } from "~/env";
import type { Keyring } from "@gatehouse/shared/server";
import type { RedisClient } from "@gatehouse/db";
import type { Db } from "./db";
import { getKeyring } from "./keyring";
import { getRedis } from "./redis";

export interface Context {
  db: Db;
  session: Session | null;
  /** Redis for config publishing; a function so that reads never open a connection */
  redis: () => RedisClient;
  /** the credential-encryption master keys */
  keyring: () => Keyring;
}

export interface InnerContextOptions {
  db: Db;
  session: Session | null;
  /** tests pass their own (their Redis db number); the app uses the process-wide client */
  redis?: RedisClient;
  keyring?: Keyring;
}

/** The context without HTTP: used by the route handler (via context.ts) and by tests. */
export function createInnerContext(opts: InnerContextOptions): Context {
  const { redis, keyring } = opts;
  return {
    db: opts.db,
    session: opts.session,
    redis: redis ? () => redis : getRedis,
    keyring: keyring ? () => keyring : getKeyring,
  };
}

const t = initTRPC.context<Context>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    // Unexpected failures (database errors and the like) keep their details in the server
    // log; the client learns only that something went wrong.
    const hideMessage = error.code === "INTERNAL_SERVER_ERROR" && isProduction;
    return {
      ...shape,
      message: hideMessage ? "Internal server error" : shape.message,
      data: {
        ...shape.data,
        zodError: error.cause instanceof z.ZodError ? z.flattenError(error.cause) : null,
      },
    };
  },
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure;

export const protectedProcedure = t.procedure.use(({ ctx, next }) => {
  const userId = ctx.session?.user.id;
  if (!ctx.session || !userId) {
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in to continue." });
  }
  return next({ ctx: { session: ctx.session, userId } });
});

export const WorkspaceInputSchema = z.object({ workspaceId: z.string().min(1).max(64) });

/**
 * A procedure scoped to `input.workspaceId`: the membership is looked up by workspace *and*
 * user in one query, so a workspace the caller does not belong to is indistinguishable from
 * one that does not exist (NOT_FOUND); a member below `minRole` gets FORBIDDEN.
 * Routers extend the input: `workspaceProcedure("admin").input(z.object({ name: ... }))`.
 */
export function workspaceProcedure(minRole: Role) {
  return protectedProcedure.input(WorkspaceInputSchema).use(async ({ ctx, input, next }) => {
    const membership = await ctx.db.membership.findUnique({
      where: { workspaceId_userId: { workspaceId: input.workspaceId, userId: ctx.userId } },
      select: { role: true, workspace: true },
    });
    if (!membership) {
      throw new TRPCError({ code: "NOT_FOUND", message: "Workspace not found." });
    }
    const role = RoleSchema.parse(membership.role);
    if (!roleAtLeast(role, minRole)) {
      throw new TRPCError({
        code: "FORBIDDEN",
        message: `This needs the ${minRole} role or higher in the workspace.`,
      });
    }
    return next({ ctx: { workspace: membership.workspace, role } });
  });
}
