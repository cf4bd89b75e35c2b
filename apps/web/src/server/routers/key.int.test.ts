import { KeySnapshotSchema, RedisKeys } from "@gatehouse/shared";
import { hashVirtualKey, isVirtualKeyFormat } from "@gatehouse/shared/server";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { TRPCError } from "@trpc/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";

let testDb: TestDatabase;
let redis: Redis;
let member: Awaited<ReturnType<typeof createUser>>;
let workspaceId: string;

function caller() {
  return createCaller(
    createInnerContext({
      db: testDb.prisma,
      session: sessionFor(member),
      redis,
      keyring: createTestKeyring(),
    }),
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

async function keySnapshot(secret: string) {
  const json = await redis.get(RedisKeys.keySnapshot(hashVirtualKey(secret)));
  return json === null ? null : KeySnapshotSchema.parse(JSON.parse(json));
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-key");
  redis = new Redis(testRedisUrl(3));
  member = await createUser(testDb.prisma, "Member");
  workspaceId = (
    await createWorkspace(testDb.prisma, "Keys", [{ userId: member.id, role: "member" }])
  ).id;
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

describe("virtual keys", () => {
  it("creates a key: the secret is returned once and only its hash is published", async () => {
    const created = await caller().key.create({
      workspaceId,
      name: "CI",
      allowedModels: ["gpt-4o-mini"],
      rpmLimit: 60,
      budgetUsd: "25.5",
      budgetPeriod: "monthly",
      budgetAlertThresholdPct: 80,
    });
    expect(isVirtualKeyFormat(created.secret)).toBe(true);
    expect(created.key).toMatchObject({
      name: "CI",
      prefix: created.secret.slice(0, 8),
      status: "active",
      limits: { rpm: 60, tpm: null, parallel: null },
      budget: { amountUsd: "25.50", period: "monthly", alertThresholdPct: 80 },
    });
    const stored = await testDb.prisma.virtualKey.findUniqueOrThrow({
      where: { id: created.key.id },
    });
    expect(stored.keyHash).toBe(hashVirtualKey(created.secret));
    expect(stored.budgetAmountNanoUsd).toBe(25_500_000_000n);

    expect(await keySnapshot(created.secret)).toMatchObject({
      keyId: created.key.id,
      status: "active",
      allowedModels: ["gpt-4o-mini"],
      budget: { amountNanoUsd: 25_500_000_000, period: "monthly" },
    });

    const list = await caller().key.list({ workspaceId });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id: created.key.id, spentThisPeriodUsd: "0.00" });
    const json = JSON.stringify(list);
    expect(json).not.toContain(created.secret);
    expect(json).not.toContain(stored.keyHash);
    const audit = JSON.stringify(await testDb.prisma.auditLog.findMany({ where: { workspaceId } }));
    expect(audit).not.toContain(created.secret);
    expect(audit).not.toContain(stored.keyHash);
  });

  it("validates budgets and updates limits", async () => {
    expect(await code(caller().key.create({ workspaceId, name: "x", budgetUsd: "10" }))).toBe(
      "BAD_REQUEST",
    );
    expect(
      await code(
        caller().key.create({ workspaceId, name: "x", budgetUsd: "-1", budgetPeriod: "daily" }),
      ),
    ).toBe("BAD_REQUEST");
    const { key, secret } = await caller().key.create({ workspaceId, name: "limits" });
    const updated = await caller().key.update({
      workspaceId,
      keyId: key.id,
      tpmLimit: 10_000,
      budgetUsd: "5",
      budgetPeriod: "daily",
      allowedModels: ["fast", "fast"],
    });
    expect(updated).toMatchObject({
      limits: { tpm: 10_000 },
      allowedModels: ["fast"],
      budget: { amountUsd: "5.00", period: "daily" },
    });
    expect(await keySnapshot(secret)).toMatchObject({
      limits: { tpm: 10_000 },
      budget: { amountNanoUsd: 5_000_000_000, period: "daily" },
    });
    expect(
      await code(caller().key.update({ workspaceId, keyId: key.id, budgetPeriod: null })),
    ).toBe("BAD_REQUEST");
  });

  it("revokes: the published snapshot turns revoked", async () => {
    const { key, secret } = await caller().key.create({ workspaceId, name: "to revoke" });
    const revoked = await caller().key.revoke({ workspaceId, keyId: key.id });
    expect(revoked.status).toBe("revoked");
    expect((await keySnapshot(secret))?.status).toBe("revoked");
    expect(await code(caller().key.rotate({ workspaceId, keyId: key.id }))).toBe(
      "PRECONDITION_FAILED",
    );
  });

  it("rotates with a grace period: same key id, new secret, old secret until the grace end", async () => {
    const { key, secret: oldSecret } = await caller().key.create({ workspaceId, name: "rotating" });
    const rotated = await caller().key.rotate({
      workspaceId,
      keyId: key.id,
      gracePeriodSeconds: 3600,
    });
    expect(rotated.key.id).toBe(key.id);
    expect(rotated.secret).not.toBe(oldSecret);
    const fresh = await keySnapshot(rotated.secret);
    expect(fresh).toMatchObject({ keyId: key.id, status: "active", graceUntil: null });
    const old = await keySnapshot(oldSecret);
    expect(old).toMatchObject({ keyId: key.id, status: "active" });
    expect(old?.graceUntil).toBe(rotated.key.previousKeyGraceUntil?.toISOString());
    // Redis drops the old hash by itself at the end of the grace period.
    const ttl = await redis.pttl(RedisKeys.keySnapshot(hashVirtualKey(oldSecret)));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(3600_000);

    // Rotating again without grace retires both earlier secrets at once.
    const again = await caller().key.rotate({ workspaceId, keyId: key.id });
    expect(await keySnapshot(oldSecret)).toBeNull();
    expect(await keySnapshot(rotated.secret)).toBeNull();
    expect((await keySnapshot(again.secret))?.keyId).toBe(key.id);
  });

  it("answers NOT_FOUND for a key id that is not in the workspace", async () => {
    expect(
      await code(caller().key.revoke({ workspaceId, keyId: "cl0000000000000000000000" })),
    ).toBe("NOT_FOUND");
  });
});
