import {
  LOG_FORMATS,
  LOG_LEVELS,
  type LoggerOptions,
  type LoggerSettings,
} from "../logger/create-logger";
import { oneOf } from "./fields";

/** The variables every app's logger is configured by; spread into each app's env shape. */
export const LOGGING_ENV = {
  NODE_ENV: oneOf(["development", "test", "production"], "development"),
  GATEHOUSE_LOG_LEVEL: oneOf(LOG_LEVELS, "info"),
  /** auto: pretty in development on a terminal (needs the pino-pretty devDependency), JSON
   * lines otherwise */
  GATEHOUSE_LOG_FORMAT: oneOf(LOG_FORMATS, "auto"),
};

export interface LoggingEnv {
  NODE_ENV: "development" | "test" | "production";
  GATEHOUSE_LOG_LEVEL: LoggerOptions["level"];
  GATEHOUSE_LOG_FORMAT: NonNullable<LoggerOptions["format"]>;
}

/** createLogger's settings from a validated env */
export function loggerSettings(env: LoggingEnv): LoggerSettings {
  return {
    level: env.GATEHOUSE_LOG_LEVEL,
    format: env.GATEHOUSE_LOG_FORMAT,
    production: env.NODE_ENV === "production",
  };
}
