import { createHash, randomUUID } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/**
 * Our stand-in for `prisma migrate deploy` (which needs the native schema engine, unavailable
 * offline). It applies `prisma/migrations/<timestamp>_<name>/migration.sql` folders in order
 * and records them in `_prisma_migrations` exactly as Prisma does, so the real Prisma CLI
 * sees the same history on a machine that has it.
 */

export interface MigrateOptions {
  log?: (line: string) => void;
  /** defaults to this package's prisma/migrations */
  migrationsDir?: string;
}

export interface MigrateResult {
  /** names of the migrations applied by this call, in order */
  applied: string[];
  /** migrations that were already applied */
  alreadyApplied: number;
}

export interface MigrationFile {
  name: string;
  sql: string;
  /** sha256 hex of migration.sql, as Prisma computes it */
  checksum: string;
}

/** The lock id Prisma's own migrate commands take, so our runner and theirs exclude each other. */
const ADVISORY_LOCK_ID = 72707369;

/** A migration whose first line is this comment runs outside a transaction (e.g. CREATE INDEX CONCURRENTLY). */
const NO_TRANSACTION_MARKER = "-- gatehouse:no-transaction";

export const DEFAULT_MIGRATIONS_DIR = fileURLToPath(
  new URL("../prisma/migrations", import.meta.url),
);

// Prisma's own definition of the table.
const CREATE_MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
    "id"                    VARCHAR(36) PRIMARY KEY NOT NULL,
    "checksum"              VARCHAR(64) NOT NULL,
    "finished_at"           TIMESTAMPTZ,
    "migration_name"        VARCHAR(255) NOT NULL,
    "logs"                  TEXT,
    "rolled_back_at"        TIMESTAMPTZ,
    "started_at"            TIMESTAMPTZ NOT NULL DEFAULT now(),
    "applied_steps_count"   INTEGER NOT NULL DEFAULT 0
)`;

interface AppliedRow {
  migration_name: string;
  checksum: string;
  finished_at: Date | null;
  rolled_back_at: Date | null;
}

export class MigrationError extends Error {
  override name = "MigrationError";
}

export function migrationChecksum(sql: string | Buffer): string {
  return createHash("sha256").update(sql).digest("hex");
}

/** The migration folders of `dir`, sorted by name (= by timestamp). */
export async function readMigrations(
  dir: string = DEFAULT_MIGRATIONS_DIR,
): Promise<MigrationFile[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  const migrations: MigrationFile[] = [];
  for (const name of names) {
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(dir, name, "migration.sql"));
    } catch {
      throw new MigrationError(`migration folder ${name} has no migration.sql`);
    }
    migrations.push({ name, sql: bytes.toString("utf8"), checksum: migrationChecksum(bytes) });
  }
  return migrations;
}

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function pgErrorCode(error: unknown): string | undefined {
  return typeof error === "object" && error !== null && "code" in error
    ? String((error as { code: unknown }).code)
    : undefined;
}

/** Creates the database named in `databaseUrl` if it does not exist yet. */
export async function ensureDatabase(databaseUrl: string): Promise<boolean> {
  const probe = new pg.Client({ connectionString: databaseUrl });
  try {
    await probe.connect();
    return false;
  } catch (error) {
    // 3D000 = invalid_catalog_name: the database does not exist
    if (pgErrorCode(error) !== "3D000") throw error;
  } finally {
    await probe.end().catch(() => {});
  }

  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = "/postgres";
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${quoteIdent(name)}`);
    return true;
  } catch (error) {
    // Another starter created it first: 42P04 duplicate_database, or 23505 when both
    // inserted into pg_database at the same moment.
    const code = pgErrorCode(error);
    if (code === "42P04" || code === "23505") return false;
    throw error;
  } finally {
    await admin.end();
  }
}

/**
 * Applies the pending migrations to `databaseUrl` (creating the database if needed).
 * Each migration runs in its own transaction together with its `_prisma_migrations` row,
 * so a failure leaves neither a half-applied schema nor a record. Refuses to run when an
 * applied migration's file changed or a previous (Prisma CLI) run left a failed migration.
 */
export async function migrate(
  databaseUrl: string,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const log = options.log ?? (() => {});
  const migrations = await readMigrations(options.migrationsDir);
  await ensureDatabase(databaseUrl);

  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const locked = await client.query<{ locked: boolean }>(
      "SELECT pg_try_advisory_lock($1) AS locked",
      [ADVISORY_LOCK_ID],
    );
    if (!locked.rows[0]?.locked) {
      log("waiting for another migration run to finish");
      await client.query("SELECT pg_advisory_lock($1)", [ADVISORY_LOCK_ID]);
    }
    try {
      return await applyPending(client, migrations, log);
    } finally {
      await client.query("SELECT pg_advisory_unlock($1)", [ADVISORY_LOCK_ID]);
    }
  } finally {
    await client.end();
  }
}

async function applyPending(
  client: pg.Client,
  migrations: MigrationFile[],
  log: (line: string) => void,
): Promise<MigrateResult> {
  await client.query(CREATE_MIGRATIONS_TABLE);
  const { rows } = await client.query<AppliedRow>(
    `SELECT migration_name, checksum, finished_at, rolled_back_at
       FROM "_prisma_migrations" ORDER BY started_at`,
  );

  const failed = rows.filter((row) => row.finished_at === null && row.rolled_back_at === null);
  if (failed.length > 0) {
    throw new MigrationError(
      `migration ${failed.map((row) => row.migration_name).join(", ")} failed earlier and was not ` +
        "resolved; fix the database, then mark it with `prisma migrate resolve` (or delete its " +
        "row from _prisma_migrations) and run again",
    );
  }

  const applied = new Map<string, AppliedRow>();
  for (const row of rows) {
    if (row.finished_at !== null && row.rolled_back_at === null)
      applied.set(row.migration_name, row);
  }

  const known = new Set(migrations.map((migration) => migration.name));
  for (const name of applied.keys()) {
    if (!known.has(name))
      log(`warning: ${name} is applied to the database but missing from the migrations folder`);
  }

  for (const migration of migrations) {
    const row = applied.get(migration.name);
    if (row && row.checksum !== migration.checksum) {
      throw new MigrationError(
        `migration ${migration.name} was modified after it was applied (checksum ` +
          `${row.checksum} in the database, ${migration.checksum} on disk); restore the file ` +
          "and put the change in a new migration",
      );
    }
  }

  const result: MigrateResult = { applied: [], alreadyApplied: applied.size };
  for (const migration of migrations) {
    if (applied.has(migration.name)) continue;
    if (migration.sql.startsWith(NO_TRANSACTION_MARKER)) {
      await applyWithoutTransaction(client, migration);
    } else {
      await applyInTransaction(client, migration);
    }
    result.applied.push(migration.name);
    log(`applied ${migration.name}`);
  }
  return result;
}

async function applyInTransaction(client: pg.Client, migration: MigrationFile): Promise<void> {
  await client.query("BEGIN");
  try {
    const startedAt = new Date();
    await client.query(migration.sql);
    await client.query(
      `INSERT INTO "_prisma_migrations"
         (id, checksum, finished_at, migration_name, logs, rolled_back_at, started_at, applied_steps_count)
       VALUES ($1, $2, clock_timestamp(), $3, NULL, NULL, $4, 1)`,
      [randomUUID(), migration.checksum, migration.name, startedAt],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw new MigrationError(
      `migration ${migration.name} failed and was rolled back: ${errorMessage(error)}`,
      {
        cause: error,
      },
    );
  }
}

/** Prisma's own protocol: record the start, run the script, record the end (or the error). */
async function applyWithoutTransaction(client: pg.Client, migration: MigrationFile): Promise<void> {
  const id = randomUUID();
  await client.query(
    `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
     VALUES ($1, $2, $3, clock_timestamp(), 0)`,
    [id, migration.checksum, migration.name],
  );
  try {
    await client.query(migration.sql);
  } catch (error) {
    await client.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [
      id,
      errorMessage(error),
    ]);
    throw new MigrationError(
      `migration ${migration.name} failed outside a transaction and may be partly applied: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  await client.query(
    `UPDATE "_prisma_migrations" SET finished_at = clock_timestamp(), applied_steps_count = 1 WHERE id = $1`,
    [id],
  );
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
