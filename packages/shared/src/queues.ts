import { z } from "zod";
import { UsageEventSchema } from "./usage-event";

/**
 * The one queue contract shared by producers (proxy, web) and consumers (worker):
 * queue names, job names and the payload schema of each job.
 * BullMQ queue names may not contain ':'; the hash-tag prefix keeps every queue key in one
 * Redis Cluster slot.
 */
export const QUEUE_PREFIX = "{gh-bull}";

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
