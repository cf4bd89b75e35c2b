import type { Queue } from "bullmq";

export interface WorkerMetrics {
  batches: number;
  eventsReceived: number;
  eventsInserted: number;
  failedJobs: number;
  invalidJobs: number;
  lastBatchSize: number;
}

export function createWorkerMetrics(): WorkerMetrics {
  return {
    batches: 0,
    eventsReceived: 0,
    eventsInserted: 0,
    failedJobs: 0,
    invalidJobs: 0,
    lastBatchSize: 0,
  };
}

/** Prometheus text exposition of the counters plus the usage queue's depth. */
export async function renderMetrics(
  metrics: WorkerMetrics,
  usageQueue: Queue | null,
): Promise<string> {
  const lines = [
    "# HELP gatehouse_worker_usage_batches_total Usage batches ingested.",
    "# TYPE gatehouse_worker_usage_batches_total counter",
    `gatehouse_worker_usage_batches_total ${metrics.batches}`,
    "# HELP gatehouse_worker_usage_events_total Usage events received, and newly recorded (the rest were duplicates).",
    "# TYPE gatehouse_worker_usage_events_total counter",
    `gatehouse_worker_usage_events_total{result="received"} ${metrics.eventsReceived}`,
    `gatehouse_worker_usage_events_total{result="inserted"} ${metrics.eventsInserted}`,
    "# HELP gatehouse_worker_failed_jobs_total Jobs that failed (retried by BullMQ until attempts run out).",
    "# TYPE gatehouse_worker_failed_jobs_total counter",
    `gatehouse_worker_failed_jobs_total ${metrics.failedJobs}`,
    `gatehouse_worker_invalid_jobs_total ${metrics.invalidJobs}`,
    "# HELP gatehouse_worker_last_batch_size Events in the last batch.",
    "# TYPE gatehouse_worker_last_batch_size gauge",
    `gatehouse_worker_last_batch_size ${metrics.lastBatchSize}`,
  ];
  if (usageQueue) {
    const counts = await usageQueue.getJobCounts("waiting", "active", "delayed", "failed");
    lines.push(
      "# HELP gatehouse_worker_queue_jobs Jobs in the usage queue by state.",
      "# TYPE gatehouse_worker_queue_jobs gauge",
      ...Object.entries(counts).map(
        ([state, n]) => `gatehouse_worker_queue_jobs{queue="usage",state="${state}"} ${n}`,
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}
