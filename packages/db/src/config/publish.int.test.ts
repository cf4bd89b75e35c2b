import {
  ConfigInvalidationSchema,
  KeySnapshotSchema,
  RedisKeys,
  WorkspaceSnapshotSchema,
  type ConfigInvalidation,
} from "@gatehouse/shared";
import { generateVirtualKey } from "@gatehouse/shared/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "../testing";
import { publishKey, publishWorkspace, resyncAll } from "./publish";

describe("config publish", () => {
  let db: TestDatabase;
  let redis: Redis;
  let subscriber: Redis;
  const messages: ConfigInvalidation[] = [];

  beforeAll(async () => {
    db = await createTestDatabase("publish");
    redis = new Redis(testRedisUrl(1));
    subscriber = new Redis(testRedisUrl(1));
    subscriber.on("message", (_channel: string, message: string) => {
      messages.push(ConfigInvalidationSchema.parse(JSON.parse(message)));
    });
    await subscriber.subscribe(RedisKeys.configChannel);
  });

  afterAll(async () => {
    subscriber?.disconnect();
    redis?.disconnect();
    await db?.drop();
  });

  beforeEach(() => {
    messages.length = 0;
  });

  async function keySnapshot(keyHash: string) {
    const json = await redis.get(RedisKeys.keySnapshot(keyHash));
    return json === null ? null : KeySnapshotSchema.parse(JSON.parse(json));
  }

  async function workspaceSnapshot(workspaceId: string) {
    const json = await redis.get(RedisKeys.workspaceSnapshot(workspaceId));
    return json === null ? null : WorkspaceSnapshotSchema.parse(JSON.parse(json));
  }

  /** A workspace with one credential, two routes (one without a live deployment) and a key. */
  async function fixture(slug: string) {
    const prisma = db.prisma;
    const workspace = await prisma.workspace.create({
      data: {
        name: slug,
        slug,
        rpmLimit: 600,
        budgetAmountNanoUsd: 50_000_000_000n,
        budgetPeriod: "monthly",
        budgetAlertThresholdPct: 80,
      },
    });
    const credential = await prisma.providerCredential.create({
      data: {
        workspaceId: workspace.id,
        name: "OpenAI",
        provider: "openai",
        baseUrl: "http://127.0.0.1:9/v1",
        // opaque to the compiler: passed through to the proxy as is
        encryptedSecret: "gh1.test.aXY.Y2lwaGVy.dGFn",
        secretHint: "1234",
        options: { organization: "org-1", timeoutMs: 30_000, nested: { ignored: true } },
      },
    });
    const route = await prisma.modelRoute.create({
      data: { workspaceId: workspace.id, alias: "gpt-4o-mini" },
    });
    await prisma.modelDeployment.createMany({
      data: [
        {
          routeId: route.id,
          workspaceId: workspace.id,
          credentialId: credential.id,
          upstreamModel: "gpt-4o-mini",
          priority: 1,
        },
        {
          routeId: route.id,
          workspaceId: workspace.id,
          credentialId: credential.id,
          upstreamModel: "gpt-4o-mini-2024-07-18",
        },
      ],
    });
    const idle = await prisma.modelRoute.create({
      data: { workspaceId: workspace.id, alias: "idle" },
    });
    await prisma.modelDeployment.create({
      data: {
        routeId: idle.id,
        workspaceId: workspace.id,
        credentialId: credential.id,
        upstreamModel: "x",
        enabled: false,
      },
    });
    const secret = generateVirtualKey();
    const key = await prisma.virtualKey.create({
      data: {
        workspaceId: workspace.id,
        name: "CI",
        keyHash: secret.hash,
        prefix: secret.prefix,
        tpmLimit: 100_000,
        budgetAmountNanoUsd: 1_500_000_000n,
        budgetPeriod: "daily",
      },
    });
    return { workspace, credential, key, secret };
  }

  it("publishes a workspace and its keys as valid snapshots, then announces it", async () => {
    const { workspace, credential, key, secret } = await fixture("alpha");
    const result = await publishWorkspace(db.prisma, redis, workspace.id);

    const ws = await workspaceSnapshot(workspace.id);
    expect(ws).toMatchObject({
      version: result.version,
      workspaceId: workspace.id,
      slug: "alpha",
      failMode: "closed",
      limits: { rpm: 600, tpm: null, parallel: null },
      budget: { amountNanoUsd: 50_000_000_000, period: "monthly", alertThresholdPct: 80 },
      payloadLogging: false,
    });
    expect(ws!.credentials).toEqual([
      {
        id: credential.id,
        provider: "openai",
        baseUrl: "http://127.0.0.1:9/v1",
        encryptedSecret: credential.encryptedSecret,
        options: { organization: "org-1", timeoutMs: "30000" },
      },
    ]);
    // the route whose only deployment is disabled is not served; deployments by priority
    expect(ws!.routes.map((route) => route.alias)).toEqual(["gpt-4o-mini"]);
    expect(ws!.routes[0]!.deployments.map((deployment) => deployment.upstreamModel)).toEqual([
      "gpt-4o-mini-2024-07-18",
      "gpt-4o-mini",
    ]);

    expect(await keySnapshot(secret.hash)).toMatchObject({
      keyId: key.id,
      workspaceId: workspace.id,
      status: "active",
      graceUntil: null,
      limits: { rpm: null, tpm: 100_000, parallel: null },
      budget: { amountNanoUsd: 1_500_000_000, period: "daily", alertThresholdPct: null },
    });
    expect(await redis.smembers(RedisKeys.workspaceKeyHashes(workspace.id))).toEqual([secret.hash]);

    await vi.waitFor(() => {
      expect(messages).toContainEqual({
        kind: "workspace",
        workspaceId: workspace.id,
        version: result.version,
      });
      expect(messages).toContainEqual({
        kind: "key",
        keyHash: secret.hash,
        version: result.version,
      });
    });
  });

  it("publishes a revoked key as revoked and announces the key", async () => {
    const { workspace, key, secret } = await fixture("bravo");
    await publishWorkspace(db.prisma, redis, workspace.id);
    messages.length = 0;

    await db.prisma.virtualKey.update({
      where: { id: key.id },
      data: { status: "revoked", revokedAt: new Date() },
    });
    const result = await publishKey(db.prisma, redis, key.id);

    expect((await keySnapshot(secret.hash))?.status).toBe("revoked");
    await vi.waitFor(() => {
      expect(messages).toContainEqual({
        kind: "key",
        keyHash: secret.hash,
        version: result!.version,
      });
    });
  });

  it("keeps a rotated-out secret working until its grace period ends, then deletes it", async () => {
    const { workspace, key, secret: old } = await fixture("charlie");
    await publishWorkspace(db.prisma, redis, workspace.id);

    const graceUntil = new Date(Date.now() + 60_000);
    const fresh = generateVirtualKey();
    await db.prisma.virtualKey.update({
      where: { id: key.id },
      data: {
        keyHash: fresh.hash,
        prefix: fresh.prefix,
        previousKeyHash: old.hash,
        previousKeyGraceUntil: graceUntil,
        rotatedAt: new Date(),
      },
    });
    messages.length = 0;
    const rotated = await publishKey(db.prisma, redis, key.id);

    expect((await keySnapshot(fresh.hash))?.graceUntil).toBeNull();
    const graceSnapshot = await keySnapshot(old.hash);
    expect(graceSnapshot).toMatchObject({
      keyId: key.id,
      status: "active",
      graceUntil: graceUntil.toISOString(),
    });
    const ttl = await redis.pttl(RedisKeys.keySnapshot(old.hash));
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
    expect((await redis.smembers(RedisKeys.workspaceKeyHashes(workspace.id))).sort()).toEqual(
      [old.hash, fresh.hash].sort(),
    );
    await vi.waitFor(() => {
      expect(messages).toContainEqual({
        kind: "key",
        keyHash: fresh.hash,
        version: rotated!.version,
      });
      expect(messages).toContainEqual({
        kind: "key",
        keyHash: old.hash,
        version: rotated!.version,
      });
    });

    // the grace period is cut short (e.g. "revoke the old secret now")
    await db.prisma.virtualKey.update({
      where: { id: key.id },
      data: { previousKeyGraceUntil: new Date() },
    });
    messages.length = 0;
    const ended = await publishKey(db.prisma, redis, key.id);

    expect(ended!.removedKeyHashes).toEqual([old.hash]);
    expect(await redis.exists(RedisKeys.keySnapshot(old.hash))).toBe(0);
    expect(await redis.smembers(RedisKeys.workspaceKeyHashes(workspace.id))).toEqual([fresh.hash]);
    expect(await keySnapshot(fresh.hash)).not.toBeNull();
    await vi.waitFor(() => {
      expect(messages).toContainEqual({ kind: "key", keyHash: old.hash, version: ended!.version });
    });
  });

  it("never replaces a snapshot with an older version", async () => {
    const { workspace, key, secret } = await fixture("delta");
    await publishWorkspace(db.prisma, redis, workspace.id);
    const current = (await keySnapshot(secret.hash))!;
    // as if a publisher that read Postgres later (the key revoked) had already written
    const newer = { ...current, version: current.version + 3_600_000, status: "revoked" as const };
    await redis.set(RedisKeys.keySnapshot(secret.hash), JSON.stringify(newer));

    await publishKey(db.prisma, redis, key.id);
    expect(await keySnapshot(secret.hash)).toEqual(newer);
  });

  it("unpublishes a deleted workspace", async () => {
    const { workspace, secret } = await fixture("echo");
    await publishWorkspace(db.prisma, redis, workspace.id);
    await db.prisma.workspace.delete({ where: { id: workspace.id } });
    messages.length = 0;

    const result = await publishWorkspace(db.prisma, redis, workspace.id);
    expect(result.removedKeyHashes).toEqual([secret.hash]);
    expect(await redis.exists(RedisKeys.workspaceSnapshot(workspace.id))).toBe(0);
    expect(await redis.exists(RedisKeys.keySnapshot(secret.hash))).toBe(0);
    expect(await redis.exists(RedisKeys.workspaceKeyHashes(workspace.id))).toBe(0);
    await vi.waitFor(() => {
      expect(messages).toContainEqual({
        kind: "workspace",
        workspaceId: workspace.id,
        version: result.version,
      });
    });
  });

  it("resync rebuilds everything after FLUSHDB and removes what no longer exists", async () => {
    const { workspace, secret } = await fixture("foxtrot");
    const workspaces = await db.prisma.workspace.findMany({ select: { id: true } });
    const keys = await db.prisma.virtualKey.findMany({ select: { keyHash: true } });

    await redis.flushdb();
    const orphanHash = generateVirtualKey().hash;
    await redis.set(RedisKeys.keySnapshot(orphanHash), "{}");
    await redis.set(RedisKeys.workspaceSnapshot("gone"), "{}");
    messages.length = 0;

    const result = await resyncAll(db.prisma, redis);

    expect(result.failed).toEqual([]);
    expect(result.workspaces).toBe(workspaces.length);
    expect(result.keySnapshots).toBe(keys.length);
    for (const { id } of workspaces) expect(await workspaceSnapshot(id)).not.toBeNull();
    for (const { keyHash } of keys) expect(await keySnapshot(keyHash)).not.toBeNull();
    expect((await keySnapshot(secret.hash))?.workspaceId).toBe(workspace.id);
    expect(await redis.exists(RedisKeys.keySnapshot(orphanHash))).toBe(0);
    expect(await redis.exists(RedisKeys.workspaceSnapshot("gone"))).toBe(0);
    await vi.waitFor(() => {
      expect(messages).toContainEqual({ kind: "all", version: result.version });
    });
  });
});
