/**
 * One deadline shared by every step of a shutdown: each wait gets what is left of it, so the
 * steps together can never overrun it (a step that overran alone used to push the exit out).
 */
export interface Deadline {
  /** milliseconds left (never negative) */
  left(): number;
  /**
   * Waits for `promise` at most `waitMs` (default: all that is left), never past the deadline.
   * True when it settled in time (a rejection counts as settled: the caller handles errors).
   */
  within(promise: Promise<unknown>, waitMs?: number): Promise<boolean>;
}

export function startDeadline(ms: number, now: () => number = Date.now): Deadline {
  const until = now() + ms;
  const left = () => Math.max(0, until - now());
  return {
    left,
    within(promise, waitMs = Infinity) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, Math.min(waitMs, left())));
      });
      const settled = promise.then(
        () => true as const,
        () => true as const,
      );
      return Promise.race([settled, timedOut]).finally(() => clearTimeout(timer));
    },
  };
}
