import {
  JobName,
  QUEUE_PREFIX,
  QueueName,
  USAGE_BATCH_JOB_OPTIONS,
  type UsageBatchJob,
  type UsageEvent,
} from "@gatehouse/shared";
import { Queue, type JobsOptions } from "bullmq";
import type { Redis } from "ioredis";
import type { Logger } from "../log";
import type { ProxyMetrics } from "../metrics";
import { RingBuffer } from "./ring-buffer";

/** Where the pipeline hands usage events; `push` is synchronous and never throws. */
export interface UsageSink {
  push(event: UsageEvent): void;
}

export interface UsageEmitterOptions {
  /** producer connection: enableOfflineQueue false and a command timeout, so an outage fails
   * fast instead of piling up commands */
  connection: Redis;
  bufferMax: number;
  metrics: ProxyMetrics;
  log: Logger;
  flushIntervalMs?: number;
  batchSize?: number;
  /** wait before retrying after a failed enqueue (the connection's `ready` also retries) */
  retryDelayMs?: number;
}

// attempts, exponential backoff and the bounded failed set (the dead letters) are the queue
// contract's; the worker is idempotent per event id, so a retried batch never counts twice
const JOB_OPTIONS: JobsOptions = {
  ...USAGE_BATCH_JOB_OPTIONS,
  backoff: { ...USAGE_BATCH_JOB_OPTIONS.backoff },
};

/**
 * Buffers usage events in memory and enqueues them as BullMQ `usage-batch` jobs every
 * ~20 ms or 500 events, off the response path. While Redis is unreachable the events stay
 * buffered (bounded; the oldest are dropped and counted) and are flushed once it is back.
 */
export class UsageEmitter implements UsageSink {
  private readonly buffer: RingBuffer<UsageEvent>;
  private readonly connection: Redis;
  private readonly metrics: ProxyMetrics;
  private readonly log: Logger;
  private readonly flushIntervalMs: number;
  private readonly batchSize: number;
  private readonly retryDelayMs: number;
  private queue: Queue<UsageBatchJob>;
  /** the queue's own initialisation failed (Redis dropped during it): it never recovers */
  private queueBroken = false;
  private timer: NodeJS.Timeout | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private flushing: Promise<void> | null = null;
  private lastFailureLog = 0;
  private closed = false;
  private readonly onReady = () => this.schedule(0);

  constructor(options: UsageEmitterOptions) {
    this.connection = options.connection;
    this.metrics = options.metrics;
    this.log = options.log;
    this.flushIntervalMs = options.flushIntervalMs ?? 20;
    this.batchSize = options.batchSize ?? 500;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.buffer = new RingBuffer(options.bufferMax);
    this.queue = this.createQueue();
    this.connection.on("ready", this.onReady);
    this.metrics.usageBuffered = () => this.buffer.length;
  }

  get buffered(): number {
    return this.buffer.length;
  }

  push(event: UsageEvent): void {
    if (this.buffer.push(event)) this.metrics.usageDropped++;
    if (this.buffer.length >= this.batchSize) {
      if (this.immediate === null && this.flushing === null) {
        this.immediate = setImmediate(this.runFlush);
      }
    } else if (this.timer === null) {
      this.timer = setTimeout(this.runFlush, this.flushIntervalMs);
    }
  }

  /** Enqueues everything buffered now (resolves when done or when Redis fails). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    this.clearTimers();
    await this.flushOnce();
  }

  /** Flushes what it can before the deadline, then closes the queue. */
  async close(deadlineMs = 5_000): Promise<void> {
    this.closed = true;
    this.clearTimers();
    const until = Date.now() + deadlineMs;
    while (this.buffer.length > 0 && this.connection.status === "ready" && Date.now() < until) {
      const before = this.buffer.length;
      await Promise.race([this.flush(), delay(Math.max(0, until - Date.now()))]);
      if (this.buffer.length >= before) break;
    }
    if (this.buffer.length > 0) {
      this.log.warn("usage events lost at shutdown (Redis unreachable)", {
        count: this.buffer.length,
      });
    }
    this.connection.off("ready", this.onReady);
    await this.queue.close().catch(() => undefined);
  }

  private createQueue(): Queue<UsageBatchJob> {
    // the connection is ours (BullMQ treats a passed-in client as shared and leaves it open)
    const queue = new Queue<UsageBatchJob>(QueueName.usage, {
      connection: this.connection,
      prefix: QUEUE_PREFIX,
    });
    // BullMQ re-emits connection errors; they are expected during an outage
    queue.on("error", () => undefined);
    this.queueBroken = false;
    queue.waitUntilReady().catch(() => {
      if (this.queue === queue) this.queueBroken = true;
    });
    return queue;
  }

  private readonly runFlush = () => {
    this.timer = null;
    this.immediate = null;
    if (this.flushing === null) void this.flushOnce();
  };

  private schedule(ms: number): void {
    if (this.closed || this.buffer.length === 0 || this.timer !== null) return;
    this.timer = setTimeout(this.runFlush, ms);
  }

  private clearTimers(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    if (this.immediate !== null) clearImmediate(this.immediate);
    this.timer = null;
    this.immediate = null;
  }

  private flushOnce(): Promise<void> {
    const run = async () => {
      while (this.buffer.length > 0) {
        // while the producer is disconnected, do not even try: its `ready` event retries
        if (this.connection.status !== "ready") return;
        const events = this.buffer.shift(this.batchSize);
        try {
          await this.queue.add(JobName.usageBatch, { events }, JOB_OPTIONS);
          this.metrics.usageEnqueued += events.length;
        } catch (error) {
          this.metrics.usageDropped += this.buffer.unshift(events);
          this.metrics.usageFlushFailures++;
          if (this.queueBroken) {
            void this.queue.close().catch(() => undefined);
            this.queue = this.createQueue();
          }
          const now = Date.now();
          if (now - this.lastFailureLog > 5_000) {
            this.lastFailureLog = now;
            this.log.warn("cannot enqueue usage events; keeping them buffered", {
              buffered: this.buffer.length,
              error: error instanceof Error ? error.message : String(error),
            });
          }
          this.schedule(this.retryDelayMs);
          return;
        }
      }
    };
    const flushing = run().finally(() => {
      this.flushing = null;
    });
    this.flushing = flushing;
    return flushing;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
