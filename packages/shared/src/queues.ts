import { z } from "zod";
import { UsageEventSchema } from "./usage-event";

/**
 * The one queue contract shared by producers (proxy, web) and consumers (worker):
 * queue names, job names and the payload schema of each job.
 * BullMQ queue names may not contain ':'; the hash-tag prefix keeps every queue key in one
 * Redis Cluster slot.
 */
export const QUEUE_PREFIX = "{gh-bull}";

/** How many failed (dead-lettered) jobs a queue keeps, newest first. */
export const DEAD_LETTER_MAX = 10_000;

export const QueueName = {
  usage: "usage",
  alerts: "alerts",
  maintenance: "maintenance",
} as const;
export type QueueName = (typeof QueueName)[keyof typeof QueueName];

export const JobName = {
  /** a batch of usage events: the proxy flushes its buffer every few ms, one job per flush */
  usageBatch: "usage-batch",
  budgetAlert: "budget-alert",
  retention: "retention",
} as const;

export const BudgetAlertJobSchema = z.object({
  workspaceId: z.string(),
  scope: z.enum(["workspace", "key"]),
  scopeId: z.string(),
  periodStart: z.iso.datetime(),
  thresholdPct: z.number().int(),
  spentNanoUsd: z.number().int(),
  budgetNanoUsd: z.number().int(),
});

/** Producers batch events to keep BullMQ's per-job cost off the hot path; the worker stays
 * idempotent per event id, so a batch that is retried never counts an event twice. */
export const UsageBatchJobSchema = z.object({ events: z.array(UsageEventSchema).min(1) });
export type UsageBatchJob = z.infer<typeof UsageBatchJobSchema>;

export const RetentionJobSchema = z.object({ workspaceId: z.string().nullable() });

/**
 * BullMQ job options of every usage batch (the producer sets them per job). A failing batch
 * (Postgres down, a deadlock) is retried with exponential backoff — 1 s, 2 s, 4 s … 256 s,
 * about 8.5 minutes over 10 attempts — which is safe because ingestion is idempotent per
 * event id. After the last attempt the job stays in the queue's failed set: that set, capped
 * at the newest 10,000 jobs, is the dead-letter set (listDeadLetters / retryDeadLetter in
 * @gatehouse/db/dead-letters).
 */
export const USAGE_BATCH_JOB_OPTIONS = {
  attempts: 10,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: { count: 1_000 },
  removeOnFail: { count: DEAD_LETTER_MAX },
} as const;

/** job name -> payload schema, per queue */
export const JOB_SCHEMAS = {
  [QueueName.usage]: { [JobName.usageBatch]: UsageBatchJobSchema },
  [QueueName.alerts]: { [JobName.budgetAlert]: BudgetAlertJobSchema },
  [QueueName.maintenance]: { [JobName.retention]: RetentionJobSchema },
} as const;

export type JobPayload<
  Q extends keyof typeof JOB_SCHEMAS,
  J extends keyof (typeof JOB_SCHEMAS)[Q],
> = (typeof JOB_SCHEMAS)[Q][J] extends z.ZodType<infer T> ? T : never;
