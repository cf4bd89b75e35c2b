import { createTestDatabase } from "@gatehouse/db/testing";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import {
  createCallerFactory,
  createInnerContext,
  createTRPCRouter,
  workspaceProcedure,
} from "./trpc";

// A router built only for this test: one procedure per rung of the role ladder.
const ladderRouter = createTRPCRouter({
  asViewer: workspaceProcedure("viewer").query(({ ctx }) => ctx.role),
  asMember: workspaceProcedure("member").query(({ ctx }) => ctx.role),
  asAdmin: workspaceProcedure("admin")
    .input(z.object({ note: z.string() }))
    .mutation(({ ctx, input }) => ({ workspaceId: ctx.workspace.id, note: input.note })),
  asOwner: workspaceProcedure("owner").query(({ ctx }) => ctx.role),
});
const createLadderCaller = createCallerFactory(ladderRouter);

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let workspaceId: string;
const users: Record<
  "owner" | "admin" | "member" | "viewer" | "outsider",
  Awaited<ReturnType<typeof createUser>>
> = {} as never;

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-trpc");
  for (const name of ["owner", "admin", "member", "viewer", "outsider"] as const) {
    users[name] = await createUser(testDb.prisma, name);
  }
  const workspace = await createWorkspace(testDb.prisma, "Ladder", [
    { userId: users.owner.id, role: "owner" },
    { userId: users.admin.id, role: "admin" },
    { userId: users.member.id, role: "member" },
    { userId: users.viewer.id, role: "viewer" },
  ]);
  workspaceId = workspace.id;
  // The outsider owns another workspace: being an owner elsewhere grants nothing here.
  await createWorkspace(testDb.prisma, "Elsewhere", [{ userId: users.outsider.id, role: "owner" }]);
});

afterAll(async () => {
  await testDb?.drop();
});

describe("workspaceProcedure(minRole)", () => {
  it("admits each role to its own rung and the ones below, and refuses the ones above", async () => {
    const table: Record<string, string[]> = {};
    for (const name of ["owner", "admin", "member", "viewer", "outsider"] as const) {
      const caller = createLadderCaller(
        createInnerContext({ db: testDb.prisma, session: sessionFor(users[name]) }),
      );
      table[name] = [
        await outcome(caller.asViewer({ workspaceId })),
        await outcome(caller.asMember({ workspaceId })),
        await outcome(caller.asAdmin({ workspaceId, note: "x" })),
        await outcome(caller.asOwner({ workspaceId })),
      ];
    }
    expect(table).toEqual({
      owner: ["ok", "ok", "ok", "ok"],
      admin: ["ok", "ok", "ok", "FORBIDDEN"],
      member: ["ok", "ok", "FORBIDDEN", "FORBIDDEN"],
      viewer: ["ok", "FORBIDDEN", "FORBIDDEN", "FORBIDDEN"],
      outsider: ["NOT_FOUND", "NOT_FOUND", "NOT_FOUND", "NOT_FOUND"],
    });
  });

  it("puts the workspace on the context and keeps the router's own input", async () => {
    const caller = createLadderCaller(
      createInnerContext({ db: testDb.prisma, session: sessionFor(users.admin) }),
    );
    expect(await caller.asAdmin({ workspaceId, note: "hello" })).toEqual({
      workspaceId,
      note: "hello",
    });
  });

  it("refuses anonymous callers with UNAUTHORIZED", async () => {
    const caller = createLadderCaller(createInnerContext({ db: testDb.prisma, session: null }));
    expect(await outcome(caller.asViewer({ workspaceId }))).toBe("UNAUTHORIZED");
  });
});
