import { createTestDatabase } from "@gatehouse/db/testing";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";

type TestDatabase = Awaited<ReturnType<typeof createTestDatabase>>;

let testDb: TestDatabase;
let alice: Awaited<ReturnType<typeof createUser>>;
let bob: Awaited<ReturnType<typeof createUser>>;
let vera: Awaited<ReturnType<typeof createUser>>;
let acme: Awaited<ReturnType<typeof createWorkspace>>;
let zeta: Awaited<ReturnType<typeof createWorkspace>>;
let bobsOwn: Awaited<ReturnType<typeof createWorkspace>>;

function callerFor(user: { id: string; email: string; name: string | null } | null) {
  return createCaller(
    createInnerContext({ db: testDb.prisma, session: user ? sessionFor(user) : null }),
  );
}

async function trpcCode(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
  return "resolved";
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-workspace");
  const db = testDb.prisma;
  alice = await createUser(db, "Alice");
  bob = await createUser(db, "Bob");
  vera = await createUser(db, "Vera");
  acme = await createWorkspace(db, "Acme", [
    { userId: alice.id, role: "owner" },
    { userId: vera.id, role: "viewer" },
  ]);
  zeta = await createWorkspace(db, "Zeta", [{ userId: alice.id, role: "member" }]);
  bobsOwn = await createWorkspace(db, "Bob's team", [{ userId: bob.id, role: "owner" }]);
});

afterAll(async () => {
  await testDb?.drop();
});

describe("workspace.list", () => {
  it("returns only the caller's workspaces, with the caller's role, by name", async () => {
    const list = await callerFor(alice).workspace.list();
    expect(list.map((w) => [w.name, w.role])).toEqual([
      ["Acme", "owner"],
      ["Zeta", "member"],
    ]);
    expect(list.map((w) => w.id)).not.toContain(bobsOwn.id);

    const bobs = await callerFor(bob).workspace.list();
    expect(bobs.map((w) => w.id)).toEqual([bobsOwn.id]);
  });

  it("is empty for a user without memberships", async () => {
    const loner = await createUser(testDb.prisma, "Loner");
    expect(await callerFor(loner).workspace.list()).toEqual([]);
  });

  it("refuses an anonymous caller", async () => {
    expect(await trpcCode(callerFor(null).workspace.list())).toBe("UNAUTHORIZED");
  });
});

describe("workspace.byId", () => {
  it("returns a workspace the caller belongs to", async () => {
    const workspace = await callerFor(alice).workspace.byId({ workspaceId: acme.id });
    expect(workspace).toMatchObject({ id: acme.id, name: "Acme", role: "owner" });
  });

  it("lets a viewer read", async () => {
    const workspace = await callerFor(vera).workspace.byId({ workspaceId: acme.id });
    expect(workspace).toMatchObject({ id: acme.id, role: "viewer" });
  });

  it("does not reveal another tenant's workspace", async () => {
    expect(await trpcCode(callerFor(bob).workspace.byId({ workspaceId: acme.id }))).toBe(
      "NOT_FOUND",
    );
    expect(await trpcCode(callerFor(vera).workspace.byId({ workspaceId: zeta.id }))).toBe(
      "NOT_FOUND",
    );
  });

  it("answers the same for a guessed id that does not exist", async () => {
    expect(
      await trpcCode(callerFor(bob).workspace.byId({ workspaceId: "cl0000000000000000000000" })),
    ).toBe("NOT_FOUND");
  });

  it("refuses an anonymous caller before looking anything up", async () => {
    expect(await trpcCode(callerFor(null).workspace.byId({ workspaceId: acme.id }))).toBe(
      "UNAUTHORIZED",
    );
  });

  it("rejects a malformed input", async () => {
    expect(await trpcCode(callerFor(alice).workspace.byId({ workspaceId: "" }))).toBe(
      "BAD_REQUEST",
    );
  });
});

describe("health.ping", () => {
  it("answers without a session", async () => {
    expect(await callerFor(null).health.ping()).toMatchObject({ pong: true });
  });
});
