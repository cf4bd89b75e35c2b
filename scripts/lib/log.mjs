// Terminal output for the start and test commands: colours (only on a TTY, honouring
// NO_COLOR / FORCE_COLOR), step lines, wrapped paragraphs. Node built-ins only.

const forced = process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== "0";
export const useColor = !process.env.NO_COLOR && (forced || Boolean(process.stdout.isTTY));

const codes = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  gray: [90, 39],
};

/** @type {Record<keyof typeof codes, (text: string) => string>} */
export const c = /** @type {any} */ (
  Object.fromEntries(
    Object.entries(codes).map(([name, [open, close]]) => [
      name,
      (/** @type {string} */ text) => (useColor ? `\u001b[${open}m${text}\u001b[${close}m` : text),
    ]),
  )
);

export function step(/** @type {string} */ message) {
  process.stdout.write(`${c.cyan("▸")} ${message}\n`);
}

export function ok(/** @type {string} */ message) {
  process.stdout.write(`${c.green("✔")} ${message}\n`);
}

export function warn(/** @type {string} */ message) {
  process.stderr.write(`${c.yellow("!")} ${message}\n`);
}

/**
 * Prints a message for the user to stderr with a red marker. Paragraphs stay single lines
 * (the terminal wraps them), so commands inside them can be copied whole.
 */
export function fail(/** @type {string} */ message) {
  process.stderr.write(`\n${c.red("✖")} ${message.replace(/\n\n/g, "\n\n  ")}\n\n`);
}

/** An error whose message is meant for the user as is (no stack trace is printed). */
export class UserError extends Error {
  constructor(/** @type {string} */ message, exitCode = 1) {
    super(message);
    this.name = "UserError";
    this.exitCode = exitCode;
  }
}

/** Hides the password of a URL for printing. */
export function redactUrl(/** @type {string} */ url) {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = "****";
    return parsed.toString();
  } catch {
    return url;
  }
}
