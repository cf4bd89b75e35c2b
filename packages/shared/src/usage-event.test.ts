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
  ])("rejects %s", (_, change) => {
    expect(UsageEventSchema.safeParse({ ...event, ...change }).success).toBe(false);
  });
});
