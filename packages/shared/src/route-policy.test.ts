import { describe, expect, it } from "vitest";
import { DEFAULT_ROUTE_POLICY, RoutePolicySchema } from "./route-policy";

describe("RoutePolicySchema", () => {
  it("fills every default from an empty object (routes saved before a field existed)", () => {
    expect(RoutePolicySchema.parse({})).toEqual(DEFAULT_ROUTE_POLICY);
    expect(DEFAULT_ROUTE_POLICY.retry.maxRetries).toBe(2);
    expect(DEFAULT_ROUTE_POLICY.retry.retryOn).toContain(429);
    expect(DEFAULT_ROUTE_POLICY.strategy).toBe("weighted");
    expect(DEFAULT_ROUTE_POLICY.timeouts.ttfbMs).toBeNull();
  });

  it("keeps what is set and defaults the rest of a nested object", () => {
    const policy = RoutePolicySchema.parse({
      retry: { maxRetries: 0 },
      strategy: "lowest_latency",
    });
    expect(policy.retry).toEqual({ ...DEFAULT_ROUTE_POLICY.retry, maxRetries: 0 });
    expect(policy.strategy).toBe("lowest_latency");
  });

  it("refuses values out of range, naming the field", () => {
    const result = RoutePolicySchema.safeParse({ retry: { maxRetries: 50 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(["retry", "maxRetries"]);
  });
});
