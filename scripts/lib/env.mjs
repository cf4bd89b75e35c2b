// .env handling for the start and test commands: parse, create from .env.example with fresh
// secrets, load (variables already in the environment win). Node built-ins only.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { UserError } from "./log.mjs";

/**
 * Parses dotenv text: `KEY=value`, optional `export `, single/double quotes (double quotes
 * understand \n), `#` comments on their own line or after an unquoted value.
 * @param {string} text
 * @returns {Record<string, string>}
 */
export function parseEnv(text) {
  /** @type {Record<string, string>} */
  const out = {};
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (!line || line.startsWith("#")) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    const key = /** @type {string} */ (match[1]);
    let value = /** @type {string} */ (match[2]);
    const quote = value[0];
    if ((quote === '"' || quote === "'") && value.indexOf(quote, 1) > 0) {
      value = value.slice(1, value.indexOf(quote, 1));
      if (quote === '"') value = value.replace(/\\n/g, "\n").replace(/\\"/g, '"');
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    out[key] = value;
  }
  return out;
}

/**
 * The variables a .env.example documents: active `KEY=` lines and commented-out `# KEY=` lines.
 * @param {string} text
 * @returns {Set<string>}
 */
export function documentedKeys(text) {
  const keys = new Set();
  for (const line of text.split(/\r?\n/)) {
    const match = /^\s*#?\s*(?:export\s+)?([A-Z][A-Z0-9_]*)=/.exec(line);
    if (match) keys.add(match[1]);
  }
  return keys;
}

/** A fresh GATEHOUSE_ENCRYPTION_KEYS value: `<keyId>:<base64 of 32 random bytes>`. */
export function generateEncryptionKeys(
  keyId = `k${new Date().toISOString().slice(0, 10).replace(/-/g, "")}`,
) {
  return `${keyId}:${randomBytes(32).toString("base64")}`;
}

/** A fresh random secret (NEXTAUTH_SECRET and the like). */
export function generateSecret(bytes = 32) {
  return randomBytes(bytes).toString("base64url");
}

/** Secrets generated into a new .env when .env.example leaves them empty. */
const GENERATED = {
  GATEHOUSE_ENCRYPTION_KEYS: () => generateEncryptionKeys(),
  NEXTAUTH_SECRET: () => generateSecret(),
};

/**
 * Creates `envPath` from `examplePath` when it does not exist, filling the empty secrets with
 * generated values. Returns true when it created the file.
 * @param {string} envPath
 * @param {string} examplePath
 */
export function ensureEnvFile(envPath, examplePath) {
  if (existsSync(envPath)) return false;
  const example = existsSync(examplePath) ? readFileSync(examplePath, "utf8") : "";
  const lines = example.split(/\r?\n/).map((line) => {
    const match = /^([A-Z][A-Z0-9_]*)=\s*$/.exec(line);
    const generate = match
      ? GENERATED[/** @type {keyof typeof GENERATED} */ (match[1])]
      : undefined;
    return match && generate ? `${match[1]}=${generate()}` : line;
  });
  // A .env.example without the secrets still gets them.
  for (const [key, generate] of Object.entries(GENERATED)) {
    if (!lines.some((line) => line.startsWith(`${key}=`))) lines.push(`${key}=${generate()}`);
  }
  mkdirSync(dirname(envPath), { recursive: true });
  writeFileSync(envPath, lines.join("\n"), { mode: 0o600 });
  return true;
}

/**
 * Loads a .env file into `target` (default process.env). Variables already set win, and so do
 * empty values in the file: `FOO=` leaves FOO unset, so the app's own default applies.
 * @param {string} envPath
 * @param {NodeJS.ProcessEnv} [target]
 * @returns {string[]} the keys it set
 */
export function loadEnvFile(envPath, target = process.env) {
  if (!existsSync(envPath)) return [];
  const parsed = parseEnv(readFileSync(envPath, "utf8"));
  const set = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (value === "" || target[key] !== undefined) continue;
    target[key] = value;
    set.push(key);
  }
  return set;
}

/**
 * Reads an integer port from the environment.
 * @param {string} name
 * @param {number} fallback
 */
export function portFromEnv(name, fallback, env = process.env) {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UserError(
      `${name} must be a port number between 1 and 65535 (got ${JSON.stringify(raw)}).`,
    );
  }
  return port;
}
