import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { RedisKeys } from "@gatehouse/shared";
import { hashVirtualKey } from "@gatehouse/shared/server";
import { TRPCError } from "@trpc/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { appRouter, createCaller } from "../root";
import { createInnerContext } from "../trpc";

/**
 * Every procedure, called as a user of another workspace and as a viewer. The table must
 * name every procedure of appRouter (except the public health check), so a new procedure
 * cannot ship without an authorization case.
 */

type User = Awaited<ReturnType<typeof createUser>>;
type AnyCaller = Record<string, Record<string, (input?: unknown) => Promise<unknown>>>;

interface Case {
  /** "router.procedure" */
  path: string;
  mutation: boolean;
  /** input without workspaceId; ids point at the victim workspace's rows */
  input: () => Record<string, unknown>;
  /** what a viewer of the victim workspace gets */
  viewer: "ok" | "FORBIDDEN";
  /** the input names rows of a workspace (so it is tried from the outsider's own workspace too) */
  namesRows?: boolean;
}

const keyring = createTestKeyring();
let testDb: TestDatabase;
let redis: Redis;
let owner: User;
let viewer: User;
let outsider: User;
let victimId: string;
let outsiderWorkspaceId: string;
const ids = { credential: "", route: "", deployment: "", key: "", keySecret: "" };

function callerFor(user: User): AnyCaller {
  return createCaller(
    createInnerContext({ db: testDb.prisma, session: sessionFor(user), redis, keyring }),
  ) as unknown as AnyCaller;
}

function call(user: User, path: string, input?: unknown): Promise<unknown> {
  const [router, procedure] = path.split(".") as [string, string];
  const fn = callerFor(user)[router]?.[procedure];
  if (!fn) throw new Error(`no procedure ${path}`);
  return fn(input);
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

const cases: Case[] = [
  { path: "workspace.byId", mutation: false, input: () => ({}), viewer: "ok" },
  { path: "credential.list", mutation: false, input: () => ({}), viewer: "ok" },
  {
    path: "credential.create",
    mutation: true,
    input: () => ({ name: "new", provider: "openai", secret: "sk-new-12345678" }),
    viewer: "FORBIDDEN",
  },
  {
    path: "credential.delete",
    mutation: true,
    input: () => ({ credentialId: ids.credential }),
    viewer: "FORBIDDEN",
    namesRows: true,
  },
  { path: "route.list", mutation: false, input: () => ({}), viewer: "ok" },
  {
    path: "route.create",
    mutation: true,
    input: () => ({
      alias: "new-route",
      deployments: [{ credentialId: ids.credential, upstreamModel: "gpt-4o" }],
    }),
    viewer: "FORBIDDEN",
    namesRows: true,
  },
  {
    path: "route.update",
    mutation: true,
    input: () => ({ routeId: ids.route, alias: "renamed" }),
    viewer: "FORBIDDEN",
    namesRows: true,
  },
  {
    path: "route.delete",
    mutation: true,
    input: () => ({ routeId: ids.route }),
    viewer: "FORBIDDEN",
    namesRows: true,
  },
  {
    path: "route.addDeployment",
    mutation: true,
    input: () => ({ routeId: ids.route, credentialId: ids.credential, upstreamModel: "gpt-4o" }),
    viewer: "FORBIDDEN",
    namesRows: true,
  },
  {
    path: "route.updateDeployment",
    mutation: true,
    input: () => ({ deploymentId: ids.deployment, weight: 7 }),
    viewer: "FORBIDDEN",
    namesRows: true,
  },
  {
    path: "route.removeDeployment",
    mutation: true,
    input: () => ({ deploymentId: ids.deployment }),
    viewer: "FORBIDDEN",
    namesRows: true,
  },
  { path: "key.list", mutation: false, input: () => ({}), viewer: "ok" },
  { path: "key.create", mutation: true, input: () => ({ name: "new key" }), viewer: "FORBIDDEN" },
  {
    path: "key.update",
    mutation: true,
    input: () => ({ keyId: ids.key, rpmLimit: 1 }),
    viewer: "FORBIDDEN",
    namesRows: true,
  },
  {
    path: "key.revoke",
    mutation: true,
    input: () => ({ keyId: ids.key }),
    viewer: "FORBIDDEN",
    namesRows: true,
  },
  {
    path: "key.rotate",
    mutation: true,
    input: () => ({ keyId: ids.key, gracePeriodSeconds: 60 }),
    viewer: "FORBIDDEN",
    namesRows: true,
  },
  { path: "audit.list", mutation: false, input: () => ({}), viewer: "FORBIDDEN" },
  { path: "config.resync", mutation: true, input: () => ({}), viewer: "FORBIDDEN" },
];

/** Procedures without a workspace input, checked on their own below. */
const UNSCOPED = ["workspace.list"];
const PUBLIC = ["health.ping"];

/** Everything the victim workspace owns, in Postgres and Redis. */
async function victimState() {
  const where = { workspaceId: victimId };
  const db = testDb.prisma;
  const state = {
    workspace: await db.workspace.findUnique({ where: { id: victimId } }),
    memberships: await db.membership.findMany({ where, orderBy: { id: "asc" } }),
    credentials: await db.providerCredential.findMany({ where, orderBy: { id: "asc" } }),
    routes: await db.modelRoute.findMany({ where, orderBy: { id: "asc" } }),
    deployments: await db.modelDeployment.findMany({ where, orderBy: { id: "asc" } }),
    keys: await db.virtualKey.findMany({ where, orderBy: { id: "asc" } }),
    auditLogs: await db.auditLog.count({ where }),
    workspaceSnapshot: await redis.get(RedisKeys.workspaceSnapshot(victimId)),
    keySnapshot: await redis.get(RedisKeys.keySnapshot(hashVirtualKey(ids.keySecret))),
  };
  return JSON.stringify(state, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-authz");
  redis = new Redis(testRedisUrl(3));
  owner = await createUser(testDb.prisma, "Owner");
  viewer = await createUser(testDb.prisma, "Viewer");
  outsider = await createUser(testDb.prisma, "Outsider");
  victimId = (
    await createWorkspace(testDb.prisma, "Victim", [
      { userId: owner.id, role: "owner" },
      { userId: viewer.id, role: "viewer" },
    ])
  ).id;
  // The outsider is an owner elsewhere: that grants nothing in the victim workspace.
  outsiderWorkspaceId = (
    await createWorkspace(testDb.prisma, "Outsider", [{ userId: outsider.id, role: "owner" }])
  ).id;

  const asOwner = createCaller(
    createInnerContext({ db: testDb.prisma, session: sessionFor(owner), redis, keyring }),
  );
  const credential = await asOwner.credential.create({
    workspaceId: victimId,
    name: "victim openai",
    provider: "openai",
    secret: "sk-victim-secret-123456",
    createDefaultRoutes: false,
  });
  const route = await asOwner.route.create({
    workspaceId: victimId,
    alias: "victim-route",
    deployments: [{ credentialId: credential.id, upstreamModel: "gpt-4o-mini" }],
  });
  const key = await asOwner.key.create({ workspaceId: victimId, name: "victim key", rpmLimit: 5 });
  ids.credential = credential.id;
  ids.route = route.id;
  ids.deployment = route.deployments[0]!.id;
  ids.key = key.key.id;
  ids.keySecret = key.secret;
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

describe("authorization of every procedure", () => {
  it("covers every procedure of the app router", () => {
    const all = Object.keys(appRouter._def.procedures).sort();
    const covered = [...cases.map((c) => c.path), ...UNSCOPED].sort();
    expect(covered).toEqual(all.filter((path) => !PUBLIC.includes(path)));
    expect(new Set(covered).size).toBe(covered.length);
    // 19 procedures × 2 roles (outsider, viewer)
    expect(covered.length).toBe(19);
  });

  it("refuses a user of another workspace everything, and changes nothing", async () => {
    const before = await victimState();
    const results: Record<string, string> = {};
    for (const c of cases) {
      results[c.path] = await outcome(
        call(outsider, c.path, { workspaceId: victimId, ...c.input() }),
      );
    }
    expect(results).toEqual(Object.fromEntries(cases.map((c) => [c.path, "NOT_FOUND"])));

    const workspaces = (await call(outsider, "workspace.list")) as Array<{ id: string }>;
    expect(workspaces.map((w) => w.id)).toEqual([outsiderWorkspaceId]);

    expect(await victimState()).toBe(before);
  });

  it("does not let a user reach another workspace's rows through their own workspace", async () => {
    const before = await victimState();
    const results: Record<string, string> = {};
    for (const c of cases.filter((c) => c.namesRows)) {
      results[c.path] = await outcome(
        call(outsider, c.path, { workspaceId: outsiderWorkspaceId, ...c.input() }),
      );
    }
    expect(results).toEqual(
      Object.fromEntries(cases.filter((c) => c.namesRows).map((c) => [c.path, "NOT_FOUND"])),
    );
    // Reads of the outsider's own workspace show none of the victim's rows.
    for (const c of cases.filter((c) => !c.mutation)) {
      const json = JSON.stringify(
        await call(outsider, c.path, { workspaceId: outsiderWorkspaceId, ...c.input() }),
      );
      for (const id of [victimId, ids.credential, ids.route, ids.deployment, ids.key]) {
        expect(json).not.toContain(id);
      }
    }
    expect(await victimState()).toBe(before);
  });

  it("refuses a viewer every mutation (and the audit log), and changes nothing", async () => {
    const before = await victimState();
    const results: Record<string, string> = {};
    for (const c of cases) {
      results[c.path] = await outcome(
        call(viewer, c.path, { workspaceId: victimId, ...c.input() }),
      );
    }
    expect(results).toEqual(Object.fromEntries(cases.map((c) => [c.path, c.viewer])));
    expect(cases.filter((c) => c.mutation).every((c) => c.viewer === "FORBIDDEN")).toBe(true);

    const workspaces = (await call(viewer, "workspace.list")) as Array<{
      id: string;
      role: string;
    }>;
    expect(workspaces).toEqual([expect.objectContaining({ id: victimId, role: "viewer" })]);

    expect(await victimState()).toBe(before);
  });

  it("never returns the provider secret from any read", async () => {
    for (const c of cases.filter((c) => !c.mutation)) {
      const json = JSON.stringify(
        await call(owner, c.path, { workspaceId: victimId, ...c.input() }),
      );
      expect(json).not.toContain("sk-victim-secret-123456");
    }
  });
});
