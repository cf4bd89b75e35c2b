import { createHash, randomBytes } from "node:crypto";
import type { Prisma } from "@gatehouse/db";
import { RoleSchema, ROLE_RANK, roleAtLeast, type Role } from "@gatehouse/shared";
import { encryptSecret } from "@gatehouse/shared/server";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  CreateWorkspaceSchema,
  InvitationTokenSchema,
  InviteSchema,
  WorkspaceNameSchema,
  WorkspaceSettingsSchema,
} from "~/lib/workspace-schemas";
import { recordAudit } from "../audit";
import { isUniqueViolation, notFound } from "../prisma-errors";
import { publishWorkspaceConfig } from "../publish";
import { createTRPCRouter, protectedProcedure, workspaceProcedure } from "../trpc";

/**
 * Workspaces, their settings, members and invitations.
 *
 * Roles: owner > admin > member > viewer. Admins manage members and settings; only owners
 * grant or revoke the owner role, and a workspace never loses its last owner (membership
 * changes lock the workspace row, so two owners demoting each other at once cannot both win).
 */

const IdSchema = z.string().min(1).max(64);
const INVITATION_TTL_MS = 7 * 24 * 60 * 60 * 1000;

const workspaceSummary = { id: true, name: true, slug: true, createdAt: true } as const;

type Tx = Prisma.TransactionClient;

/** "Acme Inc." → "acme-inc", "Wendy's team" → "wendys-team"; never empty. */
export function slugify(name: string): string {
  const slug = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/['’]/g, "")
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 40)
    .replace(/-+$/g, "");
  return slug || "workspace";
}

/** The first of slug, slug-2, slug-3, ... that no workspace uses. */
async function freeSlug(db: Tx, base: string): Promise<string> {
  const taken = new Set(
    (
      await db.workspace.findMany({
        where: { slug: { startsWith: base } },
        select: { slug: true },
      })
    ).map((w) => w.slug),
  );
  if (!taken.has(base)) return base;
  for (let n = 2; ; n += 1) {
    if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  }
}

export function hashInvitationToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/**
 * Locks the workspace row for the rest of the transaction and returns the caller's current
 * role: membership changes serialize per workspace and decide on fresh data.
 */
async function lockWorkspace(tx: Tx, workspaceId: string, userId: string): Promise<Role> {
  await tx.$queryRaw`SELECT id FROM workspaces WHERE id = ${workspaceId} FOR UPDATE`;
  const membership = await tx.membership.findUnique({
    where: { workspaceId_userId: { workspaceId, userId } },
    select: { role: true },
  });
  if (!membership) throw new TRPCError({ code: "NOT_FOUND", message: "Workspace not found." });
  return RoleSchema.parse(membership.role);
}

function ownerCount(tx: Tx, workspaceId: string): Promise<number> {
  return tx.membership.count({ where: { workspaceId, role: "owner" } });
}

const LAST_OWNER_MESSAGE =
  "A workspace needs at least one owner: make someone else an owner first.";

/** A URL as the audit log and non-admins see it: its origin only (webhook paths are secrets). */
function redactUrl(url: string | null): string | null {
  if (!url) return null;
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return "(invalid URL)";
  }
}

type WorkspaceRow = Prisma.WorkspaceGetPayload<object>;

function settingsOf(workspace: WorkspaceRow) {
  return {
    timeZone: workspace.timeZone,
    payloadLogging: workspace.payloadLogging,
    retentionDays: workspace.retentionDays,
    failMode: workspace.failMode,
    rpmLimit: workspace.rpmLimit,
    tpmLimit: workspace.tpmLimit,
    parallelLimit: workspace.parallelLimit,
    budgetAmountNanoUsd: workspace.budgetAmountNanoUsd,
    budgetPeriod: workspace.budgetPeriod,
    budgetAlertThresholdPct: workspace.budgetAlertThresholdPct,
    alertWebhookUrl: workspace.alertWebhookUrl,
    hasAlertWebhookSecret: workspace.alertWebhookSecretEncrypted !== null,
  };
}

/** Settings for the audit log: no secret, no webhook path, money as a decimal string. */
function auditSettings(workspace: WorkspaceRow): Prisma.InputJsonObject {
  const settings = settingsOf(workspace);
  return {
    ...settings,
    budgetAmountNanoUsd: settings.budgetAmountNanoUsd?.toString() ?? null,
    alertWebhookUrl: redactUrl(settings.alertWebhookUrl),
  };
}

const memberUser = { select: { id: true, name: true, email: true } } as const;

const invitationSummary = {
  id: true,
  email: true,
  role: true,
  expiresAt: true,
  createdAt: true,
  invitedBy: { select: { id: true, name: true, email: true } },
} as const;

function assertCanGrant(callerRole: Role, role: Role): void {
  if (ROLE_RANK[role] > ROLE_RANK[callerRole]) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: `You cannot grant the ${role} role: it is above your own.`,
    });
  }
}

const MemberInputSchema = z.object({ userId: IdSchema });

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

  /** A new workspace with the caller as its owner; the slug is derived from the name. */
  create: protectedProcedure.input(CreateWorkspaceSchema).mutation(async ({ ctx, input }) => {
    const base = slugify(input.name);
    const attempt = (slugFor: (tx: Tx) => Promise<string>) =>
      ctx.db.$transaction(async (tx) => {
        const workspace = await tx.workspace.create({
          data: {
            name: input.name,
            slug: await slugFor(tx),
            memberships: { create: { userId: ctx.userId, role: "owner" } },
          },
          select: workspaceSummary,
        });
        await recordAudit(tx, {
          workspaceId: workspace.id,
          actorUserId: ctx.userId,
          action: "workspace.create",
          targetType: "workspace",
          targetId: workspace.id,
          after: { name: workspace.name, slug: workspace.slug },
        });
        return workspace;
      });
    const workspace = await attempt((tx) => freeSlug(tx, base)).catch((error: unknown) => {
      // Another workspace took the same slug between the lookup and the insert.
      if (!isUniqueViolation(error)) throw error;
      return attempt(async () => `${base}-${randomBytes(3).toString("hex")}`);
    });
    await publishWorkspaceConfig(ctx, workspace.id);
    return { ...workspace, role: "owner" as const };
  }),

  rename: workspaceProcedure("admin")
    .input(z.object({ name: WorkspaceNameSchema }))
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      // The name is not part of the proxy's snapshot (the slug is, and stays): nothing to publish.
      return ctx.db.$transaction(async (tx) => {
        const before = await tx.workspace.findUniqueOrThrow({
          where: { id: workspaceId },
          select: { name: true },
        });
        const workspace = await tx.workspace.update({
          where: { id: workspaceId },
          data: { name: input.name },
          select: workspaceSummary,
        });
        await recordAudit(tx, {
          workspaceId,
          actorUserId: ctx.userId,
          action: "workspace.rename",
          targetType: "workspace",
          targetId: workspaceId,
          before: { name: before.name },
          after: { name: workspace.name },
        });
        return workspace;
      });
    }),

  /** The workspace's settings. The webhook URL's path is shown to admins only. */
  settings: workspaceProcedure("viewer").query(({ ctx }) => {
    const settings = settingsOf(ctx.workspace);
    return {
      ...settings,
      alertWebhookUrl: roleAtLeast(ctx.role, "admin")
        ? settings.alertWebhookUrl
        : redactUrl(settings.alertWebhookUrl),
    };
  }),

  updateSettings: workspaceProcedure("admin")
    .input(WorkspaceSettingsSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const { workspaceId: _workspaceId, alertWebhookSecret, budgetUsd, ...fields } = input;
      const updated = await ctx.db.$transaction(async (tx) => {
        const before = await tx.workspace.findUniqueOrThrow({ where: { id: workspaceId } });
        const workspace = await tx.workspace.update({
          where: { id: workspaceId },
          data: {
            ...fields,
            budgetAmountNanoUsd: budgetUsd,
            // absent: keep; null: remove; a string: encrypt (AAD = the workspace id)
            ...(alertWebhookSecret === undefined
              ? {}
              : {
                  alertWebhookSecretEncrypted:
                    alertWebhookSecret === null
                      ? null
                      : encryptSecret(alertWebhookSecret, ctx.keyring(), workspaceId),
                }),
          },
        });
        await recordAudit(tx, {
          workspaceId,
          actorUserId: ctx.userId,
          action: "workspace.update_settings",
          targetType: "workspace",
          targetId: workspaceId,
          before: auditSettings(before),
          after: {
            ...auditSettings(workspace),
            ...(alertWebhookSecret ? { alertWebhookSecretChanged: true } : {}),
          },
        });
        return workspace;
      });
      await publishWorkspaceConfig(ctx, workspaceId);
      return settingsOf(updated);
    }),

  members: workspaceProcedure("viewer").query(async ({ ctx }) => {
    const memberships = await ctx.db.membership.findMany({
      where: { workspaceId: ctx.workspace.id },
      select: { role: true, createdAt: true, user: memberUser },
    });
    return memberships
      .map((m) => ({
        userId: m.user.id,
        name: m.user.name,
        email: m.user.email,
        role: RoleSchema.parse(m.role),
        joinedAt: m.createdAt,
        isYou: m.user.id === ctx.userId,
      }))
      .sort(
        (a, b) =>
          ROLE_RANK[b.role] - ROLE_RANK[a.role] ||
          (a.name ?? a.email).localeCompare(b.name ?? b.email) ||
          a.email.localeCompare(b.email),
      );
  }),

  /**
   * An invitation for `email` with `role` (at most the inviter's own). Returns the invite
   * link's token once: only its SHA-256 is stored. A newer invitation for the same email
   * replaces the pending one.
   */
  invite: workspaceProcedure("admin")
    .input(InviteSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      assertCanGrant(ctx.role, input.role);
      const token = randomBytes(32).toString("base64url");
      const invitation = await ctx.db.$transaction(async (tx) => {
        const member = await tx.membership.findFirst({
          where: { workspaceId, user: { email: input.email } },
          select: { id: true },
        });
        if (member) {
          throw new TRPCError({
            code: "CONFLICT",
            message: "This person is already a member of the workspace.",
          });
        }
        const now = new Date();
        const replaced = await tx.invitation.updateMany({
          where: {
            workspaceId,
            email: input.email,
            acceptedAt: null,
            revokedAt: null,
            expiresAt: { gt: now },
          },
          data: { revokedAt: now },
        });
        const created = await tx.invitation.create({
          data: {
            workspaceId,
            email: input.email,
            role: input.role,
            tokenHash: hashInvitationToken(token),
            invitedById: ctx.userId,
            expiresAt: new Date(now.getTime() + INVITATION_TTL_MS),
          },
          select: invitationSummary,
        });
        await recordAudit(tx, {
          workspaceId,
          actorUserId: ctx.userId,
          action: "invitation.create",
          targetType: "invitation",
          targetId: created.id,
          after: {
            email: created.email,
            role: created.role,
            expiresAt: created.expiresAt.toISOString(),
            replacedPending: replaced.count,
          },
        });
        return created;
      });
      return { invitation, token, invitePath: `/invite/${token}` };
    }),

  /** Pending invitations (not accepted, revoked or expired), newest first. */
  invitations: workspaceProcedure("admin").query(({ ctx }) =>
    ctx.db.invitation.findMany({
      where: {
        workspaceId: ctx.workspace.id,
        acceptedAt: null,
        revokedAt: null,
        expiresAt: { gt: new Date() },
      },
      select: invitationSummary,
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    }),
  ),

  revokeInvitation: workspaceProcedure("admin")
    .input(z.object({ invitationId: IdSchema }))
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      return ctx.db.$transaction(async (tx) => {
        const invitation = await tx.invitation.findFirst({
          where: { id: input.invitationId, workspaceId, acceptedAt: null, revokedAt: null },
          select: { id: true, email: true, role: true },
        });
        if (!invitation) throw notFound("Invitation");
        assertCanGrant(ctx.role, RoleSchema.parse(invitation.role));
        await tx.invitation.update({
          where: { id: invitation.id, workspaceId },
          data: { revokedAt: new Date() },
        });
        await recordAudit(tx, {
          workspaceId,
          actorUserId: ctx.userId,
          action: "invitation.revoke",
          targetType: "invitation",
          targetId: invitation.id,
          before: { email: invitation.email, role: invitation.role },
        });
        return { id: invitation.id };
      });
    }),

  /** What an invite link offers, for the accept page (the token is the capability). */
  invitationByToken: protectedProcedure
    .input(z.object({ token: InvitationTokenSchema }))
    .query(async ({ ctx, input }) => {
      const invitation = await ctx.db.invitation.findUnique({
        where: { tokenHash: hashInvitationToken(input.token) },
        select: {
          email: true,
          role: true,
          expiresAt: true,
          acceptedAt: true,
          revokedAt: true,
          workspace: { select: { id: true, name: true } },
          invitedBy: { select: { name: true, email: true } },
        },
      });
      if (!invitation) throw notFound("Invitation");
      const [user, membership] = await Promise.all([
        ctx.db.user.findUniqueOrThrow({ where: { id: ctx.userId }, select: { email: true } }),
        ctx.db.membership.findUnique({
          where: {
            workspaceId_userId: { workspaceId: invitation.workspace.id, userId: ctx.userId },
          },
          select: { role: true },
        }),
      ]);
      const status = invitation.acceptedAt
        ? ("accepted" as const)
        : invitation.revokedAt
          ? ("revoked" as const)
          : invitation.expiresAt <= new Date()
            ? ("expired" as const)
            : ("pending" as const);
      return {
        status,
        email: invitation.email,
        role: RoleSchema.parse(invitation.role),
        expiresAt: invitation.expiresAt,
        // the workspace id only to its members: anyone else learns the name from the link
        workspace: {
          id: membership ? invitation.workspace.id : null,
          name: invitation.workspace.name,
        },
        invitedBy: invitation.invitedBy.name ?? invitation.invitedBy.email,
        emailMatches: user.email === invitation.email,
        alreadyMember: membership !== null,
      };
    }),

  /** Joins the workspace of a pending invitation sent to the signed-in user's email. */
  acceptInvitation: protectedProcedure
    .input(z.object({ token: InvitationTokenSchema }))
    .mutation(async ({ ctx, input }) => {
      const user = await ctx.db.user.findUniqueOrThrow({
        where: { id: ctx.userId },
        select: { email: true },
      });
      return ctx.db.$transaction(async (tx) => {
        const invitation = await tx.invitation.findUnique({
          where: { tokenHash: hashInvitationToken(input.token) },
          select: {
            id: true,
            workspaceId: true,
            email: true,
            role: true,
            expiresAt: true,
            acceptedAt: true,
            revokedAt: true,
          },
        });
        const now = new Date();
        if (
          !invitation ||
          invitation.acceptedAt ||
          invitation.revokedAt ||
          invitation.expiresAt <= now
        ) {
          throw new TRPCError({
            code: "NOT_FOUND",
            message: "This invitation is no longer valid. Ask for a new invite link.",
          });
        }
        if (invitation.email !== user.email) {
          throw new TRPCError({
            code: "FORBIDDEN",
            message: "This invitation was sent to a different email address.",
          });
        }
        // Only one accept wins, even for two tabs clicking at once.
        const claimed = await tx.invitation.updateMany({
          where: { id: invitation.id, acceptedAt: null, revokedAt: null },
          data: { acceptedAt: now },
        });
        if (claimed.count !== 1) {
          throw new TRPCError({
            code: "NOT_FOUND",
            message: "This invitation is no longer valid. Ask for a new invite link.",
          });
        }
        const workspaceId = invitation.workspaceId;
        const existing = await tx.membership.findUnique({
          where: { workspaceId_userId: { workspaceId, userId: ctx.userId } },
          select: { role: true },
        });
        // Already a member: keep the current role (an invitation never demotes anyone).
        const role = existing ? RoleSchema.parse(existing.role) : RoleSchema.parse(invitation.role);
        if (!existing) {
          await tx.membership.create({ data: { workspaceId, userId: ctx.userId, role } });
        }
        await recordAudit(tx, {
          workspaceId,
          actorUserId: ctx.userId,
          action: "invitation.accept",
          targetType: "membership",
          targetId: ctx.userId,
          after: { email: invitation.email, role, invitationId: invitation.id },
        });
        return { workspaceId, role };
      });
    }),

  changeRole: workspaceProcedure("admin")
    .input(MemberInputSchema.extend({ role: RoleSchema }))
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      return ctx.db.$transaction(async (tx) => {
        const callerRole = await lockWorkspace(tx, workspaceId, ctx.userId);
        if (!roleAtLeast(callerRole, "admin")) {
          throw new TRPCError({ code: "FORBIDDEN", message: "This needs the admin role." });
        }
        const target = await tx.membership.findUnique({
          where: { workspaceId_userId: { workspaceId, userId: input.userId } },
          select: { role: true, user: memberUser },
        });
        if (!target) throw notFound("Member");
        const from = RoleSchema.parse(target.role);
        if ((from === "owner" || input.role === "owner") && callerRole !== "owner") {
          throw new TRPCError({
            code: "FORBIDDEN",
            message: "Only owners can grant or revoke the owner role.",
          });
        }
        assertCanGrant(callerRole, input.role);
        if (from === input.role) return { userId: input.userId, role: from };
        if (from === "owner" && (await ownerCount(tx, workspaceId)) <= 1) {
          throw new TRPCError({ code: "PRECONDITION_FAILED", message: LAST_OWNER_MESSAGE });
        }
        await tx.membership.update({
          where: { workspaceId_userId: { workspaceId, userId: input.userId } },
          data: { role: input.role },
        });
        await recordAudit(tx, {
          workspaceId,
          actorUserId: ctx.userId,
          action: "member.change_role",
          targetType: "membership",
          targetId: input.userId,
          before: { email: target.user.email, role: from },
          after: { email: target.user.email, role: input.role },
        });
        return { userId: input.userId, role: input.role };
      });
    }),

  removeMember: workspaceProcedure("admin")
    .input(MemberInputSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      return ctx.db.$transaction(async (tx) => {
        const callerRole = await lockWorkspace(tx, workspaceId, ctx.userId);
        if (!roleAtLeast(callerRole, "admin")) {
          throw new TRPCError({ code: "FORBIDDEN", message: "This needs the admin role." });
        }
        const target = await tx.membership.findUnique({
          where: { workspaceId_userId: { workspaceId, userId: input.userId } },
          select: { role: true, user: memberUser },
        });
        if (!target) throw notFound("Member");
        const role = RoleSchema.parse(target.role);
        if (role === "owner" && callerRole !== "owner") {
          throw new TRPCError({ code: "FORBIDDEN", message: "Admins cannot remove owners." });
        }
        if (role === "owner" && (await ownerCount(tx, workspaceId)) <= 1) {
          throw new TRPCError({ code: "PRECONDITION_FAILED", message: LAST_OWNER_MESSAGE });
        }
        await tx.membership.delete({
          where: { workspaceId_userId: { workspaceId, userId: input.userId } },
        });
        await recordAudit(tx, {
          workspaceId,
          actorUserId: ctx.userId,
          action: "member.remove",
          targetType: "membership",
          targetId: input.userId,
          before: { email: target.user.email, role },
        });
        return { userId: input.userId };
      });
    }),

  /** Leaves the workspace; its last owner cannot. */
  leave: workspaceProcedure("viewer").mutation(async ({ ctx }) => {
    const workspaceId = ctx.workspace.id;
    return ctx.db.$transaction(async (tx) => {
      const role = await lockWorkspace(tx, workspaceId, ctx.userId);
      if (role === "owner" && (await ownerCount(tx, workspaceId)) <= 1) {
        throw new TRPCError({
          code: "PRECONDITION_FAILED",
          message: "You are the last owner: make someone else an owner before leaving.",
        });
      }
      const user = await tx.user.findUniqueOrThrow({
        where: { id: ctx.userId },
        select: { email: true },
      });
      await tx.membership.delete({
        where: { workspaceId_userId: { workspaceId, userId: ctx.userId } },
      });
      await recordAudit(tx, {
        workspaceId,
        actorUserId: ctx.userId,
        action: "member.leave",
        targetType: "membership",
        targetId: ctx.userId,
        before: { email: user.email, role },
      });
      return { workspaceId };
    });
  }),
});
