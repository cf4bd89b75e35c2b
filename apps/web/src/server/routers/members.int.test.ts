import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { RedisKeys, WorkspaceSnapshotSchema, type Role } from "@gatehouse/shared";
import { decryptSecret } from "@gatehouse/shared/server";
import { TRPCError } from "@trpc/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";
import { hashInvitationToken, slugify } from "./workspace";

/** The workspace router's create/rename/settings, members and invitations, on a real database. */

type User = Awaited<ReturnType<typeof createUser>>;

const keyring = createTestKeyring();
let testDb: TestDatabase;
let redis: Redis;

function callerFor(user: User) {
  return createCaller(
    createInnerContext({ db: testDb.prisma, session: sessionFor(user), redis, keyring }),
  );
}

async function failure(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return { code: error.code, message: error.message };
    throw error;
  }
  return { code: "ok", message: "" };
}

async function code(promise: Promise<unknown>): Promise<string> {
  return (await failure(promise)).code;
}

async function roleOf(workspaceId: string, userId: string): Promise<Role | null> {
  const m = await testDb.prisma.membership.findUnique({
    where: { workspaceId_userId: { workspaceId, userId } },
  });
  return (m?.role as Role | undefined) ?? null;
}

async function auditActions(workspaceId: string): Promise<string[]> {
  const logs = await testDb.prisma.auditLog.findMany({
    where: { workspaceId },
    orderBy: { createdAt: "asc" },
  });
  return logs.map((l) => l.action);
}

/** A workspace with one user per role. */
async function team(label: string) {
  const db = testDb.prisma;
  const users = {
    owner: await createUser(db, `${label}-owner`),
    admin: await createUser(db, `${label}-admin`),
    member: await createUser(db, `${label}-member`),
    viewer: await createUser(db, `${label}-viewer`),
  };
  const workspace = await createWorkspace(db, label, [
    { userId: users.owner.id, role: "owner" },
    { userId: users.admin.id, role: "admin" },
    { userId: users.member.id, role: "member" },
    { userId: users.viewer.id, role: "viewer" },
  ]);
  return { ...users, workspaceId: workspace.id };
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-members");
  redis = new Redis(testRedisUrl(3));
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

describe("slugify", () => {
  it("derives URL-safe slugs", () => {
    expect(slugify("Acme Inc.")).toBe("acme-inc");
    expect(slugify("  Über   Team ")).toBe("uber-team");
    expect(slugify("Wendy's team")).toBe("wendys-team");
    expect(slugify("!!!")).toBe("workspace");
  });
});

describe("workspace.create", () => {
  it("makes the creator the owner, with a unique slug, an audit entry and a published snapshot", async () => {
    const user = await createUser(testDb.prisma, "Creator");
    const first = await callerFor(user).workspace.create({ name: "  Rocket Labs " });
    expect(first).toMatchObject({ name: "Rocket Labs", slug: "rocket-labs", role: "owner" });
    const second = await callerFor(user).workspace.create({ name: "Rocket labs!" });
    expect(second.slug).toBe("rocket-labs-2");

    expect(await roleOf(first.id, user.id)).toBe("owner");
    expect(await auditActions(first.id)).toEqual(["workspace.create"]);
    const snapshot = await redis.get(RedisKeys.workspaceSnapshot(first.id));
    expect(WorkspaceSnapshotSchema.parse(JSON.parse(snapshot!))).toMatchObject({
      workspaceId: first.id,
      slug: "rocket-labs",
    });
    const list = await callerFor(user).workspace.list();
    expect(list.map((w) => w.id).sort()).toEqual([first.id, second.id].sort());
  });

  it("rejects an empty name", async () => {
    const user = await createUser(testDb.prisma, "Blank");
    expect(await code(callerFor(user).workspace.create({ name: "   " }))).toBe("BAD_REQUEST");
  });
});

describe("workspace.rename", () => {
  it("renames for an admin, keeps the slug, records before/after", async () => {
    const t = await team("Rename");
    const renamed = await callerFor(t.admin).workspace.rename({
      workspaceId: t.workspaceId,
      name: "Renamed team",
    });
    expect(renamed.name).toBe("Renamed team");
    expect(renamed.slug).toMatch(/^rename-/);
    const audit = await testDb.prisma.auditLog.findFirstOrThrow({
      where: { workspaceId: t.workspaceId, action: "workspace.rename" },
    });
    expect(audit.before).toEqual({ name: "Rename" });
    expect(audit.after).toEqual({ name: "Renamed team" });
  });

  it("refuses members", async () => {
    const t = await team("RenameRefused");
    expect(
      await code(callerFor(t.member).workspace.rename({ workspaceId: t.workspaceId, name: "x" })),
    ).toBe("FORBIDDEN");
  });
});

describe("workspace settings", () => {
  const settings = {
    timeZone: "europe/berlin",
    payloadLogging: true,
    retentionDays: 14,
    failMode: "open" as const,
    rpmLimit: 600,
    tpmLimit: 100_000,
    parallelLimit: 20,
    budgetUsd: "250.50",
    budgetPeriod: "monthly" as const,
    budgetAlertThresholdPct: 80,
    alertWebhookUrl: "https://hooks.example.test/services/T000/B000/secretpath",
    alertWebhookSecret: "whsec-very-secret-signing-key",
  };

  it("saves every setting, encrypts the webhook secret and republishes the snapshot", async () => {
    const t = await team("Settings");
    const saved = await callerFor(t.admin).workspace.updateSettings({
      workspaceId: t.workspaceId,
      ...settings,
    });
    expect(saved).toMatchObject({
      timeZone: "Europe/Berlin",
      payloadLogging: true,
      retentionDays: 14,
      failMode: "open",
      rpmLimit: 600,
      tpmLimit: 100_000,
      parallelLimit: 20,
      budgetAmountNanoUsd: 250_500_000_000n,
      budgetPeriod: "monthly",
      budgetAlertThresholdPct: 80,
      hasAlertWebhookSecret: true,
    });
    const row = await testDb.prisma.workspace.findUniqueOrThrow({ where: { id: t.workspaceId } });
    expect(row.alertWebhookSecretEncrypted).not.toContain(settings.alertWebhookSecret);
    expect(decryptSecret(row.alertWebhookSecretEncrypted!, keyring, t.workspaceId)).toBe(
      settings.alertWebhookSecret,
    );

    const snapshot = WorkspaceSnapshotSchema.parse(
      JSON.parse((await redis.get(RedisKeys.workspaceSnapshot(t.workspaceId)))!),
    );
    expect(snapshot).toMatchObject({
      timeZone: "Europe/Berlin",
      failMode: "open",
      payloadLogging: true,
      limits: { rpm: 600, tpm: 100_000, parallel: 20 },
      budget: { amountNanoUsd: 250_500_000_000, period: "monthly", alertThresholdPct: 80 },
    });

    // Reads never include the secret; viewers do not see the webhook's path either.
    const asAdmin = await callerFor(t.admin).workspace.settings({ workspaceId: t.workspaceId });
    expect(asAdmin.alertWebhookUrl).toBe(settings.alertWebhookUrl);
    const asViewer = await callerFor(t.viewer).workspace.settings({ workspaceId: t.workspaceId });
    expect(asViewer.alertWebhookUrl).toBe("https://hooks.example.test/…");
    for (const read of [asAdmin, asViewer, saved]) {
      expect(
        JSON.stringify(read, (_k, v: unknown) => (typeof v === "bigint" ? `${v}` : v)),
      ).not.toContain(settings.alertWebhookSecret);
    }
    const audit = JSON.stringify(
      await testDb.prisma.auditLog.findMany({ where: { workspaceId: t.workspaceId } }),
    );
    expect(audit).toContain("workspace.update_settings");
    expect(audit).not.toContain(settings.alertWebhookSecret);
    expect(audit).not.toContain(row.alertWebhookSecretEncrypted!);
    expect(audit).not.toContain("secretpath");
  });

  it("keeps the webhook secret when it is left out, removes it with null", async () => {
    const t = await team("SecretKeep");
    const caller = callerFor(t.owner);
    await caller.workspace.updateSettings({ workspaceId: t.workspaceId, ...settings });
    const { alertWebhookSecret: _omit, ...withoutSecret } = settings;
    expect(
      (
        await caller.workspace.updateSettings({
          workspaceId: t.workspaceId,
          ...withoutSecret,
          retentionDays: 7,
        })
      ).hasAlertWebhookSecret,
    ).toBe(true);
    const cleared = await caller.workspace.updateSettings({
      workspaceId: t.workspaceId,
      ...withoutSecret,
      budgetUsd: null,
      budgetPeriod: null,
      budgetAlertThresholdPct: null,
      alertWebhookSecret: null,
    });
    expect(cleared).toMatchObject({ hasAlertWebhookSecret: false, budgetAmountNanoUsd: null });
    const snapshot = WorkspaceSnapshotSchema.parse(
      JSON.parse((await redis.get(RedisKeys.workspaceSnapshot(t.workspaceId)))!),
    );
    expect(snapshot.budget).toBeNull();
  });

  it("rejects invalid settings and refuses members", async () => {
    const t = await team("SettingsInvalid");
    const caller = callerFor(t.owner);
    const bad: Array<Record<string, unknown>> = [
      { timeZone: "Mars/Olympus_Mons" },
      { timeZone: "not a zone" },
      { retentionDays: 0 },
      { rpmLimit: 0 },
      { budgetUsd: "12.3.4" },
      { budgetPeriod: null },
      { alertWebhookUrl: "ftp://example.test/hook" },
      { alertWebhookSecret: "short" },
      { failMode: "maybe" },
    ];
    for (const change of bad) {
      expect(
        await code(
          caller.workspace.updateSettings({
            workspaceId: t.workspaceId,
            ...settings,
            ...(change as Partial<typeof settings>),
          }),
        ),
        JSON.stringify(change),
      ).toBe("BAD_REQUEST");
    }
    expect(
      await code(
        callerFor(t.member).workspace.updateSettings({ workspaceId: t.workspaceId, ...settings }),
      ),
    ).toBe("FORBIDDEN");
  });
});

describe("invitations", () => {
  it("invites with a one-time link stored as a hash; the invitee accepts and joins", async () => {
    const t = await team("Invite");
    const invitee = await createUser(testDb.prisma, "Invitee");
    const invited = await callerFor(t.admin).workspace.invite({
      workspaceId: t.workspaceId,
      email: `  ${invitee.email.toUpperCase()} `,
      role: "member",
    });
    expect(invited.invitePath).toBe(`/invite/${invited.token}`);
    expect(invited.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const stored = await testDb.prisma.invitation.findUniqueOrThrow({
      where: { id: invited.invitation.id },
    });
    expect(stored.tokenHash).toBe(hashInvitationToken(invited.token));
    expect(stored.email).toBe(invitee.email);

    const pending = await callerFor(t.admin).workspace.invitations({ workspaceId: t.workspaceId });
    expect(pending.map((i) => i.email)).toEqual([invitee.email]);
    expect(JSON.stringify(pending)).not.toContain(invited.token);
    expect(JSON.stringify(pending)).not.toContain(stored.tokenHash);

    const preview = await callerFor(invitee).workspace.invitationByToken({ token: invited.token });
    expect(preview).toMatchObject({
      status: "pending",
      role: "member",
      emailMatches: true,
      alreadyMember: false,
      workspace: { id: null, name: "Invite" },
    });

    const accepted = await callerFor(invitee).workspace.acceptInvitation({
      token: invited.token,
    });
    expect(accepted).toEqual({ workspaceId: t.workspaceId, role: "member" });
    expect(await roleOf(t.workspaceId, invitee.id)).toBe("member");
    expect(await callerFor(t.admin).workspace.invitations({ workspaceId: t.workspaceId })).toEqual(
      [],
    );
    // A link works once.
    expect(
      await code(callerFor(invitee).workspace.acceptInvitation({ token: invited.token })),
    ).toBe("NOT_FOUND");

    const audit = await testDb.prisma.auditLog.findMany({ where: { workspaceId: t.workspaceId } });
    expect(audit.map((a) => a.action).sort()).toEqual(["invitation.accept", "invitation.create"]);
    expect(JSON.stringify(audit)).not.toContain(invited.token);
    expect(JSON.stringify(audit)).not.toContain(stored.tokenHash);
  });

  it("refuses an invitee signed in with another email, and unknown or malformed tokens", async () => {
    const t = await team("InviteMismatch");
    const someoneElse = await createUser(testDb.prisma, "SomeoneElse");
    const { token } = await callerFor(t.owner).workspace.invite({
      workspaceId: t.workspaceId,
      email: "intended@example.test",
      role: "viewer",
    });
    const mismatch = await failure(callerFor(someoneElse).workspace.acceptInvitation({ token }));
    expect(mismatch).toEqual({
      code: "FORBIDDEN",
      message: "This invitation was sent to a different email address.",
    });
    expect(await roleOf(t.workspaceId, someoneElse.id)).toBeNull();
    expect((await callerFor(someoneElse).workspace.invitationByToken({ token })).emailMatches).toBe(
      false,
    );
    expect(
      await code(callerFor(someoneElse).workspace.acceptInvitation({ token: "A".repeat(43) })),
    ).toBe("NOT_FOUND");
    expect(await code(callerFor(someoneElse).workspace.acceptInvitation({ token: "short" }))).toBe(
      "BAD_REQUEST",
    );
  });

  it("refuses revoked and expired invitations", async () => {
    const t = await team("InviteRevoke");
    const invitee = await createUser(testDb.prisma, "Revoked");
    const { token, invitation } = await callerFor(t.admin).workspace.invite({
      workspaceId: t.workspaceId,
      email: invitee.email,
      role: "viewer",
    });
    await callerFor(t.admin).workspace.revokeInvitation({
      workspaceId: t.workspaceId,
      invitationId: invitation.id,
    });
    expect(await code(callerFor(invitee).workspace.acceptInvitation({ token }))).toBe("NOT_FOUND");
    expect((await callerFor(invitee).workspace.invitationByToken({ token })).status).toBe(
      "revoked",
    );

    const again = await callerFor(t.admin).workspace.invite({
      workspaceId: t.workspaceId,
      email: invitee.email,
      role: "viewer",
    });
    await testDb.prisma.invitation.update({
      where: { id: again.invitation.id },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    expect(await code(callerFor(invitee).workspace.acceptInvitation({ token: again.token }))).toBe(
      "NOT_FOUND",
    );
    expect(await roleOf(t.workspaceId, invitee.id)).toBeNull();
    expect(
      await code(
        callerFor(t.admin).workspace.revokeInvitation({
          workspaceId: t.workspaceId,
          invitationId: invitation.id,
        }),
      ),
    ).toBe("NOT_FOUND");
  });

  it("caps the role at the inviter's, refuses existing members, and replaces a pending invite", async () => {
    const t = await team("InviteRules");
    expect(
      await code(
        callerFor(t.admin).workspace.invite({
          workspaceId: t.workspaceId,
          email: "boss@example.test",
          role: "owner",
        }),
      ),
    ).toBe("FORBIDDEN");
    const asOwner = await callerFor(t.owner).workspace.invite({
      workspaceId: t.workspaceId,
      email: "boss@example.test",
      role: "owner",
    });
    expect(asOwner.invitation.role).toBe("owner");
    expect(
      await code(
        callerFor(t.owner).workspace.invite({
          workspaceId: t.workspaceId,
          email: t.member.email,
          role: "admin",
        }),
      ),
    ).toBe("CONFLICT");
    // an admin may not revoke an owner invitation either
    expect(
      await code(
        callerFor(t.admin).workspace.revokeInvitation({
          workspaceId: t.workspaceId,
          invitationId: asOwner.invitation.id,
        }),
      ),
    ).toBe("FORBIDDEN");

    const replacement = await callerFor(t.owner).workspace.invite({
      workspaceId: t.workspaceId,
      email: "boss@example.test",
      role: "admin",
    });
    const pending = await callerFor(t.owner).workspace.invitations({
      workspaceId: t.workspaceId,
    });
    expect(pending.map((i) => [i.id, i.role])).toEqual([[replacement.invitation.id, "admin"]]);
  });
});

describe("members", () => {
  it("lists members by role for every member, marking the caller", async () => {
    const t = await team("List");
    const members = await callerFor(t.viewer).workspace.members({ workspaceId: t.workspaceId });
    expect(members.map((m) => m.role)).toEqual(["owner", "admin", "member", "viewer"]);
    expect(members.filter((m) => m.isYou).map((m) => m.userId)).toEqual([t.viewer.id]);
  });

  it("changes roles: admins up to admin, only owners touch the owner role", async () => {
    const t = await team("Roles");
    const ws = t.workspaceId;
    await callerFor(t.admin).workspace.changeRole({
      workspaceId: ws,
      userId: t.viewer.id,
      role: "admin",
    });
    expect(await roleOf(ws, t.viewer.id)).toBe("admin");
    expect(
      await code(
        callerFor(t.admin).workspace.changeRole({
          workspaceId: ws,
          userId: t.member.id,
          role: "owner",
        }),
      ),
    ).toBe("FORBIDDEN");
    expect(
      await code(
        callerFor(t.admin).workspace.changeRole({
          workspaceId: ws,
          userId: t.owner.id,
          role: "admin",
        }),
      ),
    ).toBe("FORBIDDEN");
    expect(
      await code(
        callerFor(t.member).workspace.changeRole({
          workspaceId: ws,
          userId: t.viewer.id,
          role: "viewer",
        }),
      ),
    ).toBe("FORBIDDEN");
    await callerFor(t.owner).workspace.changeRole({
      workspaceId: ws,
      userId: t.member.id,
      role: "owner",
    });
    expect(await roleOf(ws, t.member.id)).toBe("owner");
    const audit = await testDb.prisma.auditLog.findFirstOrThrow({
      where: { workspaceId: ws, action: "member.change_role", targetId: t.member.id },
    });
    expect(audit.before).toEqual({ email: t.member.email, role: "member" });
    expect(audit.after).toEqual({ email: t.member.email, role: "owner" });
    expect(
      await code(
        callerFor(t.owner).workspace.changeRole({
          workspaceId: ws,
          userId: "cl0000000000000000000000",
          role: "viewer",
        }),
      ),
    ).toBe("NOT_FOUND");
  });

  it("never demotes, removes or lets go the last owner", async () => {
    const t = await team("LastOwner");
    const ws = t.workspaceId;
    const owner = callerFor(t.owner);
    const lastOwner = await failure(
      owner.workspace.changeRole({ workspaceId: ws, userId: t.owner.id, role: "admin" }),
    );
    expect(lastOwner.code).toBe("PRECONDITION_FAILED");
    expect(lastOwner.message).toContain("at least one owner");
    expect(await code(owner.workspace.removeMember({ workspaceId: ws, userId: t.owner.id }))).toBe(
      "PRECONDITION_FAILED",
    );
    expect(await code(owner.workspace.leave({ workspaceId: ws }))).toBe("PRECONDITION_FAILED");
    expect(await roleOf(ws, t.owner.id)).toBe("owner");

    // With a second owner the first can step down; the second is then the last owner.
    await owner.workspace.changeRole({ workspaceId: ws, userId: t.admin.id, role: "owner" });
    await owner.workspace.changeRole({ workspaceId: ws, userId: t.owner.id, role: "admin" });
    expect(await roleOf(ws, t.owner.id)).toBe("admin");
    expect(await code(callerFor(t.admin).workspace.leave({ workspaceId: ws }))).toBe(
      "PRECONDITION_FAILED",
    );
  });

  it("two owners demoting each other at once leave one owner", async () => {
    const t = await team("Race");
    const ws = t.workspaceId;
    await callerFor(t.owner).workspace.changeRole({
      workspaceId: ws,
      userId: t.admin.id,
      role: "owner",
    });
    const results = await Promise.all([
      code(
        callerFor(t.owner).workspace.changeRole({
          workspaceId: ws,
          userId: t.admin.id,
          role: "admin",
        }),
      ),
      code(
        callerFor(t.admin).workspace.changeRole({
          workspaceId: ws,
          userId: t.owner.id,
          role: "admin",
        }),
      ),
    ]);
    expect(results.sort()).toEqual(["FORBIDDEN", "ok"]);
    expect(
      await testDb.prisma.membership.count({ where: { workspaceId: ws, role: "owner" } }),
    ).toBe(1);
  });

  it("removes members: admins cannot remove owners", async () => {
    const t = await team("Remove");
    const ws = t.workspaceId;
    expect(
      await code(
        callerFor(t.admin).workspace.removeMember({ workspaceId: ws, userId: t.owner.id }),
      ),
    ).toBe("FORBIDDEN");
    expect(
      await code(
        callerFor(t.member).workspace.removeMember({ workspaceId: ws, userId: t.viewer.id }),
      ),
    ).toBe("FORBIDDEN");
    await callerFor(t.admin).workspace.removeMember({ workspaceId: ws, userId: t.viewer.id });
    expect(await roleOf(ws, t.viewer.id)).toBeNull();
    // the removed viewer has lost access
    expect(await code(callerFor(t.viewer).workspace.byId({ workspaceId: ws }))).toBe("NOT_FOUND");
    expect(await auditActions(ws)).toEqual(["member.remove"]);
  });

  it("lets any member leave", async () => {
    const t = await team("Leave");
    const ws = t.workspaceId;
    await callerFor(t.viewer).workspace.leave({ workspaceId: ws });
    expect(await roleOf(ws, t.viewer.id)).toBeNull();
    const audit = await testDb.prisma.auditLog.findFirstOrThrow({
      where: { workspaceId: ws, action: "member.leave" },
    });
    expect(audit).toMatchObject({ actorUserId: t.viewer.id, targetId: t.viewer.id });
    expect(await code(callerFor(t.viewer).workspace.leave({ workspaceId: ws }))).toBe("NOT_FOUND");
  });
});
