import { defineEnv, envField, LOGGING_ENV } from "@gatehouse/shared/server";
import { z } from "zod";

/** Consumers a worker runs when GATEHOUSE_WORKER_CONSUMERS is unset. */
export const DEFAULT_CONSUMERS = "usage,retention,prices,alerts,config";
/** GATEHOUSE_CONFIG_CHECK_INTERVAL_MS's default */
export const DEFAULT_CONFIG_CHECK_INTERVAL_MS = 2_000;
/** GATEHOUSE_WORKER_SHUTDOWN_TIMEOUT_MS's default: inside Kubernetes' 30 s grace period */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 25_000;

/** The worker's whole environment, validated once at boot (the same helper and field schemas
 * as proxy and web: @gatehouse/shared/server). */
export const WorkerEnv = defineEnv(
  {
    ...LOGGING_ENV,
    DATABASE_URL: envField.databaseUrl().default("postgresql://postgres@127.0.0.1:5432/gatehouse"),
    REDIS_URL: envField.redisUrl().default("redis://127.0.0.1:6379"),
    GATEHOUSE_WORKER_HOST: z.string().default("0.0.0.0"),
    GATEHOUSE_WORKER_PORT: envField.port(8788),
    /** batches processed at once; each is one SQL statement */
    GATEHOUSE_WORKER_CONCURRENCY: envField.positiveInt(2),
    /** how long a job's lock lasts and how often stalled jobs are looked for (BullMQ's
     * lockDuration and stalledInterval, default 30 s): a batch held by a crashed worker is
     * re-run by another (or the restarted) worker after about this long */
    GATEHOUSE_WORKER_STALLED_INTERVAL_MS: envField.durationMs(30_000, { min: 100 }),
    /** the longest a shutdown (SIGTERM) takes: batches in flight get until shortly before it to
     * finish; past it, what is still running is cancelled and left to be redelivered */
    GATEHOUSE_WORKER_SHUTDOWN_TIMEOUT_MS: envField.durationMs(DEFAULT_SHUTDOWN_TIMEOUT_MS, {
      min: 100,
    }),
    /** comma-separated consumers to run: usage (usage events → Postgres), retention (deletes
     * request logs older than each workspace's retention), prices (syncs the built-in price
     * table into model_prices at boot), alerts (budget alerts → BudgetAlert rows and signed
     * webhooks), config (republishes the proxies' config when Redis lost it) */
    GATEHOUSE_WORKER_CONSUMERS: z
      .string()
      .default(DEFAULT_CONSUMERS)
      .transform(
        (value) =>
          new Set(
            value
              .split(",")
              .map((s) => s.trim())
              .filter(Boolean),
          ),
      ),
    /** how often the config check reads the config generation marker (and republishes the
     * whole config from Postgres when Redis lost it) */
    GATEHOUSE_CONFIG_CHECK_INTERVAL_MS: envField.durationMs(DEFAULT_CONFIG_CHECK_INTERVAL_MS, {
      min: 100,
    }),
    /** how often the retention pass runs (one BullMQ job scheduler shared by all workers) */
    GATEHOUSE_RETENTION_INTERVAL_MS: envField.durationMs(3_600_000, { min: 1_000 }),
    /** request logs deleted per statement (each statement is its own short transaction) */
    GATEHOUSE_RETENTION_BATCH_SIZE: envField.positiveInt(5_000, { max: 100_000 }),
    /** the master key(s) apps/web encrypts secrets with (same value): the alerts consumer
     * decrypts each workspace's webhook signing secret with them */
    GATEHOUSE_ENCRYPTION_KEYS: envField.encryptionKeys().optional(),
  },
  { app: "worker", docs: ".env.example" },
);
export type Env = ReturnType<typeof WorkerEnv.parse>;

/** Validates `source`; throws an EnvError listing every problem. */
export const parseEnv = WorkerEnv.parse;

/** Reads process.env at boot; a bad environment prints every problem and exits 1. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  return WorkerEnv.load(source);
}
