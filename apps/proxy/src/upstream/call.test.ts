import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { UpstreamCall } from "./call";

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** An answer delivered the way undici does when headers and body share one packet. */
function completedCall(): UpstreamCall {
  const call = new UpstreamCall();
  call.onConnect(() => undefined);
  call.onHeaders(200, [], () => undefined);
  call.onData(Buffer.from("{}"));
  call.onComplete();
  return call;
}

describe("UpstreamCall's total-time limit", () => {
  it("leaves no timer behind for an answer that completed before the limit was set", () => {
    // a pending 300 s timer would keep the call and its body alive that long: a leak under load
    completedCall().limitTotalTime(300_000);
    expect(vi.getTimerCount()).toBe(0);
  });

  it("clears its timer when the body completes", () => {
    const call = new UpstreamCall();
    call.onConnect(() => undefined);
    call.onHeaders(200, [], () => undefined);
    call.limitTotalTime(300_000);
    expect(vi.getTimerCount()).toBe(1);
    call.onComplete();
    expect(vi.getTimerCount()).toBe(0);
  });

  it("cuts a call still running at the limit with a time-out error", () => {
    const call = new UpstreamCall();
    let reason: Error | undefined;
    call.onConnect((error) => {
      reason = error;
    });
    call.onHeaders(200, [], () => undefined);
    call.limitTotalTime(1_000);
    vi.advanceTimersByTime(1_000);
    expect((reason as { code?: string } | undefined)?.code).toBe(
      "GATEHOUSE_UPSTREAM_TOTAL_TIMEOUT",
    );
  });
});
