import { z } from "zod";

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
  /** comma-separated consumers to run (currently: usage) */
  GATEHOUSE_WORKER_CONSUMERS: z
    .string()
    .default("usage")
    .transform(
      (value) =>
        new Set(
          value
            .split(",")
            .map((s) => s.trim())
            .filter(Boolean),
        ),
    ),
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
