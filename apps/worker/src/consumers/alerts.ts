import { UnrecoverableError, Worker, type ConnectionOptions } from "bullmq";
import type { Pool } from "pg";
import { BudgetAlertJobSchema, JobName, QUEUE_PREFIX, QueueName } from "@gatehouse/shared";
import type { Keyring } from "@gatehouse/shared/server";
import { recordAndDeliverAlert, type AlertOutcome } from "../alerts/deliver";

/**
 * Budget alerts: the proxy enqueues one job when a settle first crosses a budget's alert
 * threshold in a period (deduplicated in Redis); this records the BudgetAlert row and POSTs
 * the signed webhook. Retries (attempts + exponential backoff) are the job's, set by the proxy.
 */
export function startAlertsConsumer(opts: {
  connection: ConnectionOptions;
  pool: Pool;
  keyring: Keyring | null;
  webhookTimeoutMs?: number;
}): Worker {
  return new Worker(
    QueueName.alerts,
    async (job): Promise<AlertOutcome> => {
      if (job.name !== JobName.budgetAlert) throw new UnrecoverableError(`unknown job ${job.name}`);
      const parsed = BudgetAlertJobSchema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError("invalid budget alert job");
      return recordAndDeliverAlert(parsed.data, {
        pool: opts.pool,
        keyring: opts.keyring,
        timeoutMs: opts.webhookTimeoutMs,
      });
    },
    { connection: opts.connection, prefix: QUEUE_PREFIX, concurrency: 4, autorun: true },
  );
}
