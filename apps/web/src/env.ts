import {
  defineEnv,
  envField,
  EnvError,
  LOGGING_ENV,
  loggerSettings,
  type LoggerSettings,
} from "@gatehouse/shared/server";
import { z } from "zod";

/**
 * The web app's server environment: the only module that reads `process.env` (next-auth
 * itself still reads NEXTAUTH_URL). Validated once at boot by `src/instrumentation.ts`, so a
 * bad deployment fails before serving a request, with every bad variable listed. Parsed with
 * the same helper and field schemas as the proxy and the worker (@gatehouse/shared/server).
 *
 * Validation is skipped while `next build` runs (Next sets NEXT_PHASE=phase-production-build;
 * the build machine need not hold production secrets) and when SKIP_ENV_VALIDATION=1 (e.g. a
 * Docker build stage). Nothing reads `env` at import time, so a skipped validation never
 * leaves a half-configured module behind: the first real read happens in the running server.
 */

const ServerEnv = defineEnv(
  {
    ...LOGGING_ENV,
    DATABASE_URL: envField.databaseUrl(),
    REDIS_URL: envField.redisUrl(),
    NEXTAUTH_URL: envField.httpUrl().optional(),
    NEXTAUTH_SECRET: z.string().optional(),
    /** Master keys for credential encryption: "<keyId>:<base64 of 32 bytes>[,...]". */
    GATEHOUSE_ENCRYPTION_KEYS: envField.encryptionKeys(),
    /** The base URL applications point their SDKs at; shown in the dashboard. */
    GATEHOUSE_PROXY_URL: envField.httpUrl().default("http://localhost:8787"),
    GITHUB_ID: z.string().optional(),
    GITHUB_SECRET: z.string().optional(),
    GOOGLE_CLIENT_ID: z.string().optional(),
    GOOGLE_CLIENT_SECRET: z.string().optional(),
  },
  { app: "web", docs: "apps/web/.env.example", check: crossVariableProblems },
);

export const ServerEnvSchema = ServerEnv.schema;
export type ServerEnv = z.infer<typeof ServerEnvSchema>;
export { EnvError };

/** Rules across variables (raw values: trimmed, blank ones absent). */
function crossVariableProblems(raw: Readonly<Record<string, string>>): string[] {
  const problems: string[] = [];
  if (raw.NODE_ENV === "production") {
    if ((raw.NEXTAUTH_SECRET?.length ?? 0) < 32) {
      problems.push(
        "NEXTAUTH_SECRET: required in production, at least 32 characters (openssl rand -base64 32)",
      );
    }
    if (!raw.NEXTAUTH_URL) {
      problems.push("NEXTAUTH_URL: required in production: the public URL of the dashboard");
    }
  }
  for (const [id, secret] of [
    ["GITHUB_ID", "GITHUB_SECRET"],
    ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"],
  ] as const) {
    if (Boolean(raw[id]) !== Boolean(raw[secret])) {
      problems.push(
        `${raw[id] ? secret : id}: set both ${id} and ${secret} to enable this sign-in provider, or neither`,
      );
    }
  }
  return problems;
}

/** Validates `source`; throws an EnvError naming every bad variable (never a secret value). */
export function parseEnv(source: Record<string, string | undefined>): ServerEnv {
  return ServerEnv.parse(source);
}

export function isEnvValidationSkipped(): boolean {
  return (
    process.env.NEXT_PHASE === "phase-production-build" || process.env.SKIP_ENV_VALIDATION === "1"
  );
}

/** NODE_ENV alone, without validating the rest (safe to read anywhere, also in tests). */
export const isProduction = process.env.NODE_ENV === "production";

let cached: ServerEnv | undefined;

/** The validated environment (parsed on first use, then cached). */
export function getEnv(): ServerEnv {
  cached ??= parseEnv(process.env);
  return cached;
}

/** The logger's settings (read once, by server/log.ts); the defaults while the environment
 * is invalid (validation was skipped), so that writing a log line never throws. */
export function getLogSettings(): LoggerSettings {
  const result = ServerEnv.safeParse(process.env);
  return result.success ? loggerSettings(result.data) : { level: "info", production: isProduction };
}

/** Called from instrumentation `register()`: a bad environment prints every problem and stops
 * the server. See the file comment for when it is skipped. */
export function validateEnvAtBoot(): void {
  if (isEnvValidationSkipped()) return;
  cached = ServerEnv.load();
}
