/**
 * A real proxy in front of the control plane's own data: a test database seeded with the demo
 * workspace (@gatehouse/db seedDemo), its config published to Redis db 2 as the dashboard
 * would (ensureConfigPublished), the fake provider, and the proxy app in this process. For
 * the tests that change rows in PostgreSQL and publish them through @gatehouse/db.
 */
import { ensureConfigPublished, seedDemo, type SeedDemoResult } from "@gatehouse/db";
import { createTestDatabase, type TestDatabase } from "@gatehouse/db/testing";
import { startFakeProvider, type FakeProvider } from "@gatehouse/testkit";
import { Redis } from "ioredis";
import { startApp, type App } from "../src/app";
import { createLogger } from "../src/log";
import { ENCRYPTION_KEYS, REDIS_URL } from "./fixtures";

export interface SeededWorld {
  db: TestDatabase;
  redis: Redis;
  fake: FakeProvider;
  app: App;
  url: string;
  seed: SeedDemoResult;
  close(): Promise<void>;
}

export async function startSeededWorld(name: string, extraKeys = 0): Promise<SeededWorld> {
  const db = await createTestDatabase(name);
  const redis = new Redis(REDIS_URL);
  await redis.flushdb();
  const fake = await startFakeProvider();
  const seed = await seedDemo(db.prisma, redis, {
    fakeProviderUrl: fake.url,
    encryptionKeys: ENCRYPTION_KEYS,
    extraKeys,
  });
  await ensureConfigPublished(db.prisma, redis);
  const app = await startApp({
    redisUrl: REDIS_URL,
    encryptionKeys: ENCRYPTION_KEYS,
    cacheSize: 1000,
    usageBufferMax: 10_000,
    settings: {},
    log: createLogger("silent"),
    budgetAlerts: false,
  });
  const { url } = await app.proxy.listen(0, "127.0.0.1");
  return {
    db,
    redis,
    fake,
    app,
    url,
    seed,
    async close() {
      await app.close(2_000);
      await fake.close();
      redis.disconnect();
      await db.drop();
    },
  };
}
