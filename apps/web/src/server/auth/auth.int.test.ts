import { createTestDatabase } from "@gatehouse/db/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword, verifyCredentials } from "./credentials";
import { resolveOAuthUser } from "./oauth";

let testDb: Awaited<ReturnType<typeof createTestDatabase>>;
let userId: string;

beforeAll(async () => {
  testDb = await createTestDatabase("web-auth");
  const user = await testDb.prisma.user.create({
    data: {
      email: "dana@example.test",
      name: "Dana",
      passwordHash: await hashPassword("correct horse battery"),
    },
  });
  userId = user.id;
  await testDb.prisma.user.create({ data: { email: "oauth-only@example.test" } });
});

afterAll(async () => {
  await testDb?.drop();
});

describe("verifyCredentials", () => {
  it("returns the user for the right password, matching the email case-insensitively", async () => {
    const user = await verifyCredentials(testDb.prisma, {
      email: "  Dana@Example.TEST ",
      password: "correct horse battery",
    });
    expect(user).toEqual({ id: userId, email: "dana@example.test", name: "Dana" });
  });

  it("returns null for a wrong password, an unknown email, a user without a password, or junk", async () => {
    const db = testDb.prisma;
    expect(
      await verifyCredentials(db, { email: "dana@example.test", password: "wrong" }),
    ).toBeNull();
    expect(await verifyCredentials(db, { email: "nobody@example.test", password: "x" })).toBeNull();
    expect(
      await verifyCredentials(db, { email: "oauth-only@example.test", password: "" }),
    ).toBeNull();
    expect(
      await verifyCredentials(db, { email: "oauth-only@example.test", password: "x" }),
    ).toBeNull();
    expect(await verifyCredentials(db, undefined)).toBeNull();
    expect(await verifyCredentials(db, { email: "not-an-email", password: "x" })).toBeNull();
  });

  it("stores bcrypt hashes, never the password", async () => {
    const hash = await hashPassword("s3cret-pass");
    expect(hash).toMatch(/^\$2[aby]\$12\$/);
    expect(hash).not.toContain("s3cret-pass");
  });
});

describe("resolveOAuthUser", () => {
  const identity = {
    provider: "github",
    providerAccountId: "gh-42",
    type: "oauth",
    email: "New.Person@Example.test",
    name: "New Person",
    image: null,
  };

  it("creates a user for a new identity and finds the same user next time", async () => {
    const first = await resolveOAuthUser(testDb.prisma, identity);
    expect(first.ok).toBe(true);
    const again = await resolveOAuthUser(testDb.prisma, {
      ...identity,
      email: "changed@example.test",
    });
    expect(again).toEqual(first);
    const user = await testDb.prisma.user.findUniqueOrThrow({
      where: { email: "new.person@example.test" },
    });
    expect(first).toEqual({ ok: true, userId: user.id });
  });

  it("refuses to attach a new identity to an existing account by email alone", async () => {
    const result = await resolveOAuthUser(testDb.prisma, {
      ...identity,
      providerAccountId: "gh-attacker",
      email: "dana@example.test",
    });
    expect(result).toEqual({ ok: false, error: "OAuthAccountNotLinked" });
  });

  it("refuses an identity without an email", async () => {
    const result = await resolveOAuthUser(testDb.prisma, {
      ...identity,
      providerAccountId: "gh-7",
      email: null,
    });
    expect(result).toEqual({ ok: false, error: "EmailRequired" });
  });
});
