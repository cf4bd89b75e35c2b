/**
 * Fixed latency histogram buckets shared by the proxy (which counts), the worker (which rolls
 * counts up per day) and the dashboard (which reads percentiles back). Bucket i counts
 * latencies in (bound[i-1], bound[i]] milliseconds, like Prometheus `le` buckets; the last
 * bucket is unbounded. Rollups store counts by index, so changing the bounds invalidates them.
 */
export const LATENCY_BUCKETS_MS = [
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1000,
  2500,
  5000,
  10000,
  30000,
  60000,
  Infinity,
] as const;

export const LATENCY_BUCKET_COUNT = LATENCY_BUCKETS_MS.length;

/** The bucket a latency falls in. Negative values count as 0 ms; NaN goes to the last bucket. */
export function latencyBucketIndex(ms: number): number {
  for (let i = 0; i < LATENCY_BUCKET_COUNT - 1; i++) {
    if (ms <= LATENCY_BUCKETS_MS[i]!) return i;
  }
  return LATENCY_BUCKET_COUNT - 1;
}

/**
 * The p-th percentile (0..100, nearest-rank) of the latencies counted in `counts` (one count
 * per bucket, indexed as by latencyBucketIndex). Returns the UPPER BOUND of the bucket that
 * holds the percentile's sample, without interpolation: the true value lies in
 * (previous bound, returned bound]. When that bucket is the unbounded last one, returns the
 * largest finite bound (60000), meaning "at least that" (and staying JSON-safe).
 * Null when every count is 0.
 */
export function percentileFromBuckets(counts: readonly number[], p: number): number | null {
  if (counts.length !== LATENCY_BUCKET_COUNT) {
    throw new RangeError(`expected ${LATENCY_BUCKET_COUNT} bucket counts, got ${counts.length}`);
  }
  if (!(p >= 0 && p <= 100)) throw new RangeError(`percentile must be within 0..100, got ${p}`);
  let total = 0;
  for (const count of counts) {
    if (!Number.isSafeInteger(count) || count < 0) {
      throw new RangeError(`bucket counts must be non-negative integers, got ${count}`);
    }
    total += count;
  }
  if (total === 0) return null;

  // 1-based rank of the percentile sample; p * total first keeps integer inputs exact
  const rank = Math.max(1, Math.ceil((p * total) / 100));
  let seen = 0;
  for (let i = 0; i < LATENCY_BUCKET_COUNT; i++) {
    seen += counts[i]!;
    if (seen >= rank) return Math.min(LATENCY_BUCKETS_MS[i]!, LATENCY_BUCKETS_MS.at(-2)!);
  }
  return LATENCY_BUCKETS_MS.at(-2)!; // unreachable: seen reaches total >= rank
}
