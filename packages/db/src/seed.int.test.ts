import {
  DEFAULT_ROUTE_POLICY,
  KeySnapshotSchema,
  MODEL_PRICES,
  RedisKeys,
  WorkspaceSnapshotSchema,
} from "@gatehouse/shared";
import {
  decryptSecret,
  generateEncryptionKey,
  hashVirtualKey,
  parseEncryptionKeys,
} from "@gatehouse/shared/server";
import { compare } from "bcryptjs";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "./seed";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "./testing";

const encryptionKeys = generateEncryptionKey("seed");
const fakeProviderUrl = "http://127.0.0.1:18789";

describe("seedDemo", () => {
  let db: TestDatabase;
  let redis: Redis;

  beforeAll(async () => {
    db = await createTestDatabase("seed");
    redis = new Redis(testRedisUrl(1));
  });

  afterAll(async () => {
    redis?.disconnect();
    await db?.drop();
  });

  async function counts() {
    const prisma = db.prisma;
    return {
      users: await prisma.user.count(),
      workspaces: await prisma.workspace.count(),
      memberships: await prisma.membership.count(),
      credentials: await prisma.providerCredential.count(),
      routes: await prisma.modelRoute.count(),
      deployments: await prisma.modelDeployment.count(),
      keys: await prisma.virtualKey.count(),
    };
  }

  it("is idempotent, keeps a still-valid demo key and publishes a usable config", async () => {
    const first = await seedDemo(db.prisma, redis, { fakeProviderUrl, encryptionKeys });
    const second = await seedDemo(db.prisma, redis, {
      fakeProviderUrl,
      encryptionKeys,
      demoKey: first.key,
    });

    expect(second).toEqual(first);
    expect(await counts()).toEqual({
      users: 1,
      workspaces: 1,
      memberships: 1,
      credentials: 2,
      routes: 5,
      deployments: 6,
      keys: 1,
    });

    // the user can sign in, as owner of the Demo workspace
    const user = await db.prisma.user.findUniqueOrThrow({
      where: { email: "demo@gatehouse.local" },
      include: { memberships: { include: { workspace: true } } },
    });
    expect(await compare("gatehouse-demo", user.passwordHash!)).toBe(true);
    expect(user.memberships.map((m) => [m.role, m.workspace.slug, m.workspace.name])).toEqual([
      ["owner", "demo", "Demo"],
    ]);

    // the key works: its hash is in Redis with a valid, active snapshot
    const keyJson = await redis.get(RedisKeys.keySnapshot(hashVirtualKey(first.key)));
    const keySnapshot = KeySnapshotSchema.parse(JSON.parse(keyJson!));
    expect(keySnapshot).toMatchObject({
      keyId: first.keyId,
      workspaceId: first.workspaceId,
      status: "active",
    });

    // and the workspace routes every demo model to the fake provider
    const ws = WorkspaceSnapshotSchema.parse(
      JSON.parse((await redis.get(RedisKeys.workspaceSnapshot(first.workspaceId)))!),
    );
    expect(ws.routes.map((route) => route.alias).sort()).toEqual([
      "claude-haiku-4-5",
      "claude-sonnet-4-5",
      "gpt-4o",
      "gpt-4o-mini",
      "text-embedding-3-small",
    ]);
    // retries on for every route (the default policy), and gpt-4o-mini falls back across
    // providers: OpenAI first, then Claude Haiku on the fake Anthropic API
    for (const route of ws.routes) expect(route.policy).toEqual(DEFAULT_ROUTE_POLICY);
    expect(DEFAULT_ROUTE_POLICY.retry.maxRetries).toBeGreaterThan(0);
    const providerOf = new Map(ws.credentials.map((c) => [c.id, c.provider]));
    const mini = ws.routes.find((route) => route.alias === "gpt-4o-mini")!;
    expect(
      mini.deployments.map((d) => [providerOf.get(d.credentialId), d.upstreamModel, d.priority]),
    ).toEqual([
      ["openai", "gpt-4o-mini", 0],
      ["anthropic", "claude-haiku-4-5", 1],
    ]);
    // and a demo prompt the proxy can serve as model "prompt:support-reply"
    expect(ws.prompts.map((p) => [p.slug, p.labels])).toEqual([
      ["support-reply", { production: 1 }],
    ]);
    const baseUrls = Object.fromEntries(ws.credentials.map((c) => [c.provider, c.baseUrl]));
    expect(baseUrls).toEqual({ openai: `${fakeProviderUrl}/v1`, anthropic: fakeProviderUrl });
    const keyring = parseEncryptionKeys(encryptionKeys);
    for (const credential of ws.credentials) {
      expect(decryptSecret(credential.encryptedSecret, keyring, credential.id)).toBe(
        "sk-gatehouse-demo",
      );
    }

    expect(await db.prisma.modelPrice.count()).toBe(Object.keys(MODEL_PRICES).length);
  });

  it("rotates the demo key when the given secret is unknown, and the old one stops working", async () => {
    const before = await seedDemo(db.prisma, redis, { fakeProviderUrl, encryptionKeys });
    const after = await seedDemo(db.prisma, redis, {
      fakeProviderUrl,
      encryptionKeys,
      demoKey: "gh_not-the-demo-key",
    });

    expect(after.keyId).toBe(before.keyId);
    expect(after.key).not.toBe(before.key);
    expect(await db.prisma.virtualKey.count()).toBe(1);
    expect(await redis.exists(RedisKeys.keySnapshot(hashVirtualKey(before.key)))).toBe(0);
    expect(await redis.exists(RedisKeys.keySnapshot(hashVirtualKey(after.key)))).toBe(1);
  });

  it("follows the fake provider to a new address", async () => {
    const moved = "http://127.0.0.1:28789";
    const result = await seedDemo(db.prisma, redis, { fakeProviderUrl: moved, encryptionKeys });
    const credentials = await db.prisma.providerCredential.findMany({
      where: { workspaceId: result.workspaceId },
    });
    expect(credentials.map((c) => c.baseUrl).sort()).toEqual([moved, `${moved}/v1`]);
    expect(credentials).toHaveLength(2);
  });

  it("ensures extra demo keys on request, keeping their secrets when passed back", async () => {
    const first = await seedDemo(db.prisma, redis, {
      fakeProviderUrl,
      encryptionKeys,
      extraKeys: 2,
    });
    expect(first.extraKeys.map((k) => k.name)).toEqual(["Demo key 2", "Demo key 3"]);
    expect(new Set([first.key, ...first.extraKeys.map((k) => k.key)]).size).toBe(3);
    for (const extra of first.extraKeys) {
      const snapshot = KeySnapshotSchema.parse(
        JSON.parse((await redis.get(RedisKeys.keySnapshot(hashVirtualKey(extra.key))))!),
      );
      expect(snapshot).toMatchObject({ keyId: extra.keyId, workspaceId: first.workspaceId });
    }
    const again = await seedDemo(db.prisma, redis, {
      fakeProviderUrl,
      encryptionKeys,
      demoKey: first.key,
      extraKeys: 2,
      extraKeySecrets: [first.extraKeys[0]!.key],
    });
    expect(again.key).toBe(first.key);
    expect(again.extraKeys[0]).toEqual(first.extraKeys[0]);
    // no secret given for the third: same key id, new secret
    expect(again.extraKeys[1]!.keyId).toBe(first.extraKeys[1]!.keyId);
    expect(again.extraKeys[1]!.key).not.toBe(first.extraKeys[1]!.key);
    expect(await db.prisma.virtualKey.count()).toBe(3);
  });
});
