/**
 * A guardrail policy change reaches a running proxy within a second: the dashboard's path
 * (PostgreSQL row, then @gatehouse/db's publishWorkspace / publishKey, as the guardrails
 * router calls them) against a real proxy with the demo workspace cached, no restart. The
 * workspace policy and a key's override alike. Redis db 2, like the other proxy tests.
 */
import { ensureConfigPublished, publishKey, publishWorkspace, seedDemo } from "@gatehouse/db";
import type { SeedDemoResult } from "@gatehouse/db";
import { createTestDatabase, type TestDatabase } from "@gatehouse/db/testing";
import { GuardrailPolicySchema } from "@gatehouse/shared";
import { startFakeProvider, type FakeProvider } from "@gatehouse/testkit";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../src/app";
import { createLogger } from "../src/log";
import { ENCRYPTION_KEYS, REDIS_URL } from "./fixtures";

const EMAIL = "jane.doe@example.com";

let db: TestDatabase;
let redis: Redis;
let fake: FakeProvider;
let app: App;
let openai: OpenAI;
let seed: SeedDemoResult;

beforeAll(async () => {
  db = await createTestDatabase("proxy-guardrails-publish");
  redis = new Redis(REDIS_URL);
  await redis.flushdb();
  fake = await startFakeProvider();
  seed = await seedDemo(db.prisma, redis, {
    fakeProviderUrl: fake.url,
    encryptionKeys: ENCRYPTION_KEYS,
  });
  await ensureConfigPublished(db.prisma, redis);
  app = await startApp({
    redisUrl: REDIS_URL,
    encryptionKeys: ENCRYPTION_KEYS,
    cacheSize: 1000,
    usageBufferMax: 10_000,
    settings: {},
    log: createLogger("silent"),
    budgetAlerts: false,
  });
  const { url } = await app.proxy.listen(0, "127.0.0.1");
  openai = new OpenAI({ baseURL: `${url}/v1`, apiKey: seed.key, maxRetries: 0 });
});

afterAll(async () => {
  await app?.close(2_000);
  await fake?.close();
  redis?.disconnect();
  await db?.drop();
});

/** What the provider was sent for a prompt holding the address. */
async function sent(): Promise<string> {
  await openai.chat.completions.create({
    model: "gpt-4o-mini",
    max_tokens: 5,
    messages: [{ role: "user", content: `write to ${EMAIL}` }],
  });
  return JSON.stringify(fake.requests[fake.requests.length - 1]!.body);
}

/** Milliseconds from `change` until the provider is sent what `seen` accepts. */
async function msUntil(change: () => Promise<unknown>, seen: (body: string) => boolean) {
  await change();
  const started = performance.now();
  while (!seen(await sent())) {
    if (performance.now() - started > 5_000) throw new Error("the change never reached the proxy");
  }
  return performance.now() - started;
}

describe("a guardrail policy change reaches a running proxy", () => {
  it("the workspace policy, then a key's override, each within a second", async () => {
    // the demo policy masks addresses, and the proxy has the workspace cached now
    expect(await sent()).toContain("[EMAIL_1]");

    const workspace = await db.prisma.workspace.findUniqueOrThrow({
      where: { id: seed.workspaceId },
      select: { guardrails: true },
    });
    const policy = GuardrailPolicySchema.parse(workspace.guardrails);
    const redactAfter = await msUntil(
      async () => {
        await db.prisma.workspace.update({
          where: { id: seed.workspaceId },
          data: { guardrails: { ...policy, actions: { ...policy.actions, email: "redact" } } },
        });
        await publishWorkspace(db.prisma, redis, seed.workspaceId);
      },
      (body) => body.includes("[REDACTED_EMAIL]"),
    );
    expect(redactAfter).toBeLessThan(1_000);

    // this key may send addresses as they are
    const overrideAfter = await msUntil(
      async () => {
        await db.prisma.virtualKey.update({
          where: { id: seed.keyId },
          data: { guardrails: { actions: { email: "off" } } },
        });
        await publishKey(db.prisma, redis, seed.keyId);
      },
      (body) => body.includes(EMAIL),
    );
    expect(overrideAfter).toBeLessThan(1_000);
  });
});
