import { describe, expect, expectTypeOf, it } from "vitest";
import {
  BudgetAlertJobSchema,
  DEAD_LETTER_MAX,
  JOB_SCHEMAS,
  JobName,
  QueueName,
  USAGE_BATCH_JOB_OPTIONS,
  type JobPayload,
  type UsageBatchJob,
} from "./queues";
import { usageEventFixture as event } from "./test-fixtures";

describe("queue contract", () => {
  it("validates a usage batch with the schema registered for its queue and job name", () => {
    const schema = JOB_SCHEMAS[QueueName.usage][JobName.usageBatch];
    const batch = { events: [event, { ...event, id: "req_2" }] };
    expect(schema.parse(JSON.parse(JSON.stringify(batch)))).toEqual(batch);
    expect(schema.safeParse({ events: [] }).success).toBe(false);
    expect(schema.safeParse({ events: [{ ...event, costNanoUsd: 0.5 }] }).success).toBe(false);
  });

  it("validates budget alerts", () => {
    const alert = {
      workspaceId: "ws_1",
      scope: "key" as const,
      scopeId: "key_1",
      periodStart: "2026-01-01T05:00:00.000Z",
      thresholdPct: 80,
      spentNanoUsd: 40_000_000_000,
      budgetNanoUsd: 50_000_000_000,
    };
    expect(JOB_SCHEMAS[QueueName.alerts][JobName.budgetAlert].parse(alert)).toEqual(alert);
    expect(BudgetAlertJobSchema.safeParse({ ...alert, scope: "team" }).success).toBe(false);
  });

  it("retries usage batches with backoff and keeps a bounded dead-letter set", () => {
    expect(USAGE_BATCH_JOB_OPTIONS.attempts).toBeGreaterThan(1);
    expect(USAGE_BATCH_JOB_OPTIONS.backoff).toEqual({ type: "exponential", delay: 1_000 });
    expect(USAGE_BATCH_JOB_OPTIONS.removeOnFail).toEqual({ count: DEAD_LETTER_MAX });
    expect(DEAD_LETTER_MAX).toBe(10_000);
  });

  it("uses queue names BullMQ accepts", () => {
    for (const name of Object.values(QueueName)) expect(name).not.toContain(":");
  });

  it("types job payloads from the same map", () => {
    expectTypeOf<JobPayload<"usage", "usage-batch">>().toEqualTypeOf<UsageBatchJob>();
    expectTypeOf<JobPayload<"maintenance", "retention">>().toEqualTypeOf<{
      workspaceId: string | null;
    }>();
  });
});
