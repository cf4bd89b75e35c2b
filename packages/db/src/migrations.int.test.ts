import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { diffSchemas } from "../scripts/prisma6.mjs";
import { DEFAULT_MIGRATIONS_DIR, migrate, migrationChecksum, readMigrations } from "./migrate";
import { createTestDatabase, dropDatabase, type TestDatabase } from "./testing";

const run = promisify(execFile);
const schemaFile = fileURLToPath(new URL("../prisma/schema.prisma", import.meta.url));

function urlOf(name: string): string {
  const url = new URL(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
  url.pathname = `/${name}`;
  return url.toString();
}

function scratchName(label: string): string {
  return `gh_test_${label}_${randomBytes(5).toString("hex")}`;
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

/** The schema as pg_dump prints it, minus comments, settings and the migrations table. */
async function schemaDump(url: string): Promise<string> {
  const { stdout } = await run(
    "pg_dump",
    [
      "--schema-only",
      "--no-owner",
      "--no-privileges",
      "--exclude-table=_prisma_migrations",
      "--dbname",
      url,
    ],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  return stdout
    .split("\n")
    .filter(
      (line) =>
        line.trim() !== "" &&
        !line.startsWith("--") &&
        !line.startsWith("SET ") &&
        !line.startsWith("SELECT pg_catalog.set_config") &&
        // pg_dump >= 15.14 brackets the dump with \restrict <random token>
        !line.startsWith("\\restrict") &&
        !line.startsWith("\\unrestrict"),
    )
    .join("\n");
}

/** A fresh database with `sql` applied directly (no migration runner). */
async function databaseFromSql(label: string, sql: string): Promise<string> {
  const name = scratchName(label);
  await query(urlOf("postgres"), `CREATE DATABASE "${name}"`);
  await query(urlOf(name), sql);
  return name;
}

describe("migrations", () => {
  let migrated: TestDatabase;
  const scratch: string[] = [];
  const tempDirs: string[] = [];

  async function tempMigrationsDir(): Promise<string> {
    const dir = await mkdtemp(path.join(tmpdir(), "gatehouse-migrations-"));
    tempDirs.push(dir);
    await cp(DEFAULT_MIGRATIONS_DIR, dir, { recursive: true });
    return dir;
  }

  beforeAll(async () => {
    migrated = await createTestDatabase("drift_a");
  });

  afterAll(async () => {
    await migrated?.drop();
    for (const name of scratch) await dropDatabase(name);
    for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
  });

  it("produce exactly the schema of prisma/schema.prisma (no drift)", async () => {
    const fromEmpty = await diffSchemas({ fromFile: null, toFile: schemaFile });
    const direct = await databaseFromSql("drift_b", fromEmpty);
    scratch.push(direct);
    const expected = await schemaDump(urlOf(direct));
    expect(expected).toContain("CREATE TABLE public.virtual_keys");
    expect(await schemaDump(migrated.url)).toBe(expected);
  });

  it("drift check notices a schema change that has no migration", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "gatehouse-schema-"));
    tempDirs.push(dir);
    const changed = path.join(dir, "schema.prisma");
    const schema = await readFile(schemaFile, "utf8");
    await writeFile(changed, schema.replace(/(model Workspace \{\n)/, "$1  drifted String?\n"));
    const direct = await databaseFromSql(
      "drift_c",
      await diffSchemas({ fromFile: null, toFile: changed }),
    );
    scratch.push(direct);
    expect(await schemaDump(urlOf(direct))).not.toBe(await schemaDump(migrated.url));
  });

  it("records every migration in _prisma_migrations the way Prisma does", async () => {
    const files = await readMigrations();
    const rows = await query<{
      id: string;
      checksum: string;
      migration_name: string;
      finished_at: Date | null;
      rolled_back_at: Date | null;
      logs: string | null;
      applied_steps_count: number;
      started_at: Date;
    }>(migrated.url, 'SELECT * FROM "_prisma_migrations" ORDER BY migration_name');
    expect(rows.map((row) => row.migration_name)).toEqual(files.map((file) => file.name));
    for (const [index, row] of rows.entries()) {
      const sql = await readFile(
        path.join(DEFAULT_MIGRATIONS_DIR, row.migration_name, "migration.sql"),
      );
      expect(row.checksum).toBe(migrationChecksum(sql));
      expect(row.checksum).toBe(files[index]!.checksum);
      expect(row.id).toMatch(
        /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
      );
      expect(row.finished_at).toBeInstanceOf(Date);
      expect(row.finished_at!.getTime()).toBeGreaterThanOrEqual(row.started_at.getTime());
      expect(row.rolled_back_at).toBeNull();
      expect(row.logs).toBeNull();
      expect(row.applied_steps_count).toBe(1);
    }
  });

  it("is idempotent: a second run applies nothing", async () => {
    const lines: string[] = [];
    const result = await migrate(migrated.url, { log: (line) => lines.push(line) });
    expect(result.applied).toEqual([]);
    expect(result.alreadyApplied).toBe((await readMigrations()).length);
    expect(lines).toEqual([]);
  });

  it("creates the database, and two concurrent runs apply each migration once", async () => {
    const name = scratchName("concurrent");
    scratch.push(name);
    const [first, second] = await Promise.all([migrate(urlOf(name)), migrate(urlOf(name))]);
    const count = (await readMigrations()).length;
    expect([...first.applied, ...second.applied]).toHaveLength(count);
    const rows = await query<{ n: string }>(
      urlOf(name),
      'SELECT count(*) AS n FROM "_prisma_migrations"',
    );
    expect(Number(rows[0]!.n)).toBe(count);
  });

  it("refuses to run when an applied migration was modified", async () => {
    const dir = await tempMigrationsDir();
    const name = scratchName("checksum");
    scratch.push(name);
    await migrate(urlOf(name), { migrationsDir: dir });
    const [first] = await readMigrations(dir);
    await appendFile(path.join(dir, first!.name, "migration.sql"), "\n-- edited after the fact\n");
    await expect(migrate(urlOf(name), { migrationsDir: dir })).rejects.toThrow(
      /was modified after it was applied/,
    );
  });

  it("rolls a failing migration back completely and records nothing", async () => {
    const dir = await tempMigrationsDir();
    await mkdir(path.join(dir, "99990101000000_broken"));
    await writeFile(
      path.join(dir, "99990101000000_broken", "migration.sql"),
      "CREATE TABLE half_done (id INTEGER);\nSELECT 1 / 0;\n",
    );
    const name = scratchName("broken");
    scratch.push(name);
    await expect(migrate(urlOf(name), { migrationsDir: dir })).rejects.toThrow(
      /99990101000000_broken failed/,
    );
    const tables = await query<{ n: string }>(
      urlOf(name),
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 'half_done'",
    );
    expect(Number(tables[0]!.n)).toBe(0);
    const rows = await query<{ migration_name: string }>(
      urlOf(name),
      'SELECT migration_name FROM "_prisma_migrations"',
    );
    expect(rows.map((row) => row.migration_name)).toEqual(
      (await readMigrations()).map((file) => file.name),
    );
  });

  it("refuses to run over a failed migration left by the Prisma CLI", async () => {
    const name = scratchName("failed");
    scratch.push(name);
    await migrate(urlOf(name));
    await query(
      urlOf(name),
      `INSERT INTO "_prisma_migrations" (id, checksum, migration_name, started_at, applied_steps_count)
       VALUES ('00000000-0000-4000-8000-000000000000', 'x', '99990101000000_failed', now(), 0)`,
    );
    await expect(migrate(urlOf(name))).rejects.toThrow(/99990101000000_failed failed earlier/);
  });
});
