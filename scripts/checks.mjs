#!/usr/bin/env node
// `npm run check:imports`, and a step of `npm test`: the repo's static checks, each one pass or
// fail of its own.
// - layers: the proxy's leaf modules never import apps/proxy/src/pipeline/ (the
//   import-x/no-restricted-paths rule in eslint.config.mjs);
// - cycles: no import circle anywhere in the repo, type-only imports included
//   (dependency-cruiser; eslint's import cycle rules skip type imports);
// - eslint: every other lint rule of eslint.config.mjs.
// ESLint runs once for both of its checks. `--report <file>` also writes the failed checks'
// names as JSON for scripts/test.mjs.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { cruise } from "dependency-cruiser";
import { ESLint } from "eslint";
import { c, fail, ok } from "./lib/log.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
export const LAYER_RULE = "import-x/no-restricted-paths";

/** What the cycle check never reads: installed and built files, and the checks' own fixtures. */
const CYCLE_EXCLUDE =
  "(^|/)(node_modules|dist|\\.next[^/]*|\\.turbo|generated|coverage|test-results|artifacts|\\.gatehouse)/|^\\.git/|^bench/\\.build/|^scripts/checks-fixtures/";

/**
 * @typedef {{ name: string, problems: string[] }} CheckResult
 */

/**
 * Lints with the repo's eslint.config.mjs and splits the errors into the layer rule's and the
 * rest. `ignore: false` lints files the config ignores (the tests' fixtures).
 * @param {{ cwd?: string, patterns?: string[], ignore?: boolean }} [options]
 * @returns {Promise<CheckResult[]>}
 */
export async function lintChecks({ cwd = ROOT, patterns = ["."], ignore = true } = {}) {
  const eslint = new ESLint({ cwd, ignore });
  const results = await eslint.lintFiles(patterns);
  /** @type {string[]} */
  const layers = [];
  /** @type {string[]} */
  const others = [];
  for (const result of results) {
    for (const message of result.messages) {
      if (message.severity !== 2) continue;
      const where = `${relative(cwd, result.filePath)}:${message.line ?? 0}:${message.column ?? 0}`;
      if (message.ruleId === LAYER_RULE) layers.push(`${where} ${message.message}`);
      else others.push(`${where} ${message.message} (${message.ruleId ?? "parse error"})`);
    }
  }
  return [
    { name: "layers (leaf imports pipeline/)", problems: layers },
    { name: "eslint", problems: others },
  ];
}

/**
 * Finds every import circle under `paths` (relative to `cwd`). A local import it cannot
 * resolve is a problem too: the check would be blind past it.
 * @param {{ cwd?: string, paths?: string[], exclude?: string }} [options]
 * @returns {Promise<CheckResult>}
 */
export async function cycleCheck({ cwd = ROOT, paths = ["."], exclude = CYCLE_EXCLUDE } = {}) {
  const { output } = await cruise(
    paths,
    {
      baseDir: cwd,
      ruleSet: {
        forbidden: [{ name: "no-circular", severity: "error", from: {}, to: { circular: true } }],
      },
      validate: true,
      exclude: { path: exclude },
      doNotFollow: { path: "(^|/)node_modules/" },
      // type-only imports are edges too: a circle of types still ties the modules together
      tsPreCompilationDeps: true,
      enhancedResolveOptions: {
        exportsFields: ["exports"],
        conditionNames: ["import", "require", "node", "default", "types"],
        mainFields: ["module", "main", "types"],
      },
    },
    // apps/web's `~/*` (its tsconfig's only `paths`); dependency-cruiser's tsConfig option
    // would resolve a `paths` without `baseUrl` against the working directory
    { alias: { "~": resolve(ROOT, "apps/web/src") } },
  );
  if (typeof output === "string") throw new Error(`unexpected dependency-cruiser output`);
  /** @type {string[]} */
  const problems = [];
  for (const violation of output.summary.violations) {
    const cycle = violation.cycle ?? [];
    const typeOnly = cycle.every((edge) => edge.dependencyTypes.includes("type-only"));
    const chain = [violation.from, ...cycle.map((edge) => edge.name)].join(" → ");
    problems.push(`${chain}${typeOnly ? " (type-only imports)" : ""}`);
  }
  const excluded = new RegExp(exclude);
  for (const module of output.modules) {
    for (const dependency of module.dependencies) {
      const local = /^(\.|~\/|@gatehouse\/)/.test(dependency.module);
      if (dependency.couldNotResolve && local && !excluded.test(dependency.module)) {
        problems.push(`${module.source}: cannot resolve "${dependency.module}"`);
      }
    }
  }
  return { name: "cycles (import circles)", problems };
}

/** Every check over the whole repo. */
export async function runChecks() {
  const [lint, cycles] = await Promise.all([lintChecks(), cycleCheck()]);
  return [lint[0], cycles, lint[1]].filter((check) => check !== undefined);
}

async function main() {
  const reportAt = process.argv.indexOf("--report");
  const reportFile = reportAt > 0 ? process.argv[reportAt + 1] : undefined;
  const started = Date.now();
  const checks = await runChecks();
  const failed = checks.filter((check) => check.problems.length > 0);
  for (const check of checks) {
    if (check.problems.length === 0) {
      ok(`${check.name}: clean`);
      continue;
    }
    process.stdout.write(`${c.red("✖")} ${check.name}: ${check.problems.length}\n`);
    for (const problem of check.problems) process.stdout.write(`    ${problem}\n`);
  }
  process.stdout.write(
    `${c.gray(`Checks took ${((Date.now() - started) / 1000).toFixed(1)} s.`)}\n`,
  );
  if (reportFile) {
    mkdirSync(dirname(resolve(reportFile)), { recursive: true });
    writeFileSync(reportFile, JSON.stringify({ failed: failed.map((check) => check.name) }));
  }
  return failed.length > 0 ? 1 : 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      fail(`The checks could not run: ${/** @type {Error} */ (error).stack ?? error}`);
      process.exit(2);
    },
  );
}
