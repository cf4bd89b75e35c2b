import type { Queue } from "bullmq";
import { Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * The worker's Prometheus metrics, on prom-client: its events are per batch or per pass, not
 * per request, so the library's ~1 µs per update costs nothing here (the proxy keeps its own
 * counters: bench/metrics-cost.mjs). Names are what the dashboards read; keep them.
 */

/** Upper bounds of the batch-size histogram (events per usage batch; the proxy sends ≤ 500). */
export const BATCH_SIZE_BUCKETS = [1, 10, 50, 100, 250, 500, 1000, 2500] as const;

const gauge = (name: string, help: string, registers: Registry[]) =>
  new Gauge({ name, help, registers });

export class WorkerMetrics {
  readonly registry = new Registry();
  private readonly registers = [this.registry];
  private counter(name: string, help: string): Counter {
    return new Counter({ name, help, registers: this.registers });
  }

  readonly batches = this.counter(
    "gatehouse_worker_usage_batches_total",
    "Usage batches ingested.",
  );
  readonly events = new Counter({
    name: "gatehouse_worker_usage_events_total",
    help: "Usage events received, and newly recorded (the rest were duplicates).",
    labelNames: ["result"] as const,
    registers: this.registers,
  });
  /** failed attempts (each is retried until the job's attempts run out) */
  readonly failedJobs = this.counter(
    "gatehouse_worker_failed_jobs_total",
    "Failed job attempts (retried with backoff until attempts run out).",
  );
  /** jobs that failed for good and now sit in the dead-letter (failed) set */
  readonly deadLetteredJobs = this.counter(
    "gatehouse_worker_dead_lettered_jobs_total",
    "Jobs that failed for good (kept in the failed set).",
  );
  readonly invalidJobs = this.counter(
    "gatehouse_worker_invalid_jobs_total",
    "Jobs whose payload did not match the queue contract.",
  );
  readonly lastBatchSize = gauge(
    "gatehouse_worker_last_batch_size",
    "Events in the last batch.",
    this.registers,
  );
  readonly batchSize = new Histogram({
    name: "gatehouse_worker_usage_batch_size",
    help: "Events per ingested usage batch.",
    buckets: [...BATCH_SIZE_BUCKETS],
    registers: this.registers,
  });
  readonly retentionRuns = this.counter(
    "gatehouse_worker_retention_runs_total",
    "Retention passes completed.",
  );
  readonly retentionDeletedLogs = this.counter(
    "gatehouse_worker_retention_deleted_logs_total",
    "Request logs deleted by retention.",
  );
  readonly priceSyncs = this.counter(
    "gatehouse_worker_price_syncs_total",
    "Syncs of the built-in price table into model_prices.",
  );

  // Registered on the first batch / the first scrape with a queue: before that there is no
  // lag to report (a 0 would read as "caught up") and no queue to describe.
  private readonly lag = {
    ingest: gauge(
      "gatehouse_worker_usage_ingest_lag_seconds",
      "Commit time of the last batch minus the newest event time in it.",
      [],
    ),
    event: gauge(
      "gatehouse_worker_usage_event_lag_seconds",
      "Now minus the newest event time of the last ingested batch.",
      [],
    ),
    lastEvent: gauge(
      "gatehouse_worker_usage_last_ingested_event_timestamp_seconds",
      "Newest event time of the last ingested batch.",
      [],
    ),
  };
  private readonly queue = {
    jobs: new Gauge({
      name: "gatehouse_worker_queue_jobs",
      help: "Jobs in the usage queue by state (failed = dead letters).",
      labelNames: ["queue", "state"] as const,
      registers: [],
    }),
    oldestWaitingAge: new Gauge({
      name: "gatehouse_worker_queue_oldest_waiting_age_seconds",
      help: "Age of the oldest waiting job (0 when none waits).",
      labelNames: ["queue"] as const,
      registers: [],
    }),
  };
  private queueRegistered = false;
  private lastEventTsMs: number | null = null;

  constructor() {
    // both series exist from the start, as a scraper expects of a labelled counter
    this.events.inc({ result: "received" }, 0);
    this.events.inc({ result: "inserted" }, 0);
  }

  /** Records one ingested batch: size histogram, counters and the event lag. */
  observeBatch(
    batch: { received: number; inserted: number; newestEventTsMs: number },
    nowMs = Date.now(),
  ): void {
    this.batches.inc();
    this.events.inc({ result: "received" }, batch.received);
    this.events.inc({ result: "inserted" }, batch.inserted);
    this.lastBatchSize.set(batch.received);
    this.batchSize.observe(batch.received);
    if (this.lastEventTsMs === null) {
      for (const gauge of Object.values(this.lag)) this.registry.registerMetric(gauge);
    }
    this.lastEventTsMs = batch.newestEventTsMs;
    this.lag.ingest.set(seconds(Math.max(0, nowMs - batch.newestEventTsMs)));
    this.lag.lastEvent.set(seconds(batch.newestEventTsMs));
  }

  /** Prometheus text exposition of everything, with the queue's state read from Redis now. */
  async render(queues: { usage?: Queue | null } = {}, nowMs = Date.now()): Promise<string> {
    if (this.lastEventTsMs !== null) {
      this.lag.event.set(seconds(Math.max(0, nowMs - this.lastEventTsMs)));
    }
    if (queues.usage) {
      const snapshot = await snapshotQueue(queues.usage, nowMs);
      if (!this.queueRegistered) {
        for (const gauge of Object.values(this.queue)) this.registry.registerMetric(gauge);
        this.queueRegistered = true;
      }
      for (const [state, n] of Object.entries(snapshot.counts)) {
        this.queue.jobs.set({ queue: "usage", state }, n);
      }
      this.queue.oldestWaitingAge.set({ queue: "usage" }, seconds(snapshot.oldestWaitingAgeMs));
    }
    return this.registry.metrics();
  }
}

export function createWorkerMetrics(): WorkerMetrics {
  return new WorkerMetrics();
}

/** Prometheus text exposition (format 0.0.4) of the counters plus the queues' state. */
export function renderMetrics(
  metrics: WorkerMetrics,
  queues: { usage?: Queue | null } = {},
  nowMs = Date.now(),
): Promise<string> {
  return metrics.render(queues, nowMs);
}

/** The value of an unlabelled counter now (prom-client reads are async). */
export async function counterValue(counter: Counter): Promise<number> {
  return (await counter.get()).values[0]?.value ?? 0;
}

const seconds = (ms: number) => ms / 1000;

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
