import { JobName, QUEUE_PREFIX, QueueName } from "@gatehouse/shared";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Reservation } from "./types";

/**
 * Budget alerts: the settle that first reaches a budget's alert threshold in a period (HSETNX in
 * the settle script: once across all proxies) enqueues a `budget-alert` job; the worker records
 * it and calls the webhook.
 */
export class BudgetAlerts {
  private readonly queue: Queue;

  constructor(
    connection: Redis,
    private readonly onError: (error: unknown) => void,
  ) {
    this.queue = new Queue(QueueName.alerts, { connection, prefix: QUEUE_PREFIX });
    this.queue.on("error", () => undefined);
  }

  /** `alerts` is the settle script's reply: scope index, spent, scope index, spent, ... */
  enqueue(
    reservation: Reservation,
    alerts: readonly number[],
    isoOf: (ms: number) => string,
  ): void {
    for (let i = 0; i < alerts.length; i += 2) {
      const scope = reservation.scopes[alerts[i]!]!;
      const budget = scope.budget!;
      const data = {
        workspaceId: reservation.workspaceId,
        scope: scope.kind === "key" ? ("key" as const) : ("workspace" as const),
        scopeId: scope.id,
        periodStart: isoOf(scope.periodStartMs),
        thresholdPct: budget.alertThresholdPct!,
        spentNanoUsd: Number(alerts[i + 1]),
        budgetNanoUsd: budget.amountNanoUsd,
      };
      this.queue
        .add(JobName.budgetAlert, data, {
          // the worker records the alert once per (budget, period, threshold) anyway
          jobId: `budget-alert_${scope.kind}_${scope.id}_${scope.periodStartMs}_${data.thresholdPct}`,
          attempts: 8,
          backoff: { type: "exponential", delay: 2_000 },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 1000 },
        })
        .catch(this.onError);
    }
  }

  close(): Promise<void> {
    return this.queue.close().catch(() => undefined);
  }
}
