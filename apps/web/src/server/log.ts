import { createLogger, type Logger } from "@gatehouse/shared/server";
import { getLogSettings } from "~/env";

let logger: Logger | undefined;

/** The web server's logger (server code only; the same pino setup, secret-field redaction
 * and formats as proxy and worker). Built on first use, never at import: `next build`
 * imports server modules without a runtime environment. */
export function log(): Logger {
  logger ??= createLogger({ service: "web", ...getLogSettings() });
  return logger;
}
