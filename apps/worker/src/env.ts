import { z } from "zod";

/** Consumers a worker runs when GATEHOUSE_WORKER_CONSUMERS is unset. */
export const DEFAULT_CONSUMERS = "usage,retention,prices,alerts";

/** The worker's whole environment, validated once at boot. */
const EnvSchema = z.object({
  DATABASE_URL: z.string().url().default("postgresql://postgres@127.0.0.1:5432/gatehouse"),
  REDIS_URL: z.string().url().default("redis://127.0.0.1:6379"),
  GATEHOUSE_WORKER_HOST: z.string().default("0.0.0.0"),
  GATEHOUSE_WORKER_PORT: z.coerce.number().int().min(0).max(65535).default(8788),
  /** batches processed at once; each is one SQL statement */
  GATEHOUSE_WORKER_CONCURRENCY: z.coerce.number().int().positive().default(2),
  /** how long a job's lock lasts and how often stalled jobs are looked for (BullMQ's
   * lockDuration and stalledInterval, default 30 s): a batch held by a crashed worker is
   * re-run by another (or the restarted) worker after about this long */
  GATEHOUSE_WORKER_STALLED_INTERVAL_MS: z.coerce.number().int().min(100).default(30_000),
  /** comma-separated consumers to run: usage (usage events → Postgres), retention (deletes
   * request logs older than each workspace's retention), prices (syncs the built-in price
   * table into model_prices at boot), alerts (budget alerts → BudgetAlert rows and signed
   * webhooks) */
  GATEHOUSE_WORKER_CONSUMERS: z
    .string()
    .default(DEFAULT_CONSUMERS)
    .transform(
      (value) =>
        new Set(
          (value.trim() === "" ? DEFAULT_CONSUMERS : value)
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        ),
    ),
  /** how often the retention pass runs (one BullMQ job scheduler shared by all workers) */
  GATEHOUSE_RETENTION_INTERVAL_MS: z.coerce.number().int().min(1_000).default(3_600_000),
  /** request logs deleted per statement (each statement is its own short transaction) */
  GATEHOUSE_RETENTION_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(5_000),
  /** the master key(s) apps/web encrypts secrets with (same value): the alerts consumer
   * decrypts each workspace's webhook signing secret with them */
  GATEHOUSE_ENCRYPTION_KEYS: z.string().optional(),
  GATEHOUSE_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
});
export type Env = z.infer<typeof EnvSchema>;

export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const parsed = EnvSchema.safeParse(source);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues
    .map((issue) => `  - ${issue.path.join(".") || "(root)"}: ${issue.message}`)
    .join("\n");
  process.stderr.write(`gatehouse worker: invalid environment\n${problems}\n`);
  process.exit(1);
}
