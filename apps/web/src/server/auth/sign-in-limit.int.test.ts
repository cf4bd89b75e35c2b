import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInErrorMessage } from "~/lib/sign-in-errors";
import { hashPassword } from "./credentials";
import {
  clientIp,
  SIGN_IN_LIMITS,
  signInFailureKeys,
  signInWithLimits,
  TooManySignInsError,
} from "./sign-in-limit";

let testDb: TestDatabase;
let redis: Redis;
const PASSWORD = "a-long-enough-password";
let run = 0;

/** A fresh user and address per test: the web tests share Redis db 3. */
async function fresh() {
  run += 1;
  const email = `limit-${Date.now().toString(36)}-${run}@example.test`;
  await testDb.prisma.user.create({
    data: { email, passwordHash: await hashPassword(PASSWORD) },
  });
  return { email, ip: `198.51.100.${run}-${Date.now().toString(36)}` };
}

async function outcome(attempt: { email: string; password: string; ip: string | null }) {
  try {
    const user = await signInWithLimits(testDb.prisma, redis, attempt);
    return user ? "ok" : "wrong";
  } catch (error) {
    if (error instanceof TooManySignInsError) return signInErrorMessage(error.message);
    throw error;
  }
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-signin-limit");
  redis = new Redis(testRedisUrl(3));
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

describe("failed sign-in limits", () => {
  it("refuses an email after 5 failures, even with the right password, for 15 minutes", async () => {
    const { email, ip } = await fresh();
    for (let i = 0; i < SIGN_IN_LIMITS.email.max; i += 1) {
      expect(await outcome({ email, password: "wrong-password", ip })).toBe("wrong");
    }
    expect(await outcome({ email, password: PASSWORD, ip })).toBe(
      "Too many failed sign-ins. Try again in 15 minutes.",
    );
    // The same email from another address is locked too, in any case.
    expect(
      await outcome({ email: email.toUpperCase(), password: PASSWORD, ip: "203.0.113.9" }),
    ).toMatch(/^Too many failed sign-ins\. Try again in (14|15) minutes\.$/);
    const ttl = await redis.ttl(signInFailureKeys(email, ip).email);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(SIGN_IN_LIMITS.email.windowSeconds);

    // Once the window is over the right password works again.
    await redis.del(signInFailureKeys(email, ip).email);
    expect(await outcome({ email, password: PASSWORD, ip: "203.0.113.10" })).toBe("ok");
  });

  it("resets the email's count on a successful sign-in", async () => {
    const { email, ip } = await fresh();
    for (let i = 0; i < SIGN_IN_LIMITS.email.max - 1; i += 1) {
      expect(await outcome({ email, password: "wrong-password", ip })).toBe("wrong");
    }
    expect(await outcome({ email, password: PASSWORD, ip })).toBe("ok");
    expect(await redis.exists(signInFailureKeys(email, ip).email)).toBe(0);
    for (let i = 0; i < SIGN_IN_LIMITS.email.max - 1; i += 1) {
      expect(await outcome({ email, password: "wrong-password", ip })).toBe("wrong");
    }
    expect(await outcome({ email, password: PASSWORD, ip })).toBe("ok");
  });

  // 30+ bcrypt rounds: slow on a busy machine
  it(
    "refuses an address after 30 failures across many emails; successes do not count",
    {
      timeout: 180_000,
    },
    async () => {
      const { email, ip } = await fresh();
      expect(await outcome({ email, password: PASSWORD, ip })).toBe("ok");
      for (let i = 0; i < SIGN_IN_LIMITS.ip.max; i += 1) {
        expect(
          await outcome({ email: `sprayed-${i}@example.test`, password: "guess-1234", ip }),
        ).toBe("wrong");
      }
      expect(await outcome({ email, password: PASSWORD, ip })).toMatch(/^Too many failed sign-ins/);
      // Another address is not affected.
      expect(await outcome({ email, password: PASSWORD, ip: `${ip}-other` })).toBe("ok");
    },
  );

  it("holds under concurrent guesses", async () => {
    const { email, ip } = await fresh();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        outcome({ email, password: `wrong-password-${i}`, ip: `${ip}-${i}` }),
      ),
    );
    expect(results.filter((r) => r === "wrong")).toHaveLength(SIGN_IN_LIMITS.email.max);
  });
});

describe("without Redis", () => {
  it("still signs in (and refuses wrong passwords) rather than locking everyone out", async () => {
    const { email, ip } = await fresh();
    // nothing listens on port 1: every command fails at once
    const down = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    down.on("error", () => undefined);
    try {
      const attempt = (password: string) =>
        signInWithLimits(testDb.prisma, down, { email, password, ip });
      expect(await attempt("wrong-password")).toBeNull();
      expect((await attempt(PASSWORD))?.email).toBe(email);
    } finally {
      down.disconnect();
    }
  });
});

describe("clientIp", () => {
  it("takes the first forwarded address, else X-Real-IP", () => {
    expect(clientIp({ "x-forwarded-for": "203.0.113.7, 10.0.0.1" })).toBe("203.0.113.7");
    expect(clientIp({ "x-real-ip": "203.0.113.8" })).toBe("203.0.113.8");
    expect(clientIp({})).toBeNull();
    expect(clientIp(undefined)).toBeNull();
  });
});
