import { parseArgs } from "node:util";
import { Redis } from "ioredis";
import { createPrismaClient } from "../client";
import { ensureConfigPublished } from "../config/republish";
import { seedDemo } from "../seed";
import {
  DEFAULT_DATABASE_URL,
  DEFAULT_FAKE_PROVIDER_URL,
  DEFAULT_REDIS_URL,
  describeError,
} from "./env";

// Seeds the demo account and prints {email, password, workspaceId, keyId, key, extraKeys} as JSON.
// Usage: seed [--fake-provider-url URL] [--demo-key SECRET] [--extra-keys N [--extra-key SECRET]...]
// (--extra-keys: also ensure "Demo key 2".."Demo key N+1", e.g. for scripts/traffic.mjs; pass
// their earlier secrets with repeated --extra-key to keep them)
// (defaults: GATEHOUSE_FAKE_PROVIDER_URL or http://127.0.0.1:8789; GATEHOUSE_DEMO_KEY)
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "fake-provider-url": { type: "string" },
      "demo-key": { type: "string" },
      "extra-keys": { type: "string" },
      "extra-key": { type: "string", multiple: true },
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
      extraKeys: Number(values["extra-keys"] ?? 0) || 0,
      extraKeySecrets: values["extra-key"] ?? [],
    });
    // a fresh (or flushed) Redis has no config generation marker until a complete republish,
    // and proxies stay not-ready without one: leave Redis complete (the worker would too)
    await ensureConfigPublished(prisma, redis);
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
