import {
  createLogger as createServiceLogger,
  type Logger,
  type LoggerSettings,
  type LogLevel,
} from "@gatehouse/shared/server";

/**
 * The proxy's logger: the shared one (pino; secret fields redacted; pretty in development on
 * a terminal, JSON lines otherwise), with the proxy's call shape log.info(msg, fields). It
 * never returns a promise, so the hot path never waits on logging; the access log is built
 * only when enabled (server.ts checks once).
 */
export type { Logger, LogLevel };
export { silentLogger } from "@gatehouse/shared/server";

/** `settings` is loggerSettings(env) at boot; a bare level (tests) logs JSON lines. */
export function createLogger(settings: LogLevel | LoggerSettings): Logger {
  return createServiceLogger({
    service: "proxy",
    ...(typeof settings === "string" ? { level: settings, format: "json" } : settings),
  });
}
