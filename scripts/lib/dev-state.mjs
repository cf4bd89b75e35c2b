// `.gatehouse/dev.json`: what `npm start` tells scripts and tests about the running system
// (dashboardUrl, proxyUrl, demoEmail, demoPassword, demoKey). Node built-ins only.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { UserError } from "./log.mjs";

/** Printed by `npm start` when everything answers; tests wait for it. */
export const READY_LINE = "Gatehouse is ready";

/**
 * @typedef {{ dashboardUrl: string, proxyUrl: string, demoEmail: string, demoPassword: string, demoKey: string }} DevState
 */

/** @returns {Partial<DevState> | undefined} */
export function readDevJson(/** @type {string} */ stateDir) {
  const file = join(stateDir, "dev.json");
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

/** Writes dev.json (readable by its owner only: it holds the demo key). Returns its path. */
export function writeDevJson(/** @type {string} */ stateDir, /** @type {DevState} */ state) {
  mkdirSync(stateDir, { recursive: true });
  const file = join(stateDir, "dev.json");
  writeFileSync(file, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  return file;
}

/**
 * The seed prints one JSON object {email, password, workspaceId, keyId, key}, possibly after
 * log lines; `model` (the alias to call) is optional.
 * @param {string} stdout
 * @returns {{ email: string, password: string, key: string, model: string }}
 */
export function parseSeedOutput(stdout) {
  const trimmed = stdout.trim();
  const candidates = [trimmed, ...trimmed.split("\n").reverse()];
  for (const text of candidates) {
    if (!text.trim().startsWith("{")) continue;
    try {
      const parsed = JSON.parse(text);
      if (parsed && typeof parsed.key === "string" && typeof parsed.email === "string") {
        return {
          email: parsed.email,
          password: String(parsed.password ?? ""),
          key: parsed.key,
          model: typeof parsed.model === "string" ? parsed.model : "gpt-4o-mini",
        };
      }
    } catch {
      // not this one
    }
  }
  throw new UserError(
    `The seed did not print the demo login and key as JSON. It printed:\n${trimmed.slice(0, 2000)}`,
  );
}
