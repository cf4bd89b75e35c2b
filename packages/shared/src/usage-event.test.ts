import { describe, expect, it } from "vitest";
import { usageEventFixture as event } from "./test-fixtures";
import { UsageEventSchema } from "./usage-event";

describe("UsageEventSchema", () => {
  it("round-trips an event through JSON, as queued", () => {
    expect(UsageEventSchema.parse(JSON.parse(JSON.stringify(event)))).toEqual(event);
  });

  it.each([
    ["an empty id", { id: "" }],
    ["a fractional cost", { costNanoUsd: 0.5 }],
    ["a negative cost", { costNanoUsd: -1 }],
    ["a cost beyond safe integers", { costNanoUsd: 2 ** 53 }],
    ["fractional tokens", { inputTokens: 1.5 }],
    ["an unknown endpoint", { endpoint: "images.generate" }],
    ["an unknown client format", { clientFormat: "gemini" }],
    ["a timestamp with an offset", { ts: "2026-01-02T12:04:05+09:00" }],
    ["a timestamp that is no date", { ts: "yesterday" }],
    ["a negative latency", { latencyMs: -1 }],
    ["a missing field", { streamed: undefined }],
    ["negative cache writes", { cacheWrite5mTokens: -1 }],
    ["fractional 1-hour cache writes", { cacheWrite1hTokens: 0.5 }],
    ["reasoning tokens that are not a number", { reasoningTokens: "12" }],
  ])("rejects %s", (_, change) => {
    expect(UsageEventSchema.safeParse({ ...event, ...change }).success).toBe(false);
  });

  it("still takes an event from a proxy that predates cache-write and reasoning counters", () => {
    const { cacheWrite5mTokens, cacheWrite1hTokens, reasoningTokens, ...old } = event;
    expect([cacheWrite5mTokens, cacheWrite1hTokens, reasoningTokens]).not.toEqual([0, 0, 0]);
    expect(UsageEventSchema.parse(JSON.parse(JSON.stringify(old)))).toEqual({
      ...old,
      cacheWrite5mTokens: 0,
      cacheWrite1hTokens: 0,
      reasoningTokens: 0,
    });
  });
});
