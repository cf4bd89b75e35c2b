import { RedisKeys, SECRET_DETECTORS, WorkspaceSnapshotSchema } from "@gatehouse/shared";
import { generateEncryptionKey } from "@gatehouse/shared/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemo } from "./seed";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "./testing";

/** The demo workspace is guarded from the first start (issue 15, item 7). */

const encryptionKeys = generateEncryptionKey("seed");
const fakeProviderUrl = "http://127.0.0.1:18789";

let db: TestDatabase;
let redis: Redis;

beforeAll(async () => {
  db = await createTestDatabase("seed-guardrails");
  redis = new Redis(testRedisUrl(1));
});

afterAll(async () => {
  redis?.disconnect();
  await db?.drop();
});

async function publishedGuardrails(workspaceId: string) {
  const json = await redis.get(RedisKeys.workspaceSnapshot(workspaceId));
  return WorkspaceSnapshotSchema.parse(JSON.parse(json!)).guardrails;
}

describe("the demo workspace's guardrails", () => {
  it("mask e-mail addresses and phone numbers and block every secret, published to the proxies", async () => {
    const seeded = await seedDemo(db.prisma, redis, { fakeProviderUrl, encryptionKeys });
    const guardrails = await publishedGuardrails(seeded.workspaceId);
    expect(guardrails.enabled).toBe(true);
    expect(guardrails.scanResponses).toBe(true);
    expect(guardrails.actions.email).toBe("mask");
    expect(guardrails.actions.phone).toBe("mask");
    for (const secret of SECRET_DETECTORS) expect(guardrails.actions[secret]).toBe("block");
    expect(guardrails.actions.prompt_injection).toBe("log");
  });

  it("a policy the user changed (even to off) survives the next seed", async () => {
    const first = await seedDemo(db.prisma, redis, { fakeProviderUrl, encryptionKeys });
    await db.prisma.workspace.update({
      where: { id: first.workspaceId },
      data: { guardrails: { enabled: false, actions: { email: "log" } } },
    });
    await seedDemo(db.prisma, redis, { fakeProviderUrl, encryptionKeys, demoKey: first.key });
    const guardrails = await publishedGuardrails(first.workspaceId);
    expect(guardrails.enabled).toBe(false);
    expect(guardrails.actions).toEqual({ email: "log" });
  });
});
