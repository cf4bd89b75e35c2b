#!/usr/bin/env node
// Generates the Prisma 7 client into src/generated/prisma (git-ignored). The package's
// `build`. Offline-safe: generation runs on WebAssembly, but the CLI insists on a schema
// engine path, so it gets /bin/true (see "Prisma offline" in STACK.md). Skips the work when
// neither the schema, the config nor the Prisma version changed since the last run.
import { spawnSync } from "node:child_process";
import console from "node:console";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const packageDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outputDir = path.join(packageDir, "src", "generated", "prisma");
const stampFile = path.join(outputDir, ".inputs-hash");
const force = process.argv.includes("--force");

const prismaPackage = require.resolve("prisma/package.json");
const hash = createHash("sha256");
for (const file of [
  path.join(packageDir, "prisma", "schema.prisma"),
  path.join(packageDir, "prisma.config.ts"),
  prismaPackage,
  require.resolve("@prisma/client/package.json"),
]) {
  hash.update(readFileSync(file));
}
const inputsHash = hash.digest("hex");

if (!force && existsSync(path.join(outputDir, "client.ts")) && existsSync(stampFile)) {
  if (readFileSync(stampFile, "utf8").trim() === inputsHash) {
    console.log("prisma client is up to date");
    process.exit(0);
  }
}

const cli = path.join(path.dirname(prismaPackage), "build", "index.js");
const result = spawnSync(process.execPath, [cli, "generate"], {
  cwd: packageDir,
  stdio: "inherit",
  env: {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? "/bin/true",
    CHECKPOINT_DISABLE: "1",
    PRISMA_HIDE_UPDATE_MESSAGE: "1",
  },
});
if (result.status !== 0) {
  process.exit(result.status ?? 1);
}
if (!existsSync(path.join(outputDir, "client.ts"))) {
  console.error(`prisma generate exited 0 but wrote no client to ${outputDir}`);
  process.exit(1);
}
writeFileSync(stampFile, `${inputsHash}\n`);
