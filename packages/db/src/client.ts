import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export interface CreatePrismaClientOptions {
  /** connections in the pg pool (pg's default is 10) */
  poolSize?: number;
}

/**
 * A Prisma 7 client over node-postgres (Prisma 7 has no query engine binary; it talks to the
 * database through a driver adapter). One per process: each owns a connection pool.
 */
export function createPrismaClient(
  databaseUrl: string,
  options: CreatePrismaClientOptions = {},
): PrismaClient {
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    ...(options.poolSize !== undefined ? { max: options.poolSize } : {}),
  });
  return new PrismaClient({ adapter });
}
