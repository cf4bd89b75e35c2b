import { describe, expect, it } from "vitest";
import { counterValue, createWorkerMetrics, renderMetrics } from "./metrics";

const names = (text: string) =>
  [...text.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((m) => `${m[1]} ${m[2]}`);

describe("worker metrics", () => {
  it("keeps the metric names and types the dashboards read", async () => {
    const metrics = createWorkerMetrics();
    metrics.observeBatch({ received: 3, inserted: 3, newestEventTsMs: Date.now() });
    expect(names(await renderMetrics(metrics))).toEqual([
      "gatehouse_worker_usage_batches_total counter",
      "gatehouse_worker_usage_events_total counter",
      "gatehouse_worker_failed_jobs_total counter",
      "gatehouse_worker_dead_lettered_jobs_total counter",
      "gatehouse_worker_invalid_jobs_total counter",
      "gatehouse_worker_last_batch_size gauge",
      "gatehouse_worker_usage_batch_size histogram",
      "gatehouse_worker_retention_runs_total counter",
      "gatehouse_worker_retention_deleted_logs_total counter",
      "gatehouse_worker_price_syncs_total counter",
      "gatehouse_worker_usage_ingest_lag_seconds gauge",
      "gatehouse_worker_usage_event_lag_seconds gauge",
      "gatehouse_worker_usage_last_ingested_event_timestamp_seconds gauge",
    ]);
  });

  it("reports no lag before the first batch, then the lag of the last one", async () => {
    const metrics = createWorkerMetrics();
    const before = await renderMetrics(metrics);
    expect(before).toContain('\ngatehouse_worker_usage_events_total{result="received"} 0\n');
    expect(before).not.toContain("gatehouse_worker_usage_event_lag_seconds");

    const newest = 1_700_000_000_000;
    metrics.observeBatch({ received: 120, inserted: 118, newestEventTsMs: newest }, newest + 2_000);
    metrics.observeBatch(
      { received: 5, inserted: 5, newestEventTsMs: newest + 500 },
      newest + 2_500,
    );
    const after = (await renderMetrics(metrics, {}, newest + 10_500)).split("\n");
    expect(after).toEqual(
      expect.arrayContaining([
        'gatehouse_worker_usage_events_total{result="received"} 125',
        'gatehouse_worker_usage_events_total{result="inserted"} 123',
        "gatehouse_worker_last_batch_size 5",
        'gatehouse_worker_usage_batch_size_bucket{le="10"} 1',
        'gatehouse_worker_usage_batch_size_bucket{le="250"} 2',
        "gatehouse_worker_usage_batch_size_sum 125",
        "gatehouse_worker_usage_ingest_lag_seconds 2",
        "gatehouse_worker_usage_event_lag_seconds 10",
        `gatehouse_worker_usage_last_ingested_event_timestamp_seconds ${(newest + 500) / 1000}`,
      ]),
    );
    expect(await counterValue(metrics.batches)).toBe(2);
  });
});
