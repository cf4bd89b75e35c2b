import { UnrecoverableError, Worker, type ConnectionOptions } from "bullmq";
import type { Pool } from "pg";
import { JobName, QUEUE_PREFIX, QueueName, UsageBatchJobSchema } from "@gatehouse/shared";
import { ingestUsageBatch } from "../usage/ingest";
import type { WorkerMetrics } from "../metrics";

/** Thin consumer: validate the job, hand the batch to the ingester, count what happened. */
export function startUsageConsumer(opts: {
  connection: ConnectionOptions;
  pool: Pool;
  concurrency: number;
  /** BullMQ lockDuration and stalledInterval (default 30 s) */
  stalledIntervalMs?: number;
  metrics: WorkerMetrics;
}): Worker {
  const { pool, metrics } = opts;
  return new Worker(
    QueueName.usage,
    async (job) => {
      if (job.name !== JobName.usageBatch) throw new UnrecoverableError(`unknown job ${job.name}`);
      const parsed = UsageBatchJobSchema.safeParse(job.data);
      if (!parsed.success) {
        metrics.invalidJobs.inc();
        // A malformed batch will never become valid: fail it for good (kept for inspection).
        throw new UnrecoverableError(`invalid usage batch: ${parsed.error.issues[0]?.message}`);
      }
      const { events } = parsed.data;
      const result = await ingestUsageBatch(pool, events);
      let newestEventTsMs = 0;
      for (const event of events) newestEventTsMs = Math.max(newestEventTsMs, Date.parse(event.ts));
      metrics.observeBatch({ ...result, newestEventTsMs });
      return result;
    },
    {
      connection: opts.connection,
      prefix: QUEUE_PREFIX,
      concurrency: opts.concurrency,
      // a job whose lock lapses (its worker crashed) goes back to the queue and runs again;
      // the ingester is idempotent per event id, so the re-run never counts an event twice
      lockDuration: opts.stalledIntervalMs ?? 30_000,
      stalledInterval: opts.stalledIntervalMs ?? 30_000,
      autorun: true,
    },
  ).on("failed", (job, error) => {
    metrics.failedJobs.inc();
    // the last attempt (or an unrecoverable error): the job now sits in the dead-letter set
    if (
      job &&
      (error instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1))
    ) {
      metrics.deadLetteredJobs.inc();
    }
  });
}
