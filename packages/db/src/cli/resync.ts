import { Redis } from "ioredis";
import { createPrismaClient } from "../client";
import { republishAll } from "../config/republish";
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, describeError } from "./env";

// Republishes the whole config from PostgreSQL now (after a Redis flush or loss, or to repair
// drift): every snapshot, each budget's period spend from the usage rollups (never lowering
// it), then a new config generation marker, then tells every proxy to drop its cache. The
// worker's config check does the same on its own when it finds the marker missing; this waits
// if a replica is doing it right now. Prints a JSON summary; exits 1 if a workspace failed.
async function main(): Promise<void> {
  const prisma = createPrismaClient(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, {
    poolSize: 2,
  });
  const redis = new Redis(process.env.REDIS_URL ?? DEFAULT_REDIS_URL, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
  });
  try {
    await redis.connect();
    const result = await republishAll(prisma, redis);
    console.log(JSON.stringify(result));
    if (result.failed.length > 0) process.exitCode = 1;
  } finally {
    redis.disconnect();
    await prisma.$disconnect();
  }
}

main().catch((error: unknown) => {
  console.error(`resync: ${describeError(error)}`);
  process.exit(1);
});
