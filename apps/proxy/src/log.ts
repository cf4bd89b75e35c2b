import type { LogLevel } from "./env";

/**
 * JSON-lines logger. Writes synchronously-enough (process.stdout on files and pipes) and never
 * returns a promise, so the hot path never waits on logging. Callers must not pass secrets:
 * nothing here redacts, because nothing secret is ever handed to it.
 */
export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
  isEnabled(level: LogLevel): boolean;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export function createLogger(
  level: LogLevel,
  write: (line: string) => void = (line) => void process.stdout.write(line),
): Logger {
  const threshold = RANK[level];
  const emit = (lvl: LogLevel, msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < threshold) return;
    let line: string;
    try {
      line = JSON.stringify(
        { time: new Date().toISOString(), level: lvl, msg, ...fields },
        errorReplacer,
      );
    } catch {
      line = JSON.stringify({ time: new Date().toISOString(), level: lvl, msg });
    }
    write(line + "\n");
  };
  return {
    level,
    debug: (msg, fields) => emit("debug", msg, fields),
    info: (msg, fields) => emit("info", msg, fields),
    warn: (msg, fields) => emit("warn", msg, fields),
    error: (msg, fields) => emit("error", msg, fields),
    isEnabled: (lvl) => RANK[lvl] >= threshold,
  };
}

export const silentLogger: Logger = createLogger("silent", () => {});

/** Errors become {name, message, code, stack}: never their own enumerable extras (an undici
 * error can carry the request it failed on, headers included). */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      message: value.message,
      ...(typeof code === "string" ? { code } : {}),
      stack: value.stack,
    };
  }
  return value;
}
