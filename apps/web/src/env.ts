import { EncryptionConfigError, parseEncryptionKeys } from "@gatehouse/shared/server";
import { z } from "zod";

/**
 * The web app's server environment: the only module that reads `process.env` (next-auth
 * itself still reads NEXTAUTH_URL). Validated once at boot by `src/instrumentation.ts`, so a
 * bad deployment fails before serving a request, with every bad variable listed.
 *
 * Validation is skipped while `next build` runs (Next sets NEXT_PHASE=phase-production-build;
 * the build machine need not hold production secrets) and when SKIP_ENV_VALIDATION=1 (e.g. a
 * Docker build stage). Nothing reads `env` at import time, so a skipped validation never
 * leaves a half-configured module behind: the first real read happens in the running server.
 */

const optionalString = z
  .string()
  .trim()
  .transform((v) => (v === "" ? undefined : v))
  .optional();

function urlWithProtocols(protocols: string[]) {
  return z.url({
    protocol: new RegExp(`^(${protocols.join("|")})$`),
    error: `must be a ${protocols.map((p) => `${p}://`).join(" or ")} URL`,
  });
}

const httpUrl = z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" });

export const ServerEnvSchema = z.object({
  NODE_ENV: z.enum(["development", "test", "production"]).default("development"),
  DATABASE_URL: urlWithProtocols(["postgres", "postgresql"]),
  REDIS_URL: urlWithProtocols(["redis", "rediss"]),
  NEXTAUTH_URL: httpUrl.optional(),
  NEXTAUTH_SECRET: optionalString,
  /** Master keys for credential encryption: "<keyId>:<base64 of 32 bytes>[,...]". */
  GATEHOUSE_ENCRYPTION_KEYS: z
    .string()
    .trim()
    .min(1, "must not be empty")
    .superRefine((value, ctx) => {
      try {
        parseEncryptionKeys(value);
      } catch (error) {
        if (!(error instanceof EncryptionConfigError)) throw error;
        // The message names the bad entry, never key material.
        ctx.addIssue({
          code: "custom",
          message: error.message.replace(/^GATEHOUSE_ENCRYPTION_KEYS /, ""),
        });
      }
    }),
  /** The base URL applications point their SDKs at; shown in the dashboard. */
  GATEHOUSE_PROXY_URL: httpUrl.default("http://localhost:8787"),
  GITHUB_ID: optionalString,
  GITHUB_SECRET: optionalString,
  GOOGLE_CLIENT_ID: optionalString,
  GOOGLE_CLIENT_SECRET: optionalString,
});

/**
 * Rules across variables, checked on the raw values so they are reported together with the
 * per-variable problems (a zod refinement would be skipped once any field fails).
 */
function crossVariableProblems(source: Record<string, string | undefined>): string[] {
  const set = (name: string) => Boolean(source[name]?.trim());
  const problems: string[] = [];
  if (source.NODE_ENV === "production") {
    if ((source.NEXTAUTH_SECRET?.trim().length ?? 0) < 32) {
      problems.push(
        "NEXTAUTH_SECRET: required in production, at least 32 characters (openssl rand -base64 32)",
      );
    }
    if (!set("NEXTAUTH_URL")) {
      problems.push("NEXTAUTH_URL: required in production: the public URL of the dashboard");
    }
  }
  for (const [id, secret] of [
    ["GITHUB_ID", "GITHUB_SECRET"],
    ["GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET"],
  ] as const) {
    if (set(id) !== set(secret)) {
      problems.push(
        `${set(id) ? secret : id}: set both ${id} and ${secret} to enable this sign-in provider, or neither`,
      );
    }
  }
  return problems;
}

export type ServerEnv = z.infer<typeof ServerEnvSchema>;

export class EnvError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment variables:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "EnvError";
  }
}

/** Validates `source`; throws an EnvError naming every bad variable (never its value). */
export function parseEnv(source: Record<string, string | undefined>): ServerEnv {
  const result = ServerEnvSchema.safeParse(source);
  const problems = result.success
    ? []
    : result.error.issues.map((issue) => {
        const name = issue.path.join(".") || "(environment)";
        const missing = source[name] === undefined || source[name]?.trim() === "";
        return `${name}: ${missing ? "required" : issue.message}`;
      });
  problems.push(...crossVariableProblems(source));
  if (problems.length > 0 || !result.success) throw new EnvError([...new Set(problems)]);
  return result.data;
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

/** Called from instrumentation `register()`; see the file comment for when it is skipped. */
export function validateEnvAtBoot(): void {
  if (isEnvValidationSkipped()) return;
  getEnv();
}
