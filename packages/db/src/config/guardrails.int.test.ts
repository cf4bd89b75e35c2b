import {
  ConfigInvalidationSchema,
  KeySnapshotSchema,
  RedisKeys,
  WorkspaceSnapshotSchema,
  type ConfigInvalidation,
} from "@gatehouse/shared";
import { generateVirtualKey } from "@gatehouse/shared/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { Prisma } from "../generated/prisma/client";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "../testing";
import { publishKey, publishWorkspace } from "./publish";

/**
 * Workspace.guardrails and VirtualKey.guardrails reach the snapshots the proxies read, through
 * the ordinary publish (SET, then the invalidation every proxy subscribes to).
 */

let db: TestDatabase;
let redis: Redis;
let subscriber: Redis;
const messages: ConfigInvalidation[] = [];

beforeAll(async () => {
  db = await createTestDatabase("guardrail-compile");
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

async function workspaceSnapshot(workspaceId: string) {
  const json = await redis.get(RedisKeys.workspaceSnapshot(workspaceId));
  return json === null ? null : WorkspaceSnapshotSchema.parse(JSON.parse(json));
}

async function keySnapshot(keyHash: string) {
  const json = await redis.get(RedisKeys.keySnapshot(keyHash));
  return json === null ? null : KeySnapshotSchema.parse(JSON.parse(json));
}

async function workspace(slug: string, guardrails?: object) {
  return db.prisma.workspace.create({
    data: { name: slug, slug: `${slug}-${Date.now().toString(36)}`, guardrails },
  });
}

describe("guardrails in the published snapshots", () => {
  it("a workspace without a policy publishes guardrails off, with every default filled in", async () => {
    const ws = await workspace("gr-default");
    await publishWorkspace(db.prisma, redis, ws.id);
    expect((await workspaceSnapshot(ws.id))!.guardrails).toEqual({
      enabled: false,
      actions: {},
      customPatterns: [],
      denyList: [],
      scanResponses: true,
    });
  });

  it("publishes the stored policy, defaults filled, and invalidates so proxies reload it", async () => {
    const ws = await workspace("gr-policy", {
      enabled: true,
      actions: { email: "mask", phone: "mask", aws_key: "block", prompt_injection: "log" },
      customPatterns: [{ name: "ORDER_ID", pattern: "ORD-[0-9]{6}" }],
      denyList: ["Project Falcon"],
    });
    messages.length = 0;
    await publishWorkspace(db.prisma, redis, ws.id);
    const snapshot = (await workspaceSnapshot(ws.id))!;
    expect(snapshot.guardrails).toEqual({
      enabled: true,
      actions: { email: "mask", phone: "mask", aws_key: "block", prompt_injection: "log" },
      customPatterns: [{ name: "ORDER_ID", pattern: "ORD-[0-9]{6}", action: "mask" }],
      denyList: ["Project Falcon"],
      scanResponses: true,
    });
    await vi.waitFor(() =>
      expect(messages).toContainEqual({
        kind: "workspace",
        workspaceId: ws.id,
        version: snapshot.version,
      }),
    );
  });

  it("a stored policy the schema refuses fails the publish and leaves the last good snapshot", async () => {
    const ws = await workspace("gr-invalid", { enabled: true, actions: { email: "mask" } });
    await publishWorkspace(db.prisma, redis, ws.id);
    // a hand edit: an action that does not exist
    await db.prisma.workspace.update({
      where: { id: ws.id },
      data: { guardrails: { enabled: true, actions: { email: "hide" } } },
    });
    await expect(publishWorkspace(db.prisma, redis, ws.id)).rejects.toThrow(
      /guardrail policy of workspace .* is invalid: actions\.email/,
    );
    const kept = (await workspaceSnapshot(ws.id))!;
    expect(kept.guardrails.enabled).toBe(true);
    expect(kept.guardrails.actions).toEqual({ email: "mask" });
  });

  it("a key's override reaches its snapshot; clearing it goes back to inherit (null)", async () => {
    const ws = await workspace("gr-key", { enabled: true });
    const generated = generateVirtualKey();
    const key = await db.prisma.virtualKey.create({
      data: {
        workspaceId: ws.id,
        name: "Support bot",
        keyHash: generated.hash,
        prefix: generated.prefix,
        guardrails: { actions: { email: "off", prompt_injection: "block" } },
      },
    });
    await publishKey(db.prisma, redis, key.id);
    expect((await keySnapshot(generated.hash))!.guardrails).toEqual({
      actions: { email: "off", prompt_injection: "block" },
    });

    await db.prisma.virtualKey.update({
      where: { id: key.id },
      data: { guardrails: Prisma.DbNull },
    });
    await publishKey(db.prisma, redis, key.id);
    expect((await keySnapshot(generated.hash))!.guardrails).toBeNull();
  });
});
