// Prints migration SQL with Prisma 6.19 (npm alias `prisma6`), which can diff two schemas
// offline through its WebAssembly schema engine and a driver adapter. Prisma 7's
// `migrate diff` needs the native schema engine, which cannot be downloaded here.
// See "Prisma offline" in the team's STACK.md.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import process from "node:process";
import { URL, pathToFileURL } from "node:url";

const require = createRequire(import.meta.url);

const DEFAULT_SERVER_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

/**
 * Prisma 6 wants `url = env("DATABASE_URL")` in the datasource (Prisma 7 refuses it there)
 * and does not know Prisma 7's generator options; generators do not matter for a diff.
 */
export function toPrisma6Schema(schema) {
  let out = schema.replace(/^generator\s+\w+\s*\{[^}]*\}\s*$/gm, "");
  out = out.replace(/^(datasource\s+\w+\s*\{)([^}]*)\}/m, (_match, open, body) => {
    const withoutUrl = body.replace(/^\s*url\s*=.*$/gm, "");
    return `${open}${withoutUrl.trimEnd()}\n  url = env("DATABASE_URL")\n}`;
  });
  return out;
}

/** Any database on the server will do: the diff only asks the server for its version. */
function serverUrl(databaseUrl) {
  const url = new URL(databaseUrl ?? process.env.DATABASE_URL ?? DEFAULT_SERVER_URL);
  url.pathname = "/postgres";
  return url.toString();
}

function run(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * SQL that takes a database from schema `fromFile` (null = empty) to schema `toFile`.
 * Returns "" when there is nothing to do.
 */
export async function diffSchemas({ fromFile, toFile, databaseUrl }) {
  const dir = await mkdtemp(path.join(tmpdir(), "gatehouse-prisma6-"));
  try {
    const adapterUrl = pathToFileURL(require.resolve("@prisma/adapter-pg6")).href;
    const configFile = path.join(dir, "prisma.config.mjs");
    // allowExitOnIdle: otherwise the pg pool keeps the CLI alive for its idle timeout (10 s)
    await writeFile(
      configFile,
      `import { PrismaPg } from ${JSON.stringify(adapterUrl)};
export default {
  experimental: { adapter: true },
  engine: "js",
  adapter: async () =>
    new PrismaPg({ connectionString: process.env.DATABASE_URL, allowExitOnIdle: true }),
};
`,
    );
    const toCopy = path.join(dir, "to.prisma");
    await writeFile(toCopy, toPrisma6Schema(await readFile(toFile, "utf8")));
    const args = ["migrate", "diff", "--config", configFile];
    if (fromFile) {
      const fromCopy = path.join(dir, "from.prisma");
      await writeFile(fromCopy, toPrisma6Schema(await readFile(fromFile, "utf8")));
      args.push("--from-schema-datamodel", fromCopy);
    } else {
      args.push("--from-empty");
    }
    args.push("--to-schema-datamodel", toCopy, "--script");

    const cli = path.join(
      path.dirname(require.resolve("prisma6/package.json")),
      "build",
      "index.js",
    );
    const { code, stdout, stderr } = await run(process.execPath, [cli, ...args], {
      ...process.env,
      DATABASE_URL: serverUrl(databaseUrl),
      PRISMA_QUERY_ENGINE_LIBRARY: "/bin/true",
      CHECKPOINT_DISABLE: "1",
      PRISMA_HIDE_UPDATE_MESSAGE: "1",
    });
    if (code !== 0) {
      throw new Error(`prisma6 migrate diff failed (exit ${code}):\n${stderr}${stdout}`);
    }
    // Prisma says so explicitly when there is nothing to do; empty output means it silently
    // failed (the trap STACK.md warns about), never "no changes".
    if (!stdout.trim()) {
      throw new Error(`prisma6 migrate diff printed nothing:\n${stderr}`);
    }
    return hasStatements(stdout) ? stdout : "";
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** True when the SQL has anything besides comments and whitespace. */
export function hasStatements(sql) {
  return sql.split("\n").some((line) => line.trim() !== "" && !line.trim().startsWith("--"));
}
