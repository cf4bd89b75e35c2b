import { describe, expect, it } from "vitest";
import { startDeadline } from "./deadline";

describe("startDeadline", () => {
  it("counts down from its own clock and never below zero", () => {
    let now = 1_000;
    const deadline = startDeadline(5_000, () => now);
    expect(deadline.left()).toBe(5_000);
    now += 3_000;
    expect(deadline.left()).toBe(2_000);
    now += 10_000;
    expect(deadline.left()).toBe(0);
  });

  it("says whether a wait settled in time; a rejection counts as settled", async () => {
    const deadline = startDeadline(60_000);
    expect(await deadline.within(Promise.resolve("done"))).toBe(true);
    expect(await deadline.within(Promise.reject(new Error("failed")))).toBe(true);
    // a wait that never ends gives up at what it was given...
    expect(await deadline.within(new Promise(() => {}), 0)).toBe(false);
    // ...and never past the deadline, whatever it asked for
    const spent = startDeadline(0);
    expect(await spent.within(new Promise(() => {}), 60_000)).toBe(false);
  });
});
