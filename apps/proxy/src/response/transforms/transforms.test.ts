import { describe, expect, it } from "vitest";
import type { ResponseEvent } from "../../translate/events";
import { PayloadCapture, PAYLOAD_LOG_MAX_CHARS } from "./payload-capture";
import { UsageAccounting } from "./usage-accounting";

describe("UsageAccounting", () => {
  it("keeps the latest usage and passes every event on unchanged", () => {
    const accounting = new UsageAccounting();
    const passed: ResponseEvent[] = [];
    const events: ResponseEvent[] = [
      { type: "message_start", id: "m1" },
      { type: "usage", usage: { inputTokens: 10, outputTokens: 1, cachedInputTokens: 0 } },
      { type: "text_delta", json: '"hi"' },
      { type: "usage", usage: { inputTokens: 10, outputTokens: 7, cachedInputTokens: 2 } },
      { type: "done" },
    ];
    for (const event of events) accounting.event(event, (e) => passed.push(e));
    expect(passed).toEqual(events);
    expect(accounting.usage).toEqual({ inputTokens: 10, outputTokens: 7, cachedInputTokens: 2 });
  });

  it("has no usage until one passes", () => {
    expect(new UsageAccounting().usage).toBeNull();
  });
});

describe("PayloadCapture", () => {
  it("keeps the client text in order, strings and buffers alike", () => {
    const capture = new PayloadCapture();
    capture.output("data: a\n\n");
    capture.output(Buffer.from("data: é\n\n"));
    expect(capture.text).toBe("data: a\n\ndata: é\n\n");
  });

  it("stops at the payload limit", () => {
    const capture = new PayloadCapture();
    capture.output("x".repeat(PAYLOAD_LOG_MAX_CHARS - 2));
    capture.output("yyyy");
    capture.output("zz");
    expect(capture.text.length).toBe(PAYLOAD_LOG_MAX_CHARS);
    expect(capture.text.endsWith("yy")).toBe(true);
  });
});
