import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { clientEvents, clientText, fixtureEvents, pushAll } from "../fixtures/load";
import { createStreamTranslator } from "./create";

const CREATED = 1754400000;
const toOpenai = (clientWantsUsage: boolean) =>
  createStreamTranslator("openai", "anthropic", "chat.completions", {
    clientModel: "smart",
    clientWantsUsage,
  });

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(CREATED * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

describe("anthropic → openai stream", () => {
  const prefix = `{"id":"chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL","object":"chat.completion.chunk","created":${CREATED},"model":"smart","choices":[{"index":0,"delta":`;
  const chunk = (delta: string, finish = "null") =>
    `data: ${prefix}${delta},"logprobs":null,"finish_reason":${finish}}]}\n\n`;

  it("emits OpenAI chunks for a text stream, event by event", () => {
    const translator = toOpenai(true);
    const outputs = pushAll(translator, fixtureEvents("anthropic-text"));
    expect(outputs).toEqual([
      chunk('{"role":"assistant","content":""}'),
      "",
      "",
      chunk('{"content":"Hello"}'),
      chunk('{"content":"! Say \\"café\\" \\\\ "}'),
      chunk('{"content":"twice.\\nDone 🎉"}'),
      "",
      chunk("{}", '"stop"'),
      `data: {"id":"chatcmpl-msg_01XFDUDYJgAACzvnptvVoYEL","object":"chat.completion.chunk","created":${CREATED},"model":"smart","choices":[],"usage":{"prompt_tokens":40,"completion_tokens":12,"total_tokens":52,"prompt_tokens_details":{"cached_tokens":10}}}\n\n` +
        "data: [DONE]\n\n",
    ]);
    expect(translator.end()).toBe("");
    expect(translator.completed).toBe(true);
    expect(translator.usage()).toEqual({
      inputTokens: 40,
      outputTokens: 12,
      cachedInputTokens: 10,
      cacheWrite5mTokens: 5,
    });

    const text = clientEvents(outputs.join(""))
      .map(
        (e) =>
          (e.data as { choices?: Array<{ delta: { content?: string } }> }).choices?.[0]?.delta
            .content ?? "",
      )
      .join("");
    expect(text).toBe('Hello! Say "café" \\ twice.\nDone 🎉');
  });

  it("leaves the usage chunk out when the client did not ask for it", () => {
    const outputs = pushAll(toOpenai(false), fixtureEvents("anthropic-text"));
    expect(outputs[8]).toBe("data: [DONE]\n\n");
  });

  it("emits tool_calls deltas: id and name first, then argument fragments", () => {
    const translator = toOpenai(false);
    const events = clientEvents(clientText(translator, fixtureEvents("anthropic-tool-use")));
    const deltas = events
      .filter((e) => e.data !== "[DONE]")
      .map(
        (e) =>
          (e.data as { choices: Array<{ delta: unknown; finish_reason: unknown }> }).choices[0],
      );
    expect(deltas).toEqual([
      { index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null },
      { index: 0, delta: { content: "Okay" }, logprobs: null, finish_reason: null },
      {
        index: 0,
        delta: { content: ", let me check the weather." },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: {
          tool_calls: [
            {
              index: 0,
              id: "toolu_01T1x1fJ34qAmk2tNTrN7Up6",
              type: "function",
              function: { name: "get_weather", arguments: "" },
            },
          ],
        },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: '{"location":' } }] },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: { tool_calls: [{ index: 0, function: { arguments: ' "San Fra' } }] },
        logprobs: null,
        finish_reason: null,
      },
      {
        index: 0,
        delta: {
          tool_calls: [{ index: 0, function: { arguments: 'ncisco, CA", "unit": "fahrenheit"}' } }],
        },
        logprobs: null,
        finish_reason: null,
      },
      { index: 0, delta: {}, logprobs: null, finish_reason: "tool_calls" },
    ]);
    expect(events.at(-1)!.data).toBe("[DONE]");
    const args = deltas
      .map(
        (d) =>
          (d as { delta: { tool_calls?: Array<{ function: { arguments: string } }> } }).delta
            .tool_calls?.[0]?.function.arguments ?? "",
      )
      .join("");
    expect(JSON.parse(args)).toEqual({ location: "San Francisco, CA", unit: "fahrenheit" });
    expect(translator.usage()).toEqual({
      inputTokens: 472,
      outputTokens: 89,
      cachedInputTokens: 0,
    });
  });

  it("numbers several tool calls 0, 1, … whatever their block index", () => {
    const translator = toOpenai(false);
    translator.push(
      "message_start",
      '{"type":"message_start","message":{"id":"msg_x","usage":{"input_tokens":1,"output_tokens":1}}}',
    );
    const start = (index: number, id: string) =>
      translator.push(
        "content_block_start",
        `{"type":"content_block_start","index":${index},"content_block":{"type":"tool_use","id":"${id}","name":"f","input":{}}}`,
      );
    const frag = (index: number) =>
      translator.push(
        "content_block_delta",
        `{"type":"content_block_delta","index":${index},"delta":{"type":"input_json_delta","partial_json":"{}"}}`,
      );
    expect(start(1, "toolu_a")).toContain('"tool_calls":[{"index":0,"id":"toolu_a"');
    expect(frag(1)).toContain('"tool_calls":[{"index":0,"function":{"arguments":"{}"}}]');
    expect(start(2, "toolu_b")).toContain('"tool_calls":[{"index":1,"id":"toolu_b"');
    expect(frag(2)).toContain('"tool_calls":[{"index":1,"function":{"arguments":"{}"}}]');
  });

  it("skips thinking deltas and parses deltas in an unusual key order", () => {
    const translator = toOpenai(false);
    expect(
      translator.push(
        "content_block_delta",
        '{"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"hmm"}}',
      ),
    ).toBe("");
    expect(
      translator.push(
        "content_block_delta",
        '{"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQB"}}',
      ),
    ).toBe("");
    // thinking tokens are billed: they count toward the estimate
    expect(translator.usage().outputTokens).toBe(1);
    expect(
      translator.push(
        "content_block_delta",
        '{"index":0,"delta":{"text":"Hi","type":"text_delta"},"type":"content_block_delta"}',
      ),
    ).toContain('"delta":{"content":"Hi"}');
  });

  it("is not completed when cut, estimates output, and writes one OpenAI error without [DONE]", () => {
    const translator = toOpenai(true);
    pushAll(translator, fixtureEvents("anthropic-text").slice(0, 5));
    expect(translator.completed).toBe(false);
    expect(translator.usage()).toEqual({
      inputTokens: 40,
      outputTokens: 2,
      cachedInputTokens: 10,
      cacheWrite5mTokens: 5,
    });
    expect(translator.error("upstream connection reset")).toBe(
      'data: {"error":{"message":"upstream connection reset","type":"api_error","code":"upstream_stream_error"}}\n\n',
    );
    expect(translator.end()).toBe("");
  });

  it("translates an upstream error event and adds no second error", () => {
    const translator = toOpenai(false);
    const out = translator.push(
      "error",
      '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
    );
    expect(out).toBe(
      'data: {"error":{"message":"Overloaded","type":"overloaded_error","code":"overloaded_error"}}\n\n',
    );
    expect(translator.error("ended")).toBe("");
    expect(translator.completed).toBe(false);
  });
});
