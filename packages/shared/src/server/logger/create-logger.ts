import pino, { type DestinationStream } from "pino";
import { REDACT_PATHS, REDACTED } from "./redact";
import { safeError, withSafeErrors } from "./safe-error";

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
/** auto: pretty when not in production and stdout is a terminal, JSON lines otherwise */
export const LOG_FORMATS = ["auto", "json", "pretty"] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

export type LogFields = Record<string, unknown>;

/**
 * The one logger of proxy, worker and web (server code only). Message first, fields second;
 * never returns a promise, so no caller waits on logging. A disabled level is a noop, but the
 * caller still builds its fields object: guard a hot-path line with isEnabled(), checked once.
 */
export interface Logger {
  readonly level: LogLevel;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  isEnabled(level: LogLevel): boolean;
  /** a logger whose lines all carry `bindings` */
  child(bindings: LogFields): Logger;
}

export interface LoggerOptions {
  /** the app ("proxy", "worker", "web"): the `service` field of every line */
  service: string;
  level: LogLevel;
  format?: LogFormat;
  /** NODE_ENV is production: format auto means JSON */
  production?: boolean;
  /** where lines go instead of stdout (tests); always JSON lines */
  destination?: DestinationStream;
}

/** What an app's env decides (see loggerSettings); the rest is the app's own. */
export type LoggerSettings = Pick<LoggerOptions, "level" | "format" | "production">;

/** Builds the logger; reads no environment (each app's env.ts hands the settings in). */
export function createLogger(options: LoggerOptions): Logger {
  const pinoOptions: pino.LoggerOptions = {
    level: options.level,
    base: { service: options.service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: {
      level: (label) => ({ level: label }),
      log: withSafeErrors,
    },
    // formatters.log covers a line's fields; these cover child() bindings (and replace pino's
    // own err serializer, which copies every enumerable property)
    serializers: { err: safeErrorOrValue, error: safeErrorOrValue },
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
  };
  return wrap(pino(pinoOptions, options.destination ?? stdout(options)), options.level);
}

const noop = () => undefined;

/** A logger that writes nothing (tests, tools). */
export const silentLogger: Logger = {
  level: "silent",
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  isEnabled: () => false,
  child: () => silentLogger,
};

function safeErrorOrValue(value: unknown): unknown {
  return value instanceof Error ? safeError(value) : value;
}

function stdout(options: LoggerOptions): DestinationStream {
  const format = options.format ?? "auto";
  const pretty =
    format === "pretty" ||
    (format === "auto" && !options.production && process.stdout.isTTY === true);
  if (pretty) {
    try {
      // pino-pretty is a devDependency: resolved (in a worker thread) only here, so production
      // installs (npm ci --omit=dev) never need it
      return pino.transport({
        target: "pino-pretty",
        options: { colorize: true, translateTime: "SYS:HH:MM:ss.l", ignore: "service" },
      }) as DestinationStream;
    } catch {
      process.stderr.write("pino-pretty is not installed: logging JSON lines instead\n");
    }
  }
  return pino.destination({ dest: 1, sync: true });
}

function wrap(p: pino.Logger, level: LogLevel): Logger {
  // The message goes in first, as a field, so a line reads {"level","time","service","msg",
  // ...fields} (pino would put its own msg last; tools and tests find "msg" before the URL).
  // A disabled level is a plain noop: nothing is built.
  const method = (lvl: Exclude<LogLevel, "silent">) =>
    p.isLevelEnabled(lvl)
      ? (msg: string, fields?: LogFields) =>
          p[lvl](fields === undefined ? { msg } : { msg, ...fields })
      : noop;
  return {
    level,
    debug: method("debug"),
    info: method("info"),
    warn: method("warn"),
    error: method("error"),
    isEnabled: (lvl) => lvl !== "silent" && p.isLevelEnabled(lvl),
    child: (bindings) => wrap(p.child(bindings), level),
  };
}
