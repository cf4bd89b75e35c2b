import { describe, expect, it } from "vitest";
import {
  LATENCY_BUCKET_COUNT,
  LATENCY_BUCKETS_MS,
  latencyBucketIndex,
  percentileFromBuckets,
} from "./latency-buckets";

const histogram = (latencies: number[]) => {
  const counts = new Array<number>(LATENCY_BUCKET_COUNT).fill(0);
  for (const ms of latencies) counts[latencyBucketIndex(ms)]!++;
  return counts;
};

describe("LATENCY_BUCKETS_MS", () => {
  it("is strictly increasing and ends with +Inf", () => {
    for (let i = 1; i < LATENCY_BUCKETS_MS.length; i++) {
      expect(LATENCY_BUCKETS_MS[i]!).toBeGreaterThan(LATENCY_BUCKETS_MS[i - 1]!);
    }
    expect(LATENCY_BUCKETS_MS.at(-1)).toBe(Infinity);
  });
});

describe("latencyBucketIndex", () => {
  it.each([
    [0, 0],
    [5, 0], // upper bounds are inclusive
    [5.01, 1],
    [10, 1],
    [99.9, 4],
    [100, 4],
    [101, 5],
    [60_000, 12],
    [60_001, 13],
    [1e12, 13],
    [Infinity, 13],
    [-3, 0],
    [Number.NaN, 13],
  ])("puts %d ms in bucket %d", (ms, index) => {
    expect(latencyBucketIndex(ms)).toBe(index);
  });
});

describe("percentileFromBuckets", () => {
  it("returns the upper bound of the bucket holding the percentile", () => {
    // 90 fast requests (<= 50 ms) and 10 slow ones (<= 1000 ms)
    const counts = histogram([...Array(90).fill(40), ...Array(10).fill(700)]);
    expect(percentileFromBuckets(counts, 50)).toBe(50);
    expect(percentileFromBuckets(counts, 90)).toBe(50);
    expect(percentileFromBuckets(counts, 91)).toBe(1000);
    expect(percentileFromBuckets(counts, 99)).toBe(1000);
    expect(percentileFromBuckets(counts, 100)).toBe(1000);
    expect(percentileFromBuckets(counts, 0)).toBe(50);
  });

  it("never reports less than the true nearest-rank percentile", () => {
    const latencies = Array.from({ length: 997 }, (_, i) => (i * 7919) % 45_000);
    const sorted = [...latencies].sort((a, b) => a - b);
    const counts = histogram(latencies);
    for (const p of [1, 25, 50, 75, 90, 95, 99, 99.9]) {
      const exact = sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
      const estimate = percentileFromBuckets(counts, p)!;
      expect(estimate).toBeGreaterThanOrEqual(exact);
      // and it is the bound of the very bucket the exact value falls in
      expect(estimate).toBe(LATENCY_BUCKETS_MS[latencyBucketIndex(exact)]);
    }
  });

  it("reports the largest finite bound for the overflow bucket", () => {
    expect(percentileFromBuckets(histogram([120_000]), 50)).toBe(60_000);
  });

  it("returns null for an empty histogram", () => {
    expect(percentileFromBuckets(histogram([]), 99)).toBeNull();
  });

  it("rejects malformed input", () => {
    expect(() => percentileFromBuckets([1, 2, 3], 50)).toThrow(RangeError);
    expect(() => percentileFromBuckets(histogram([1]), 101)).toThrow(RangeError);
    expect(() => percentileFromBuckets(histogram([1]), Number.NaN)).toThrow(RangeError);
    const negative = histogram([1]);
    negative[3] = -1;
    expect(() => percentileFromBuckets(negative, 50)).toThrow(RangeError);
  });
});
