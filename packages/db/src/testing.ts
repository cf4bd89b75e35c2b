import { randomBytes } from "node:crypto";
import pg from "pg";
import { createPrismaClient } from "./client";
import type { PrismaClient } from "./generated/prisma/client";
import { migrate } from "./migrate";

/**
 * Test helpers (`@gatehouse/db/testing`): every integration test gets its own freshly
 * migrated database on the server of DATABASE_URL, and its own Redis db number.
 */

const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/postgres";
const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

export interface TestDatabase {
  name: string;
  url: string;
  prisma: PrismaClient;
  /** disconnects the client and drops the database */
  drop(): Promise<void>;
}

function serverUrl(databaseName: string): string {
  const url = new URL(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
  url.pathname = `/${databaseName}`;
  return url.toString();
}

/** A uniquely named, migrated database `gh_test_<label>_<random>`. */
export async function createTestDatabase(label = "db"): Promise<TestDatabase> {
  const slug =
    label
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "_")
      .replace(/^_+|_+$/g, "")
      .slice(0, 30) || "db";
  const name = `gh_test_${slug}_${randomBytes(5).toString("hex")}`;
  const url = serverUrl(name);
  await migrate(url);
  const prisma = createPrismaClient(url, { poolSize: 4 });
  let dropped = false;
  return {
    name,
    url,
    prisma,
    async drop() {
      if (dropped) return;
      dropped = true;
      await prisma.$disconnect();
      await dropDatabase(name);
    },
  };
}

/** Drops a database, disconnecting anyone still using it. */
export async function dropDatabase(name: string): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl("postgres") });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${name.replace(/"/g, '""')}" WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** REDIS_URL (default redis://127.0.0.1:6379) with its db number replaced. */
export function testRedisUrl(dbNumber: number): string {
  const url = new URL(process.env.REDIS_URL ?? DEFAULT_REDIS_URL);
  url.pathname = `/${dbNumber}`;
  return url.toString();
}
