// Node version and dependency installation for the start and test commands. Node built-ins only.
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { run } from "./proc.mjs";
import { step, ok, UserError } from "./log.mjs";

export const MIN_NODE = "20.19.0";

/** Compares dotted versions numerically: <0, 0, >0. */
export function compareVersions(/** @type {string} */ a, /** @type {string} */ b) {
  const pa = a.replace(/^v/, "").split(".").map(Number);
  const pb = b.replace(/^v/, "").split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Fails with a clear message on a Node.js older than MIN_NODE. */
export function checkNode(version = process.versions.node) {
  if (compareVersions(version, MIN_NODE) < 0) {
    throw new UserError(
      `Gatehouse needs Node.js ${MIN_NODE} or newer, and this is Node.js ${version}. Install a current Node.js (https://nodejs.org, or \`nvm install\` in this folder: .nvmrc names the version), then run the command again.`,
    );
  }
}

/**
 * Why dependencies must be installed, or undefined when node_modules is current: npm writes
 * node_modules/.package-lock.json at the end of every install, so it is older than
 * package-lock.json exactly when the lockfile changed since.
 * @param {string} root
 */
export function installReason(root) {
  const hidden = join(root, "node_modules", ".package-lock.json");
  if (!existsSync(join(root, "node_modules")) || !existsSync(hidden))
    return "node_modules is missing";
  const lock = join(root, "package-lock.json");
  if (existsSync(lock) && statSync(lock).mtimeMs > statSync(hidden).mtimeMs + 1) {
    return "package-lock.json changed since the last install";
  }
  return undefined;
}

/**
 * Installs dependencies when they are missing or stale (`npm ci` with a lockfile, else
 * `npm install`).
 * @param {string} root
 */
export async function ensureDependencies(root) {
  const reason = installReason(root);
  if (!reason) return false;
  const useCi = existsSync(join(root, "package-lock.json"));
  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  step(`Installing dependencies (${reason}): npm ${useCi ? "ci" : "install"}…`);
  const started = Date.now();
  const result = await run(npm, [useCi ? "ci" : "install", "--no-audit", "--no-fund"], {
    cwd: root,
    output: "inherit",
  });
  if (result.code !== 0) {
    throw new UserError(
      `Installing dependencies failed (npm ${useCi ? "ci" : "install"} exited with code ${result.code}; its output is above). Check your network access to the npm registry and run the command again.`,
    );
  }
  ok(`Dependencies installed in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return true;
}
