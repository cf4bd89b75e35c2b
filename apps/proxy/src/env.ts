import { parseEncryptionKeys } from "@gatehouse/shared/server";
import { z } from "zod";

/**
 * The proxy's configuration. This is the only module that reads process.env; everything else
 * receives typed values. Documented for operators in ENV.md.
 */

const MIB = 1024 * 1024;

const int = (fallback: number, min: number) =>
  z.coerce
    .number({ error: "must be a number" })
    .int({ error: "must be a whole number" })
    .min(min, { error: `must be at least ${min}` })
    .default(fallback);

const bool = (fallback: boolean) =>
  z
    .enum(["true", "false", "1", "0", "yes", "no", "on", "off"], {
      error: "must be true or false",
    })
    .transform((v) => v === "true" || v === "1" || v === "yes" || v === "on")
    .default(fallback);

export const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const EnvSchema = z.object({
  GATEHOUSE_PROXY_HOST: z.string().min(1).default("0.0.0.0"),
  GATEHOUSE_PROXY_PORT: int(8787, 0).refine((p) => p <= 65535, {
    error: "must be a port (0-65535)",
  }),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, { error: "must be a redis:// or rediss:// URL" })
    .default("redis://127.0.0.1:6379"),
  GATEHOUSE_ENCRYPTION_KEYS: z
    .string({
      error: "is required (the master key(s) the control plane encrypts provider credentials with)",
    })
    .min(1, {
      error: "is required (the master key(s) the control plane encrypts provider credentials with)",
    })
    .superRefine((value, ctx) => {
      try {
        parseEncryptionKeys(value);
      } catch (error) {
        // the parser's messages never contain key material
        const reason =
          error instanceof Error
            ? error.message.replace(/^GATEHOUSE_ENCRYPTION_KEYS:?\s*/, "")
            : "unreadable";
        ctx.addIssue({ code: "custom", message: `is invalid: ${reason}` });
      }
    }),
  GATEHOUSE_MAX_BODY_BYTES: int(20 * MIB, 1),
  GATEHOUSE_CLIENT_HEADERS_TIMEOUT_MS: int(15_000, 1),
  GATEHOUSE_CLIENT_BODY_TIMEOUT_MS: int(60_000, 1),
  GATEHOUSE_CLIENT_IDLE_TIMEOUT_MS: int(65_000, 1),
  GATEHOUSE_MAX_CONNECTIONS: int(10_000, 1),
  GATEHOUSE_UPSTREAM_TTFB_TIMEOUT_MS: int(30_000, 1),
  GATEHOUSE_UPSTREAM_IDLE_TIMEOUT_MS: int(60_000, 1),
  GATEHOUSE_UPSTREAM_TOTAL_TIMEOUT_MS: int(300_000, 1),
  GATEHOUSE_DEFAULT_MAX_TOKENS: int(4096, 1),
  GATEHOUSE_RESERVATION_TTL_MS: int(900_000, 1_000),
  GATEHOUSE_CONFIG_CACHE_SIZE: int(10_000, 1),
  GATEHOUSE_USAGE_BUFFER_MAX: int(100_000, 1),
  GATEHOUSE_ACCESS_LOG: bool(false),
  GATEHOUSE_LOG_LEVEL: z
    .enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(", ")}` })
    .default("info"),
});

export type Env = z.infer<typeof EnvSchema>;

export class EnvError extends Error {
  override readonly name = "EnvError";
}

/**
 * Validates the environment. Empty strings count as unset (so `FOO=` in a .env file falls
 * back to the default). Throws EnvError whose message lists every bad variable.
 */
export function parseEnv(source: Record<string, string | undefined>): Env {
  const input: Record<string, string> = {};
  for (const name of Object.keys(EnvSchema.shape)) {
    const value = source[name];
    if (value !== undefined && value.trim() !== "") input[name] = value.trim();
  }
  const result = EnvSchema.safeParse(input);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const name = String(issue.path[0] ?? "environment");
    const shown =
      name in input && name !== "GATEHOUSE_ENCRYPTION_KEYS"
        ? ` (got ${JSON.stringify(input[name])})`
        : "";
    return `  - ${name} ${issue.message}${shown}`;
  });
  return failWith(lines);
}

function failWith(lines: string[]): never {
  throw new EnvError(`Invalid proxy configuration:\n${lines.join("\n")}\nSee apps/proxy/ENV.md.`);
}

/** Reads and validates process.env (the one place that does). */
export function loadEnv(): Env {
  return parseEnv(process.env);
}
