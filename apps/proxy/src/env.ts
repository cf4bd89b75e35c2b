import { defineEnv, envField, LOGGING_ENV } from "@gatehouse/shared/server";
import { z } from "zod";

/**
 * The proxy's configuration. This is the only module that reads process.env; everything else
 * receives typed values. Documented for operators in ENV.md. Parsed with the same helper and
 * field schemas as the worker and the web app (@gatehouse/shared/server): blank values count
 * as unset, every problem is listed at once, URLs and keys are named but never echoed.
 */

const MIB = 1024 * 1024;

const ProxyEnv = defineEnv(
  {
    GATEHOUSE_PROXY_HOST: z.string().default("0.0.0.0"),
    GATEHOUSE_PROXY_PORT: envField.port(8787),
    REDIS_URL: envField.redisUrl().default("redis://127.0.0.1:6379"),
    /** the master key(s) the control plane encrypts provider credentials with */
    GATEHOUSE_ENCRYPTION_KEYS: envField.encryptionKeys(),
    GATEHOUSE_MAX_BODY_BYTES: envField.positiveInt(20 * MIB),
    GATEHOUSE_CLIENT_HEADERS_TIMEOUT_MS: envField.durationMs(15_000),
    GATEHOUSE_CLIENT_BODY_TIMEOUT_MS: envField.durationMs(60_000),
    GATEHOUSE_CLIENT_IDLE_TIMEOUT_MS: envField.durationMs(65_000),
    GATEHOUSE_MAX_CONNECTIONS: envField.positiveInt(10_000),
    GATEHOUSE_UPSTREAM_TTFB_TIMEOUT_MS: envField.durationMs(30_000),
    GATEHOUSE_UPSTREAM_IDLE_TIMEOUT_MS: envField.durationMs(60_000),
    GATEHOUSE_UPSTREAM_TOTAL_TIMEOUT_MS: envField.durationMs(300_000),
    GATEHOUSE_DEFAULT_MAX_TOKENS: envField.positiveInt(4096),
    GATEHOUSE_RESERVATION_TTL_MS: envField.durationMs(900_000, { min: 1_000 }),
    GATEHOUSE_CONFIG_CACHE_SIZE: envField.positiveInt(10_000),
    GATEHOUSE_USAGE_BUFFER_MAX: envField.positiveInt(100_000),
    GATEHOUSE_ACCESS_LOG: envField.flag(false),
    GATEHOUSE_PROXY_SHUTDOWN_DEADLINE_MS: envField.durationMs(25_000),
    ...LOGGING_ENV,
  },
  { app: "proxy", docs: "apps/proxy/ENV.md" },
);

export type Env = ReturnType<typeof ProxyEnv.parse>;
export { EnvError } from "@gatehouse/shared/server";

/** Validates `source`; throws an EnvError whose message lists every bad variable. */
export const parseEnv = ProxyEnv.parse;

/** Reads and validates process.env (the one place that does) at boot: a bad environment
 * prints every problem and exits 1. */
export function loadEnv(): Env {
  return ProxyEnv.load(process.env);
}
