import { describe, expect, it } from "vitest";
import { clientText, fixtureEvents, fixtureText, pushAll } from "../fixtures/load";
import { createStreamTranslator } from "./create";

const messages = () =>
  createStreamTranslator("anthropic", "anthropic", "messages", {
    clientModel: "claude",
    clientWantsUsage: false,
  });

describe("anthropic → anthropic stream pass-through", () => {
  it("forwards the text stream unchanged with usage from message_start + message_delta", () => {
    const translator = messages();
    const text = clientText(translator, fixtureEvents("anthropic-text"));
    // the fixture's ping is written `{"type": "ping"}`; everything is forwarded as received
    expect(text).toBe(fixtureText("anthropic-text"));
    expect(translator.completed).toBe(true);
    // input = 25 + 10 cache reads + 5 cache writes
    expect(translator.usage()).toEqual({
      inputTokens: 40,
      outputTokens: 12,
      cachedInputTokens: 10,
      cacheWrite5mTokens: 5,
    });
  });

  it("forwards the tool_use stream unchanged", () => {
    const translator = messages();
    expect(clientText(translator, fixtureEvents("anthropic-tool-use"))).toBe(
      fixtureText("anthropic-tool-use"),
    );
    expect(translator.usage()).toEqual({
      inputTokens: 472,
      outputTokens: 89,
      cachedInputTokens: 0,
    });
  });

  it("is not completed without message_stop, estimates output from deltas and sends an Anthropic error", () => {
    const translator = messages();
    pushAll(translator, fixtureEvents("anthropic-tool-use").slice(0, 10));
    expect(translator.completed).toBe(false);
    expect(translator.usage()).toEqual({ inputTokens: 472, outputTokens: 4, cachedInputTokens: 0 });
    expect(translator.error("upstream connection reset")).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"upstream connection reset"}}\n\n',
    );
    expect(translator.error("again")).toBe("");
  });

  it("names events that arrived without an event line, and lets an upstream error stand", () => {
    const translator = messages();
    expect(translator.push(undefined, '{"type":"message_stop"}')).toBe(
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    );
    const error = '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    expect(translator.push("error", error)).toBe(`event: error\ndata: ${error}\n\n`);
    expect(translator.error("x")).toBe("");
  });

  it("takes cumulative input counters from message_delta when present", () => {
    const translator = messages();
    translator.push(
      "message_start",
      '{"type":"message_start","message":{"id":"m","usage":{"input_tokens":10,"output_tokens":1}}}',
    );
    translator.push(
      "message_delta",
      '{"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"input_tokens":12,"cache_read_input_tokens":4,"output_tokens":30}}',
    );
    expect(translator.usage()).toEqual({ inputTokens: 16, outputTokens: 30, cachedInputTokens: 4 });
  });
});
