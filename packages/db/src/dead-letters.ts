import { Job, Queue } from "bullmq";
import type { Redis } from "ioredis";
import { DEAD_LETTER_MAX, QUEUE_PREFIX, QueueName } from "@gatehouse/shared";

/**
 * The dead-letter view (`@gatehouse/db/dead-letters`, server-only): jobs that used up all their
 * attempts stay in their queue's failed set (the newest DEAD_LETTER_MAX, see
 * USAGE_BATCH_JOB_OPTIONS). This lists them and puts one back in the queue. Works on any
 * ioredis connection to the queue's Redis (no blocking commands are used).
 */

export interface DeadLetter {
  queue: QueueName;
  jobId: string;
  /** the job name, e.g. "usage-batch" */
  name: string;
  failedReason: string;
  attemptsMade: number;
  /** when the job was created (enqueued) */
  enqueuedAt: Date;
  /** when its last attempt started and ended (null if it never ran) */
  processedAt: Date | null;
  failedAt: Date | null;
  /** usage events in the batch (0 for other kinds of jobs) */
  eventCount: number;
  /** the distinct workspaces the job's data names */
  workspaceIds: string[];
}

export interface ListDeadLettersOptions {
  /** only jobs that carry data of this workspace */
  workspaceId?: string;
  /** at most this many, newest failure first (default 50, max 1,000) */
  limit?: number;
  /** the queue (default: usage) */
  queue?: QueueName;
}

const SCAN_PAGE = 200;

function openQueue(redis: Redis, name: QueueName): Queue {
  // a passed-in connection is shared: closing the queue leaves it open
  return new Queue(name, { connection: redis, prefix: QUEUE_PREFIX });
}

function workspacesOf(data: unknown): { eventCount: number; workspaceIds: string[] } {
  if (typeof data !== "object" || data === null) return { eventCount: 0, workspaceIds: [] };
  const record = data as { events?: unknown; workspaceId?: unknown };
  if (Array.isArray(record.events)) {
    const ids = new Set<string>();
    for (const event of record.events as unknown[]) {
      const id = (event as { workspaceId?: unknown } | null)?.workspaceId;
      if (typeof id === "string") ids.add(id);
    }
    return { eventCount: record.events.length, workspaceIds: [...ids].sort() };
  }
  return {
    eventCount: 0,
    workspaceIds: typeof record.workspaceId === "string" ? [record.workspaceId] : [],
  };
}

function toDeadLetter(queue: QueueName, job: Job): DeadLetter {
  return {
    queue,
    jobId: String(job.id),
    name: job.name,
    failedReason: job.failedReason ?? "",
    attemptsMade: job.attemptsMade,
    enqueuedAt: new Date(job.timestamp),
    processedAt: job.processedOn ? new Date(job.processedOn) : null,
    failedAt: job.finishedOn ? new Date(job.finishedOn) : null,
    ...workspacesOf(job.data),
  };
}

/** Dead-lettered jobs, newest failure first, optionally only those touching one workspace. */
export async function listDeadLetters(
  redis: Redis,
  options: ListDeadLettersOptions = {},
): Promise<DeadLetter[]> {
  const name = options.queue ?? QueueName.usage;
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 1_000);
  const queue = openQueue(redis, name);
  try {
    const found: DeadLetter[] = [];
    // without a filter one page is enough; with one, scan the (bounded) failed set
    for (let start = 0; start < DEAD_LETTER_MAX && found.length < limit; start += SCAN_PAGE) {
      const page = options.workspaceId === undefined ? limit : SCAN_PAGE;
      const jobs = await queue.getFailed(start, start + page - 1);
      for (const job of jobs) {
        // a job removed between the range read and the hash read comes back undefined
        if (!job) continue;
        const letter = toDeadLetter(name, job);
        if (options.workspaceId !== undefined && !letter.workspaceIds.includes(options.workspaceId))
          continue;
        found.push(letter);
        if (found.length === limit) break;
      }
      if (jobs.length < page) break;
    }
    return found;
  } finally {
    await queue.close();
  }
}

/** How many jobs the queue's dead-letter set holds. */
export async function countDeadLetters(
  redis: Redis,
  queueName: QueueName = QueueName.usage,
): Promise<number> {
  const queue = openQueue(redis, queueName);
  try {
    return await queue.getFailedCount();
  } finally {
    await queue.close();
  }
}

export type RetryDeadLetterResult = "retried" | "not_found" | "not_failed";

/**
 * Moves a dead-lettered job back to the waiting list with a fresh set of attempts. Usage
 * batches are idempotent per event id, so retrying one that partly landed is safe.
 */
export async function retryDeadLetter(
  redis: Redis,
  jobId: string,
  queueName: QueueName = QueueName.usage,
): Promise<RetryDeadLetterResult> {
  const queue = openQueue(redis, queueName);
  try {
    const job = await Job.fromId(queue, jobId);
    if (!job) return "not_found";
    if (!(await job.isFailed())) return "not_failed";
    await job.retry("failed", { resetAttemptsMade: true, resetAttemptsStarted: true });
    return "retried";
  } finally {
    await queue.close();
  }
}
