import { migrate } from "../migrate";
import { DEFAULT_DATABASE_URL, describeError } from "./env";

// Applies pending migrations to DATABASE_URL; prints one line per applied migration.
async function main(): Promise<void> {
  const databaseUrl = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
  const result = await migrate(databaseUrl, { log: (line) => console.log(line) });
  if (result.applied.length === 0) {
    const n = result.alreadyApplied;
    console.log(`database is up to date (${n} migration${n === 1 ? "" : "s"} applied)`);
  }
}

main().catch((error: unknown) => {
  console.error(`migrate: ${describeError(error)}`);
  process.exit(1);
});
