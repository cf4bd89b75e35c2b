// When `npm start` restarts a crashed service and when it gives up: the delay before each
// restart doubles from 1 s up to a cap, starts over once the service has stayed up for a
// minute, and too many crashes within a window count as a crash loop, after which Gatehouse
// stops (a restart will not fix what breaks it every time, and half a Gatehouse misleads).
// Pure logic over timestamps, so it is tested without waiting. Node built-ins only.

/**
 * @typedef {object} RestartPolicy
 * @property {number} firstDelayMs the delay before the first restart
 * @property {number} maxDelayMs the cap of the doubling delay
 * @property {number} stableAfterMs up this long, a service's next crash starts from firstDelayMs again
 * @property {number} maxCrashes this many crashes within windowMs is a crash loop
 * @property {number} windowMs
 */

/** @type {Readonly<RestartPolicy>} */
export const RESTART_POLICY = Object.freeze({
  firstDelayMs: 1_000,
  maxDelayMs: 30_000,
  stableAfterMs: 60_000,
  maxCrashes: 5,
  windowMs: 10 * 60_000,
});

/**
 * @typedef {{ restart: true, delayMs: number, crashes: number }
 *   | { restart: false, crashes: number }} CrashDecision
 *   crashes: how many crashes fall within the window, this one included
 */

/** One service's crash history. */
export class RestartTracker {
  /** @param {RestartPolicy} [policy] */
  constructor(policy = RESTART_POLICY) {
    this.policy = policy;
    /** @type {number[]} when the crashes within the window happened */
    this.crashTimes = [];
    /** crashes since the service last stayed up for stableAfterMs */
    this.streak = 0;
    /** @type {number | undefined} */
    this.startedAt = undefined;
  }

  /** The service (re)started at `now`. */
  started(/** @type {number} */ now) {
    this.startedAt = now;
  }

  /**
   * The service exited unexpectedly at `now`: restart it after `delayMs`, or give up.
   * @param {number} now
   * @returns {CrashDecision}
   */
  crashed(now) {
    const { policy } = this;
    if (this.startedAt !== undefined && now - this.startedAt >= policy.stableAfterMs) {
      this.streak = 0;
    }
    this.streak += 1;
    this.crashTimes = this.crashTimes.filter((at) => now - at < policy.windowMs);
    this.crashTimes.push(now);
    const crashes = this.crashTimes.length;
    if (crashes >= policy.maxCrashes) return { restart: false, crashes };
    const delayMs = Math.min(policy.maxDelayMs, policy.firstDelayMs * 2 ** (this.streak - 1));
    return { restart: true, delayMs, crashes };
  }
}

/** "exit code 1", "killed by SIGKILL" */
export function describeExit(
  /** @type {number | null} */ code,
  /** @type {NodeJS.Signals | null} */ signal,
) {
  if (signal) return `killed by ${signal}`;
  return code === null ? "exited" : `exit code ${code}`;
}

/** "500 ms", "1 s", "1.5 s", "10 min" */
export function formatDuration(/** @type {number} */ ms) {
  if (ms < 1_000) return `${Math.round(ms)} ms`;
  if (ms < 60_000 || ms % 60_000 !== 0) return `${Number((ms / 1_000).toFixed(1))} s`;
  return `${ms / 60_000} min`;
}

/**
 * The line `npm start` prints when it restarts a service.
 * @param {string} name
 * @param {number | null} code
 * @param {NodeJS.Signals | null} signal
 * @param {{ delayMs: number, crashes: number }} decision
 * @param {RestartPolicy} [policy]
 */
export function restartMessage(name, code, signal, decision, policy = RESTART_POLICY) {
  return (
    `${name} exited unexpectedly (${describeExit(code, signal)}); restarting it in ` +
    `${formatDuration(decision.delayMs)} (crash ${decision.crashes} of ${policy.maxCrashes} ` +
    `within ${formatDuration(policy.windowMs)} before Gatehouse stops). Its output is above, prefixed "${name}".`
  );
}

/**
 * The message `npm start` stops with on a crash loop.
 * @param {string} name
 * @param {number | null} code
 * @param {NodeJS.Signals | null} signal
 * @param {RestartPolicy} [policy]
 */
export function crashLoopMessage(name, code, signal, policy = RESTART_POLICY) {
  return (
    `${name} crashed ${policy.maxCrashes} times within ${formatDuration(policy.windowMs)} ` +
    `(the last time: ${describeExit(code, signal)}), so restarting it does not help. ` +
    `Its output is above, prefixed "${name}". Stopping everything: fix the cause, then run \`npm start\` again.`
  );
}
