import { RedisKeys, WorkspaceSnapshotSchema } from "@gatehouse/shared";
import { decryptSecret, type Keyring } from "@gatehouse/shared/server";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { TRPCError } from "@trpc/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";

const SECRET = "sk-plaintext-provider-secret-9f3c1a7e";

let testDb: TestDatabase;
let redis: Redis;
let keyring: Keyring;
let owner: Awaited<ReturnType<typeof createUser>>;
let member: Awaited<ReturnType<typeof createUser>>;
let workspaceId: string;
let otherWorkspaceId: string;
let otherCredentialId: string;

function callerFor(user: { id: string; email: string; name: string | null }) {
  return createCaller(
    createInnerContext({ db: testDb.prisma, session: sessionFor(user), redis, keyring }),
  );
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

async function workspaceSnapshot(id: string) {
  const json = await redis.get(RedisKeys.workspaceSnapshot(id));
  return json === null ? null : WorkspaceSnapshotSchema.parse(JSON.parse(json));
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-credential");
  redis = new Redis(testRedisUrl(3));
  keyring = createTestKeyring();
  owner = await createUser(testDb.prisma, "Owner");
  member = await createUser(testDb.prisma, "Member");
  const other = await createUser(testDb.prisma, "Other");
  workspaceId = (
    await createWorkspace(testDb.prisma, "Creds", [
      { userId: owner.id, role: "owner" },
      { userId: member.id, role: "member" },
    ])
  ).id;
  otherWorkspaceId = (
    await createWorkspace(testDb.prisma, "Other", [{ userId: other.id, role: "owner" }])
  ).id;
  otherCredentialId = (
    await callerFor(other).credential.create({
      workspaceId: otherWorkspaceId,
      name: "theirs",
      provider: "openai",
      secret: "sk-other-tenant-secret-0000",
      createDefaultRoutes: false,
    })
  ).id;
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

describe("credential", () => {
  it("creates, encrypts with aad = credential id, publishes, and never returns the secret", async () => {
    const caller = callerFor(owner);
    const created = await caller.credential.create({
      workspaceId,
      name: "OpenAI prod",
      provider: "openai",
      secret: SECRET,
    });
    expect(created).toMatchObject({
      name: "OpenAI prod",
      provider: "openai",
      baseUrl: "https://api.openai.com/v1",
      secretHint: SECRET.slice(-4),
      defaultRoutes: ["gpt-4o", "gpt-4o-mini"],
    });
    const list = await caller.credential.list({ workspaceId });
    const routes = await caller.route.list({ workspaceId });
    const audit = await caller.audit.list({ workspaceId });
    for (const response of [created, list, routes, audit]) {
      const json = JSON.stringify(response);
      expect(json).not.toContain(SECRET);
      expect(json).not.toContain("encryptedSecret");
    }
    expect(list.map((c) => Object.keys(c).sort())).toEqual([
      ["baseUrl", "createdAt", "createdBy", "deployments", "id", "name", "provider", "secretHint"],
    ]);
    expect(audit.items.map((e) => e.action)).toContain("provider_credential.create");

    const snapshot = await workspaceSnapshot(workspaceId);
    const published = snapshot?.credentials.find((c) => c.id === created.id);
    expect(published).toBeDefined();
    expect(decryptSecret(published!.encryptedSecret, keyring, created.id)).toBe(SECRET);
    expect(() => decryptSecret(published!.encryptedSecret, keyring, workspaceId)).toThrow();
    expect(snapshot?.routes.map((r) => r.alias)).toEqual(["gpt-4o", "gpt-4o-mini"]);
  });

  it("requires a base URL where the provider has no default, and only http(s)", async () => {
    const caller = callerFor(owner);
    const base = { workspaceId, name: "x", secret: "k-123456789" };
    expect(await code(caller.credential.create({ ...base, provider: "azure_openai" }))).toBe(
      "BAD_REQUEST",
    );
    expect(
      await code(
        caller.credential.create({ ...base, provider: "openai_compatible", baseUrl: "ftp://h/v1" }),
      ),
    ).toBe("BAD_REQUEST");
    const ok = await caller.credential.create({
      ...base,
      name: "local",
      provider: "openai_compatible",
      baseUrl: "http://127.0.0.1:8789/v1",
    });
    expect(ok.defaultRoutes).toEqual([]);
  });

  it("refuses a duplicate name with CONFLICT", async () => {
    const caller = callerFor(owner);
    await caller.credential.create({
      workspaceId,
      name: "dup",
      provider: "anthropic",
      secret: "a-1234567",
      createDefaultRoutes: false,
    });
    expect(
      await code(
        caller.credential.create({
          workspaceId,
          name: "dup",
          provider: "anthropic",
          secret: "b-1234567",
        }),
      ),
    ).toBe("CONFLICT");
  });

  it("refuses to delete a credential that deployments use, then deletes it once unused", async () => {
    const caller = callerFor(owner);
    const created = await caller.credential.create({
      workspaceId,
      name: "Anthropic",
      provider: "anthropic",
      secret: "sk-ant-123456789",
    });
    expect(await code(caller.credential.delete({ workspaceId, credentialId: created.id }))).toBe(
      "PRECONDITION_FAILED",
    );
    const routes = await caller.route.list({ workspaceId });
    for (const route of routes) {
      for (const d of route.deployments.filter((d) => d.credentialId === created.id)) {
        await caller.route.removeDeployment({ workspaceId, deploymentId: d.id });
      }
    }
    await caller.credential.delete({ workspaceId, credentialId: created.id });
    const snapshot = await workspaceSnapshot(workspaceId);
    expect(snapshot?.credentials.map((c) => c.id)).not.toContain(created.id);
  });

  it("lets a member read but not manage credentials", async () => {
    const caller = callerFor(member);
    expect(await code(caller.credential.list({ workspaceId }))).toBe("ok");
    expect(
      await code(
        caller.credential.create({
          workspaceId,
          name: "m",
          provider: "openai",
          secret: "sk-12345678",
        }),
      ),
    ).toBe("FORBIDDEN");
  });
});

describe("route", () => {
  it("creates routes with deployments, refusing a credential of another workspace", async () => {
    const caller = callerFor(owner);
    const credential = await caller.credential.create({
      workspaceId,
      name: "for routes",
      provider: "gemini",
      secret: "AIza-123456789",
      createDefaultRoutes: false,
    });
    expect(
      await code(
        caller.route.create({
          workspaceId,
          alias: "stolen",
          deployments: [{ credentialId: otherCredentialId, upstreamModel: "gpt-4o" }],
        }),
      ),
    ).toBe("NOT_FOUND");
    const route = await caller.route.create({
      workspaceId,
      alias: "fast",
      deployments: [
        { credentialId: credential.id, upstreamModel: "gemini-2.5-flash", weight: 3 },
        { credentialId: credential.id, upstreamModel: "gemini-2.5-pro", priority: 1 },
      ],
    });
    expect(
      await code(
        caller.route.addDeployment({
          workspaceId,
          routeId: route.id,
          credentialId: otherCredentialId,
          upstreamModel: "x",
        }),
      ),
    ).toBe("NOT_FOUND");
    const first = route.deployments[0]!;
    await caller.route.updateDeployment({ workspaceId, deploymentId: first.id, enabled: false });
    await caller.route.update({ workspaceId, routeId: route.id, alias: "quick" });
    const published = (await workspaceSnapshot(workspaceId))?.routes.find((r) => r.id === route.id);
    expect(published?.alias).toBe("quick");
    expect(published?.deployments.map((d) => d.upstreamModel)).toEqual(["gemini-2.5-pro"]);

    await caller.route.delete({ workspaceId, routeId: route.id });
    expect((await workspaceSnapshot(workspaceId))?.routes.map((r) => r.id)).not.toContain(route.id);
    const audit = await caller.audit.list({ workspaceId, limit: 100 });
    expect(audit.items.map((e) => e.action)).toEqual(
      expect.arrayContaining([
        "model_route.create",
        "model_route.update",
        "model_deployment.update",
        "model_route.delete",
      ]),
    );
  });
});

describe("audit.list", () => {
  it("pages newest first with a cursor", async () => {
    const caller = callerFor(owner);
    const all = await caller.audit.list({ workspaceId, limit: 100 });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Awaited<ReturnType<typeof caller.audit.list>> = await caller.audit.list({
        workspaceId,
        limit: 3,
        cursor,
      });
      seen.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(all.items.map((e) => e.id));
    const times = all.items.map((e) => e.createdAt.getTime());
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    expect(all.items.every((e) => e.actor?.id === owner.id)).toBe(true);
  });
});
