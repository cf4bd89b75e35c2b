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
  usageEvent: "usage-event",
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

export const RetentionJobSchema = z.object({ workspaceId: z.string().nullable() });

/** job name -> payload schema, per queue */
export const JOB_SCHEMAS = {
  [QueueName.usage]: { [JobName.usageEvent]: UsageEventSchema },
  [QueueName.alerts]: { [JobName.budgetAlert]: BudgetAlertJobSchema },
  [QueueName.maintenance]: { [JobName.retention]: RetentionJobSchema },
} as const;

export type JobPayload<
  Q extends keyof typeof JOB_SCHEMAS,
  J extends keyof (typeof JOB_SCHEMAS)[Q],
> = (typeof JOB_SCHEMAS)[Q][J] extends z.ZodType<infer T> ? T : never;
