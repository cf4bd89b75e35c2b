import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { createPrismaClient } from "../client";
import { seedDemo } from "../seed";
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_FAKE_PROVIDER_URL,
  DEFAULT_REDIS_URL,
  describeError,
} from "./env";

// Seeds the demo account and prints {email, password, workspaceId, keyId, key} as JSON.
// Usage: seed [--fake-provider-url URL] [--demo-key SECRET]
// (defaults: GATEHOUSE_FAKE_PROVIDER_URL or http://127.0.0.1:8789; GATEHOUSE_DEMO_KEY)
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "fake-provider-url": { type: "string" },
      "demo-key": { type: "string" },
    },
  });
  const prisma = createPrismaClient(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, {
    poolSize: 2,
  });
  const redis = new Redis(process.env.REDIS_URL ?? DEFAULT_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    const demoKey = values["demo-key"] ?? process.env.GATEHOUSE_DEMO_KEY;
    const result = await seedDemo(prisma, redis, {
      fakeProviderUrl:
        values["fake-provider-url"] ??
        process.env.GATEHOUSE_FAKE_PROVIDER_URL ??
        DEFAULT_FAKE_PROVIDER_URL,
      ...(demoKey ? { demoKey } : {}),
    });
    console.log(JSON.stringify(result));
  } finally {
    redis.disconnect();
    await prisma.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(`seed: ${describeError(error)}`);
  process.exit(1);
});
