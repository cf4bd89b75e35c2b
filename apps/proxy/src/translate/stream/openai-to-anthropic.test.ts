import { describe, expect, it } from "vitest";
import { clientEvents, clientText, fixtureEvents, pushAll } from "../fixtures/load";
import { createStreamTranslator } from "./create";

const toAnthropic = () =>
  createStreamTranslator("anthropic", "openai", "messages", {
    clientModel: "claude-alias",
    clientWantsUsage: false,
  });

const ev = (event: string, data: string) => `event: ${event}\ndata: ${data}\n\n`;

describe("openai → anthropic stream", () => {
  it("emits the Anthropic event sequence for a text stream, event by event", () => {
    const translator = toAnthropic();
    const outputs = pushAll(translator, fixtureEvents("openai-text-usage"));
    const delta = (text: string) =>
      ev(
        "content_block_delta",
        `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(text)}}}`,
      );
    expect(outputs).toEqual([
      ev(
        "message_start",
        '{"type":"message_start","message":{"id":"msg_C1x9ZkQ3aLx","type":"message","role":"assistant","model":"claude-alias","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":0,"output_tokens":0}}}',
      ),
      ev(
        "content_block_start",
        '{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}',
      ) + delta("Hello"),
      delta('! The "usage": field'),
      delta(" is here.\n😀"),
      ev("content_block_stop", '{"type":"content_block_stop","index":0}'),
      "",
      ev(
        "message_delta",
        '{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"input_tokens":16,"cache_read_input_tokens":3,"output_tokens":10}}',
      ) + ev("message_stop", '{"type":"message_stop"}'),
    ]);
    expect(translator.end()).toBe("");
    expect(translator.completed).toBe(true);
    expect(translator.usage()).toEqual({ inputTokens: 19, outputTokens: 10, cachedInputTokens: 3 });

    const text = clientEvents(outputs.join(""))
      .map((e) => (e.data as { delta?: { text?: string } }).delta?.text ?? "")
      .join("");
    expect(text).toBe('Hello! The "usage": field is here.\n😀');
  });

  it("emits one tool_use block per call with input_json_delta fragments", () => {
    const translator = toAnthropic();
    const events = clientEvents(clientText(translator, fixtureEvents("openai-tool-calls")));
    expect(events.map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(events[1]!.data).toEqual({
      type: "content_block_start",
      index: 0,
      content_block: {
        type: "tool_use",
        id: "call_DdmO9pD3xa9XTPNJ32zg2hcA",
        name: "get_weather",
        input: {},
      },
    });
    expect(events[5]!.data).toEqual({
      type: "content_block_start",
      index: 1,
      content_block: {
        type: "tool_use",
        id: "call_fLsKR5vGllhbWxvpqsDT3jBj",
        name: "get_time",
        input: {},
      },
    });
    const fragments = (index: number) =>
      events
        .filter(
          (e) => e.event === "content_block_delta" && (e.data as { index: number }).index === index,
        )
        .map((e) => (e.data as { delta: { type: string; partial_json: string } }).delta)
        .map((d) => (expect(d.type).toBe("input_json_delta"), d.partial_json))
        .join("");
    expect(JSON.parse(fragments(0))).toEqual({ location: "Paris" });
    expect(JSON.parse(fragments(1))).toEqual({ tz: "Europe/Paris" });
    expect(events[8]!.data).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 82, cache_read_input_tokens: 0, output_tokens: 46 },
    });
    expect(translator.completed).toBe(true);
  });

  it("closes the text block before a tool call that follows text", () => {
    const translator = toAnthropic();
    const out =
      translator.push(
        undefined,
        '{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"role":"assistant","content":"Let me look."},"finish_reason":null}]}',
      ) +
      translator.push(
        undefined,
        '{"id":"chatcmpl-1","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":null}]}',
      ) +
      translator.push(
        undefined,
        '{"id":"chatcmpl-1","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}',
      ) +
      translator.push(undefined, "[DONE]");
    const events = clientEvents(out);
    expect(events.map((e) => [e.event, (e.data as { index?: number }).index])).toEqual([
      ["message_start", undefined],
      ["content_block_start", 0],
      ["content_block_delta", 0],
      ["content_block_stop", 0],
      ["content_block_start", 1],
      ["content_block_delta", 1],
      ["content_block_stop", 1],
      ["message_delta", undefined],
      ["message_stop", undefined],
    ]);
    // no usage chunk arrived: output estimated from the two deltas, no input counters claimed
    expect((events[7]!.data as { usage: unknown }).usage).toEqual({ output_tokens: 2 });
  });

  it("maps length to max_tokens and finishes on a clean end without [DONE]", () => {
    const translator = toAnthropic();
    translator.push(
      undefined,
      '{"id":"chatcmpl-2","choices":[{"index":0,"delta":{"content":"abc"},"finish_reason":null}]}',
    );
    translator.push(
      undefined,
      '{"id":"chatcmpl-2","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}',
    );
    expect(translator.completed).toBe(true);
    const end = clientEvents(translator.end());
    expect(end.map((e) => e.event)).toEqual(["message_delta", "message_stop"]);
    expect((end[0]!.data as { delta: { stop_reason: string } }).delta.stop_reason).toBe(
      "max_tokens",
    );
    expect(translator.end()).toBe("");
  });

  it("is not completed when cut, and writes one Anthropic error event", () => {
    const translator = toAnthropic();
    pushAll(translator, fixtureEvents("openai-tool-calls").slice(0, 4));
    expect(translator.completed).toBe(false);
    expect(translator.usage()).toEqual({ inputTokens: 0, outputTokens: 2, cachedInputTokens: 0 });
    expect(translator.error("upstream connection reset")).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"upstream connection reset"}}\n\n',
    );
    expect(translator.error("again")).toBe("");
    expect(translator.end()).toBe("");
  });

  it("gives the same text whether a chunk is spliced (OpenAI's shape) or parsed (other shapes)", () => {
    const content = 'quote " backslash \\ unicode \u00e9 newline \n tab \t brace } end';
    const literal = JSON.stringify(content);
    const spliced = toAnthropic();
    const parsed = toAnthropic();
    spliced.push(
      undefined,
      '{"id":"chatcmpl-3","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
    );
    parsed.push(
      undefined,
      '{"id":"chatcmpl-3","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}',
    );
    const a = spliced.push(
      undefined,
      `{"id":"chatcmpl-3","choices":[{"index":0,"delta":{"content":${literal}},"logprobs":null,"finish_reason":null}],"usage":null}`,
    );
    const b = parsed.push(
      undefined,
      `{"id": "chatcmpl-3", "choices": [{"index": 0, "delta": {"content": ${literal}}, "finish_reason": null}]}`,
    );
    const text = (out: string) =>
      (clientEvents(out).at(-1)!.data as { delta: { text: string } }).delta.text;
    expect(text(a)).toBe(content);
    expect(text(b)).toBe(content);
  });

  it("translates an upstream error chunk", () => {
    const translator = toAnthropic();
    expect(
      translator.push(
        undefined,
        '{"error":{"message":"The server had an error","type":"server_error"}}',
      ),
    ).toBe(
      'event: error\ndata: {"type":"error","error":{"type":"api_error","message":"The server had an error"}}\n\n',
    );
    expect(translator.error("x")).toBe("");
    expect(translator.push(undefined, "[DONE]")).toBe("");
    expect(translator.end()).toBe("");
  });
});
