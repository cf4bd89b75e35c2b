import { describe, expect, it } from "vitest";
import { alertAt } from "./budgets";
import { formatResetDuration, retryAfterHeaders } from "./format";

describe("rate-limit header values", () => {
  it("writes reset durations the way OpenAI does", () => {
    expect(formatResetDuration(0)).toBe("0ms");
    expect(formatResetDuration(850.2)).toBe("851ms");
    expect(formatResetDuration(1500)).toBe("1.5s");
    expect(formatResetDuration(59_999)).toBe("59.999s");
    expect(formatResetDuration(60_000)).toBe("1m0s");
    expect(formatResetDuration(361_000)).toBe("6m1s");
  });

  it("Retry-After is whole seconds, at least 1; retry-after-ms keeps the precision", () => {
    expect(retryAfterHeaders(0)).toEqual({ "retry-after": "1", "retry-after-ms": "1" });
    expect(retryAfterHeaders(1200)).toEqual({ "retry-after": "2", "retry-after-ms": "1200" });
  });

  it("the alert threshold is rounded up, in integers, also for huge budgets", () => {
    expect(alertAt(1000, 80)).toBe(800);
    expect(alertAt(1001, 80)).toBe(801);
    expect(alertAt(9_000_000_000_000_001, 1)).toBe(90_000_000_000_001);
  });
});
