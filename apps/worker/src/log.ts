import {
  createLogger,
  type Logger,
  type LoggerSettings,
  type LogLevel as SharedLogLevel,
} from "@gatehouse/shared/server";

export type LogLevel = Exclude<SharedLogLevel, "silent">;

/** The worker's call shape, log("info", msg, fields), over the shared logger (pino; secret
 * fields redacted; pretty in development on a terminal, JSON lines otherwise). */
export type Log = (level: LogLevel, msg: string, extra?: Record<string, unknown>) => void;

/** `settings` is loggerSettings(env) at boot; a bare level (tests) logs JSON lines. */
export function createLog(settings: SharedLogLevel | LoggerSettings = "info"): Log {
  const logger: Logger = createLogger({
    service: "worker",
    ...(typeof settings === "string" ? { level: settings, format: "json" } : settings),
  });
  return (level, msg, extra) => logger[level](msg, extra);
}
