import { describe, expect, it } from "vitest";
import { AnthropicUsageTracker } from "./anthropic-usage";

const start = (usage: object) => JSON.stringify({ type: "message_start", message: { usage } });
const delta = (usage: object) =>
  JSON.stringify({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage });

describe("AnthropicUsageTracker", () => {
  it("keeps cache writes apart by TTL across message_start and a cumulative message_delta", () => {
    const tracker = new AnthropicUsageTracker();
    tracker.read(
      "message_start",
      start({
        input_tokens: 7,
        cache_creation_input_tokens: 1500,
        cache_read_input_tokens: 300,
        cache_creation: { ephemeral_5m_input_tokens: 500, ephemeral_1h_input_tokens: 1000 },
        output_tokens: 1,
      }),
    );
    // newer API versions repeat the totals on message_delta, without the split
    tracker.read(
      "message_delta",
      delta({
        input_tokens: 7,
        cache_creation_input_tokens: 1500,
        cache_read_input_tokens: 300,
        output_tokens: 42,
      }),
    );
    expect(tracker.usage()).toEqual({
      inputTokens: 1807,
      outputTokens: 42,
      cachedInputTokens: 300,
      cacheWrite5mTokens: 500,
      cacheWrite1hTokens: 1000,
    });
  });

  it("counts writes without a split as 5-minute writes", () => {
    const tracker = new AnthropicUsageTracker();
    tracker.read("message_start", start({ input_tokens: 3, cache_creation_input_tokens: 90 }));
    tracker.read("message_delta", delta({ output_tokens: 5 }));
    expect(tracker.usage()).toEqual({
      inputTokens: 93,
      outputTokens: 5,
      cachedInputTokens: 0,
      cacheWrite5mTokens: 90,
    });
  });
});
