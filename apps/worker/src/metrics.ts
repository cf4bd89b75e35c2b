import type { Queue } from "bullmq";

/** Upper bounds of the batch-size histogram (events per usage batch; the proxy sends ≤ 500). */
export const BATCH_SIZE_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2500] as const;

export interface WorkerMetrics {
  batches: number;
  eventsReceived: number;
  eventsInserted: number;
  /** failed attempts (each is retried until the job's attempts run out) */
  failedJobs: number;
  /** jobs that failed for good and now sit in the dead-letter (failed) set */
  deadLetteredJobs: number;
  invalidJobs: number;
  lastBatchSize: number;
  /** per-bucket (non-cumulative) batch counts; the last slot is +Inf */
  batchSizeCounts: number[];
  batchSizeSum: number;
  /** newest event ts (ms) of the last ingested batch, and when that batch committed */
  lastEventTsMs: number | null;
  lastIngestAtMs: number | null;
  retentionRuns: number;
  retentionDeletedLogs: number;
  retentionLastRunAtMs: number | null;
  priceSyncs: number;
}

export function createWorkerMetrics(): WorkerMetrics {
  return {
    batches: 0,
    eventsReceived: 0,
    eventsInserted: 0,
    failedJobs: 0,
    deadLetteredJobs: 0,
    invalidJobs: 0,
    lastBatchSize: 0,
    batchSizeCounts: new Array<number>(BATCH_SIZE_BUCKETS.length + 1).fill(0),
    batchSizeSum: 0,
    lastEventTsMs: null,
    lastIngestAtMs: null,
    retentionRuns: 0,
    retentionDeletedLogs: 0,
    retentionLastRunAtMs: null,
    priceSyncs: 0,
  };
}

/** Records one ingested batch: size histogram, counters and the event lag. */
export function observeBatch(
  metrics: WorkerMetrics,
  batch: { received: number; inserted: number; newestEventTsMs: number },
  nowMs = Date.now(),
): void {
  metrics.batches++;
  metrics.eventsReceived += batch.received;
  metrics.eventsInserted += batch.inserted;
  metrics.lastBatchSize = batch.received;
  metrics.batchSizeSum += batch.received;
  let bucket = BATCH_SIZE_BUCKETS.findIndex((bound) => batch.received <= bound);
  if (bucket === -1) bucket = BATCH_SIZE_BUCKETS.length;
  metrics.batchSizeCounts[bucket] = (metrics.batchSizeCounts[bucket] ?? 0) + 1;
  metrics.lastEventTsMs = batch.newestEventTsMs;
  metrics.lastIngestAtMs = nowMs;
}

const seconds = (ms: number) => (ms / 1000).toFixed(3);

/** What the queue looks like now (read from Redis on each scrape). */
export interface QueueSnapshot {
  counts: Record<"waiting" | "active" | "delayed" | "failed", number>;
  /** age of the oldest waiting job, 0 when none waits */
  oldestWaitingAgeMs: number;
}

export async function snapshotQueue(queue: Queue, nowMs = Date.now()): Promise<QueueSnapshot> {
  const [raw, oldest] = await Promise.all([
    queue.getJobCounts("waiting", "active", "delayed", "failed"),
    // waiting jobs are consumed oldest first; asc = oldest at index 0
    queue.getJobs(["waiting"], 0, 0, true),
  ]);
  const first = oldest[0];
  return {
    counts: {
      waiting: raw.waiting ?? 0,
      active: raw.active ?? 0,
      delayed: raw.delayed ?? 0,
      failed: raw.failed ?? 0,
    },
    oldestWaitingAgeMs: first ? Math.max(0, nowMs - first.timestamp) : 0,
  };
}

/** Prometheus text exposition (format 0.0.4) of the counters plus the queues' state. */
export async function renderMetrics(
  metrics: WorkerMetrics,
  queues: { usage?: Queue | null } = {},
  nowMs = Date.now(),
): Promise<string> {
  const lines = [
    "# HELP gatehouse_worker_usage_batches_total Usage batches ingested.",
    "# TYPE gatehouse_worker_usage_batches_total counter",
    `gatehouse_worker_usage_batches_total ${metrics.batches}`,
    "# HELP gatehouse_worker_usage_events_total Usage events received, and newly recorded (the rest were duplicates).",
    "# TYPE gatehouse_worker_usage_events_total counter",
    `gatehouse_worker_usage_events_total{result="received"} ${metrics.eventsReceived}`,
    `gatehouse_worker_usage_events_total{result="inserted"} ${metrics.eventsInserted}`,
    "# HELP gatehouse_worker_failed_jobs_total Failed job attempts (retried with backoff until attempts run out).",
    "# TYPE gatehouse_worker_failed_jobs_total counter",
    `gatehouse_worker_failed_jobs_total ${metrics.failedJobs}`,
    "# HELP gatehouse_worker_dead_lettered_jobs_total Jobs that failed for good (kept in the failed set).",
    "# TYPE gatehouse_worker_dead_lettered_jobs_total counter",
    `gatehouse_worker_dead_lettered_jobs_total ${metrics.deadLetteredJobs}`,
    "# HELP gatehouse_worker_invalid_jobs_total Jobs whose payload did not match the queue contract.",
    "# TYPE gatehouse_worker_invalid_jobs_total counter",
    `gatehouse_worker_invalid_jobs_total ${metrics.invalidJobs}`,
    "# HELP gatehouse_worker_last_batch_size Events in the last batch.",
    "# TYPE gatehouse_worker_last_batch_size gauge",
    `gatehouse_worker_last_batch_size ${metrics.lastBatchSize}`,
    "# HELP gatehouse_worker_usage_batch_size Events per ingested usage batch.",
    "# TYPE gatehouse_worker_usage_batch_size histogram",
  ];
  let cumulative = 0;
  BATCH_SIZE_BUCKETS.forEach((bound, i) => {
    cumulative += metrics.batchSizeCounts[i] ?? 0;
    lines.push(`gatehouse_worker_usage_batch_size_bucket{le="${bound}"} ${cumulative}`);
  });
  cumulative += metrics.batchSizeCounts[BATCH_SIZE_BUCKETS.length] ?? 0;
  lines.push(
    `gatehouse_worker_usage_batch_size_bucket{le="+Inf"} ${cumulative}`,
    `gatehouse_worker_usage_batch_size_sum ${metrics.batchSizeSum}`,
    `gatehouse_worker_usage_batch_size_count ${cumulative}`,
  );
  if (metrics.lastEventTsMs !== null && metrics.lastIngestAtMs !== null) {
    lines.push(
      "# HELP gatehouse_worker_usage_ingest_lag_seconds Commit time of the last batch minus the newest event time in it.",
      "# TYPE gatehouse_worker_usage_ingest_lag_seconds gauge",
      `gatehouse_worker_usage_ingest_lag_seconds ${seconds(Math.max(0, metrics.lastIngestAtMs - metrics.lastEventTsMs))}`,
      "# HELP gatehouse_worker_usage_event_lag_seconds Now minus the newest event time of the last ingested batch.",
      "# TYPE gatehouse_worker_usage_event_lag_seconds gauge",
      `gatehouse_worker_usage_event_lag_seconds ${seconds(Math.max(0, nowMs - metrics.lastEventTsMs))}`,
      "# HELP gatehouse_worker_usage_last_ingested_event_timestamp_seconds Newest event time of the last ingested batch.",
      "# TYPE gatehouse_worker_usage_last_ingested_event_timestamp_seconds gauge",
      `gatehouse_worker_usage_last_ingested_event_timestamp_seconds ${seconds(metrics.lastEventTsMs)}`,
    );
  }
  lines.push(
    "# HELP gatehouse_worker_retention_runs_total Retention passes completed.",
    "# TYPE gatehouse_worker_retention_runs_total counter",
    `gatehouse_worker_retention_runs_total ${metrics.retentionRuns}`,
    "# HELP gatehouse_worker_retention_deleted_logs_total Request logs deleted by retention.",
    "# TYPE gatehouse_worker_retention_deleted_logs_total counter",
    `gatehouse_worker_retention_deleted_logs_total ${metrics.retentionDeletedLogs}`,
  );
  if (queues.usage) {
    const snapshot = await snapshotQueue(queues.usage, nowMs);
    lines.push(
      "# HELP gatehouse_worker_queue_jobs Jobs in the usage queue by state (failed = dead letters).",
      "# TYPE gatehouse_worker_queue_jobs gauge",
      ...Object.entries(snapshot.counts).map(
        ([state, n]) => `gatehouse_worker_queue_jobs{queue="usage",state="${state}"} ${n}`,
      ),
      "# HELP gatehouse_worker_queue_oldest_waiting_age_seconds Age of the oldest waiting job (0 when none waits).",
      "# TYPE gatehouse_worker_queue_oldest_waiting_age_seconds gauge",
      `gatehouse_worker_queue_oldest_waiting_age_seconds{queue="usage"} ${seconds(snapshot.oldestWaitingAgeMs)}`,
    );
  }
  return `${lines.join("\n")}\n`;
}
