import { createTestDatabase, type TestDatabase } from "@gatehouse/db/testing";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SignUpSchema } from "~/lib/account-schemas";
import { verifyCredentials } from "../auth/credentials";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";

let testDb: TestDatabase;

const anonymous = () => createCaller(createInnerContext({ db: testDb.prisma, session: null }));

async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TRPCError) {
      const zodError = (error.cause as { issues?: Array<{ message: string }> } | undefined)?.issues;
      return { code: error.code, message: zodError?.[0]?.message ?? error.message };
    }
    throw error;
  }
  return { code: "ok", message: "" };
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-account");
});

afterAll(async () => {
  await testDb?.drop();
});

describe("account.signUp", () => {
  it("creates an account with a bcrypt hash that signs in", async () => {
    const user = await anonymous().account.signUp({
      name: " Nora ",
      email: " Nora@Example.TEST ",
      password: "a sturdy passphrase",
    });
    expect(user).toMatchObject({ email: "nora@example.test", name: "Nora" });
    const stored = await testDb.prisma.user.findUniqueOrThrow({ where: { id: user.id } });
    expect(stored.passwordHash).toMatch(/^\$2[aby]\$12\$/);
    expect(
      await verifyCredentials(testDb.prisma, {
        email: "nora@example.test",
        password: "a sturdy passphrase",
      }),
    ).toEqual({ id: user.id, email: "nora@example.test", name: "Nora" });
    expect(JSON.stringify(user)).not.toContain("passwordHash");
  });

  it("stores no name when none is given", async () => {
    const user = await anonymous().account.signUp({
      name: "  ",
      email: "nameless@example.test",
      password: "another sturdy one",
    });
    expect(user.name).toBeNull();
  });

  it("refuses a second account for the same email, whatever its case", async () => {
    await anonymous().account.signUp({ email: "dup@example.test", password: "first password!" });
    expect(
      await failure(
        anonymous().account.signUp({ email: "DUP@example.test", password: "second password!" }),
      ),
    ).toEqual({
      code: "CONFLICT",
      message: "An account with this email already exists. Sign in instead.",
    });
  });

  it("enforces the password policy on the server", async () => {
    const cases: Array<[string, string, string]> = [
      ["short@example.test", "short", "Use at least 10 characters."],
      ["long@example.test", "x".repeat(129), "Use at most 128 characters."],
      [
        "common@example.test",
        "Password123",
        "This password is too common. Choose one that is harder to guess.",
      ],
      [
        "same@example.test",
        "aaaaaaaaaaaa",
        "This password is too common. Choose one that is harder to guess.",
      ],
      [
        "longlocalpart@example.test",
        "LongLocalPart",
        "Your password must not be your email address.",
      ],
      ["email@example.test", "email@example.test", "Your password must not be your email address."],
    ];
    for (const [email, password, message] of cases) {
      expect(await failure(anonymous().account.signUp({ email, password })), password).toEqual({
        code: "BAD_REQUEST",
        message,
      });
    }
    expect(
      await testDb.prisma.user.count({ where: { email: { in: cases.map((c) => c[0]) } } }),
    ).toBe(0);
  });

  it("is the same schema the form uses", () => {
    const result = SignUpSchema.safeParse({ email: "x@example.test", password: "qwertyuiop" });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.message).toMatch(/too common/);
  });
});
