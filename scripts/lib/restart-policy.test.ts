import { describe, expect, it } from "vitest";
import {
  RESTART_POLICY,
  RestartTracker,
  crashLoopMessage,
  describeExit,
  formatDuration,
  restartMessage,
} from "./restart-policy.mjs";

const SECOND = 1_000;
const MINUTE = 60 * SECOND;

/** Crashes the tracker `uptimesMs.length` times, each after that long up; the decisions. */
function crashAfter(tracker: RestartTracker, uptimesMs: number[], startAt = 0) {
  let now = startAt;
  tracker.started(now);
  return uptimesMs.map((uptime) => {
    now += uptime;
    const decision = tracker.crashed(now);
    if (decision.restart) {
      now += decision.delayMs;
      tracker.started(now);
    }
    return decision;
  });
}

describe("RestartTracker", () => {
  it("restarts quick crashes after 1, 2, 4, 8 s and gives up at the 5th within 10 minutes", () => {
    const decisions = crashAfter(
      new RestartTracker(),
      [2, 2, 2, 2, 2].map((s) => s * SECOND),
    );
    expect(decisions).toEqual([
      { restart: true, delayMs: 1 * SECOND, crashes: 1 },
      { restart: true, delayMs: 2 * SECOND, crashes: 2 },
      { restart: true, delayMs: 4 * SECOND, crashes: 3 },
      { restart: true, delayMs: 8 * SECOND, crashes: 4 },
      { restart: false, crashes: 5 },
    ]);
  });

  it("caps the delay", () => {
    const policy = { ...RESTART_POLICY, maxCrashes: 100, windowMs: MINUTE, maxDelayMs: 5 * SECOND };
    const delays = crashAfter(new RestartTracker(policy), Array(6).fill(100)).map((d) =>
      d.restart ? d.delayMs : "gave up",
    );
    expect(delays).toEqual([1_000, 2_000, 4_000, 5_000, 5_000, 5_000]);
  });

  it("starts the backoff over once the service stayed up for a minute", () => {
    const decisions = crashAfter(new RestartTracker(), [
      5 * SECOND,
      5 * SECOND,
      MINUTE,
      5 * SECOND,
    ]);
    expect(decisions.map((d) => d.restart && d.delayMs)).toEqual([
      1 * SECOND,
      2 * SECOND,
      1 * SECOND, // up 60 s: back to the first delay
      2 * SECOND,
    ]);
  });

  it("calls a crash every 2 minutes a loop, but not one every 3 minutes", () => {
    const everyTwo = crashAfter(new RestartTracker(), Array(5).fill(2 * MINUTE));
    expect(everyTwo.map((d) => d.restart)).toEqual([true, true, true, true, false]);
    // each one was up long enough to reset the backoff
    expect(everyTwo.slice(0, 4).map((d) => d.restart && d.delayMs)).toEqual(Array(4).fill(SECOND));

    const everyThree = crashAfter(new RestartTracker(), Array(20).fill(3 * MINUTE));
    expect(everyThree.every((d) => d.restart)).toBe(true);
    // never more than 4 crashes in any 10 minutes
    expect(Math.max(...everyThree.map((d) => d.crashes))).toBe(4);
  });
});

describe("restart messages", () => {
  it("say which service, how it ended and when the next attempt comes", () => {
    expect(restartMessage("worker", null, "SIGKILL", { delayMs: 1_000, crashes: 1 })).toBe(
      'worker exited unexpectedly (killed by SIGKILL); restarting it in 1 s (crash 1 of 5 within 10 min before Gatehouse stops). Its output is above, prefixed "worker".',
    );
    expect(restartMessage("web", 1, null, { delayMs: 4_000, crashes: 3 })).toContain(
      "web exited unexpectedly (exit code 1); restarting it in 4 s (crash 3 of 5",
    );
  });

  it("name the crash loop and what to do", () => {
    const message = crashLoopMessage("proxy", 78, null);
    expect(message).toContain("proxy crashed 5 times within 10 min (the last time: exit code 78)");
    expect(message).toContain("Stopping everything");
    expect(message).toContain("npm start");
  });

  it("format exits and durations", () => {
    expect(describeExit(0, null)).toBe("exit code 0");
    expect(describeExit(null, "SIGSEGV")).toBe("killed by SIGSEGV");
    expect(formatDuration(250)).toBe("250 ms");
    expect(formatDuration(1_500)).toBe("1.5 s");
    expect(formatDuration(30_000)).toBe("30 s");
    expect(formatDuration(90_000)).toBe("90 s");
    expect(formatDuration(10 * MINUTE)).toBe("10 min");
  });
});
