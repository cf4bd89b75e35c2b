import { Redis } from "ioredis";
import { createPrismaClient } from "../client";
import { resyncAll } from "../config/publish";
import { restoreBudgetSpend } from "../config/budget-spend";
import { DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, describeError } from "./env";

// Rebuilds every config snapshot in Redis from PostgreSQL (after a Redis flush or loss) and
// tells every proxy to drop its cache; restores each budget's period spend from the usage
// rollups (never lowering it). Prints a JSON summary; exits 1 if a workspace failed.
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
    const result = await resyncAll(prisma, redis);
    const budgetSpend = await restoreBudgetSpend(prisma, redis);
    console.log(JSON.stringify({ ...result, budgetSpend }));
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
