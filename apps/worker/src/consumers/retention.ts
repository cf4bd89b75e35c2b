import { Queue, UnrecoverableError, Worker, type ConnectionOptions } from "bullmq";
import type { Pool } from "pg";
import { JobName, QUEUE_PREFIX, QueueName, RetentionJobSchema } from "@gatehouse/shared";
import { deleteExpiredRequestLogs, type RetentionResult } from "../retention/retention";
import type { WorkerMetrics } from "../metrics";

/** The id of the one BullMQ job scheduler that enqueues the retention pass. */
export const RETENTION_SCHEDULER_ID = "retention";

export interface RetentionConsumer {
  worker: Worker;
  queue: Queue;
  /** settles once the schedule is in Redis (waits for Redis when it is down at boot) */
  scheduled: Promise<void>;
  close(force?: boolean): Promise<void>;
}

/**
 * Runs the retention pass as a repeatable job on the maintenance queue. The scheduler is
 * upserted by every worker that runs this consumer (same id, so there is one schedule, and
 * each tick runs on exactly one worker). A job with a workspaceId limits the pass to it.
 */
export function startRetentionConsumer(opts: {
  connection: ConnectionOptions;
  pool: Pool;
  everyMs: number;
  batchSize: number;
  metrics: WorkerMetrics;
}): RetentionConsumer {
  const { pool, metrics } = opts;
  const abort = new AbortController();
  const queue = new Queue(QueueName.maintenance, {
    connection: opts.connection,
    prefix: QUEUE_PREFIX,
  });
  const scheduled = queue
    .upsertJobScheduler(
      RETENTION_SCHEDULER_ID,
      { every: opts.everyMs },
      {
        name: JobName.retention,
        data: { workspaceId: null },
        opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } },
      },
    )
    .then(() => undefined);
  const worker = new Worker(
    QueueName.maintenance,
    async (job): Promise<RetentionResult> => {
      if (job.name !== JobName.retention) throw new UnrecoverableError(`unknown job ${job.name}`);
      const parsed = RetentionJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError("invalid retention job");
      const result = await deleteExpiredRequestLogs(pool, {
        workspaceId: parsed.data.workspaceId,
        batchSize: opts.batchSize,
        signal: abort.signal,
      });
      metrics.retentionRuns.inc();
      metrics.retentionDeletedLogs.inc(result.deleted);
      return result;
    },
    { connection: opts.connection, prefix: QUEUE_PREFIX, concurrency: 1 },
  );
  return {
    worker,
    queue,
    scheduled,
    async close(force = false) {
      // a running pass stops after its current statement (everything deleted so far is committed)
      abort.abort();
      await worker.close(force);
      await scheduled.catch(() => undefined);
      await queue.close();
    },
  };
}
