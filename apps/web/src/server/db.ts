import { createPrismaClient, type PrismaClient } from "@gatehouse/db";
import { getEnv } from "~/env";

export type Db = PrismaClient;

// One client per server process; kept on globalThis so dev-mode reloads don't leak pools.
const globalForDb = globalThis as typeof globalThis & { gatehouseDb?: Db };

/** The app's Prisma client, created on first use (never at import, so `next build` needs no DB). */
export function getDb(): Db {
  globalForDb.gatehouseDb ??= createPrismaClient(getEnv().DATABASE_URL);
  return globalForDb.gatehouseDb;
}
