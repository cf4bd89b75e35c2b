import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ResponseEvent } from "../events";
import { deltaText, textDelta } from "../events";
import { fixtureEvents, fixtureText } from "../fixtures/load";
import { createSseSplitter } from "../sse";
import type { WireFormat } from "../types";
import { AnthropicStreamParser } from "./anthropic-parser";
import { AnthropicSerialiser } from "./anthropic-serialiser";
import type { EventSink, ResponseTransform } from "./chain-types";
import { createResponseChain } from "./create";
import { OpenaiChatStreamParser } from "./openai-chat-parser";
import { OpenaiChatSerialiser } from "./openai-chat-serialiser";

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(1754400000 * 1000);
});
afterEach(() => {
  vi.useRealTimers();
});

const options = { clientModel: "smart", clientWantsUsage: true };

function parse(
  parser: { push: (e: string | undefined, d: string, emit: EventSink) => void },
  fixture: string,
) {
  const events: ResponseEvent[] = [];
  for (const e of fixtureEvents(fixture)) parser.push(e.event, e.data, (ev) => events.push(ev));
  return events;
}

describe("parsers: one upstream format → typed events", () => {
  it("Anthropic: start, text deltas as raw literals, usage, finish, done", () => {
    const events = parse(new AnthropicStreamParser(), "anthropic-text");
    const types = events.map((e) => e.type);
    expect(types[0]).toBe("message_start");
    expect(types.slice(-3)).toEqual(["finish", "usage", "done"]);
    const text = events
      .filter((e) => e.type === "text_delta")
      .map((e) => deltaText(e as { type: "text_delta"; json: string }))
      .join("");
    expect(text).toBe('Hello! Say "café" \\ twice.\nDone 🎉');
    expect(events.find((e) => e.type === "finish")).toEqual({ type: "finish", reason: "stop" });
  });

  it("Anthropic tool use: a numbered tool call and its argument fragments", () => {
    const events = parse(new AnthropicStreamParser(), "anthropic-tool-use");
    const start = events.find((e) => e.type === "tool_call_start");
    expect(start).toMatchObject({ type: "tool_call_start", index: 0 });
    const args = events
      .filter((e) => e.type === "tool_call_delta")
      .map((e) => deltaText(e as { type: "tool_call_delta"; json: string; index: number }))
      .join("");
    expect(() => JSON.parse(args)).not.toThrow();
    expect(events.find((e) => e.type === "finish")).toEqual({
      type: "finish",
      reason: "tool_calls",
    });
  });

  it("OpenAI: tool calls, finish, the reported usage, done", () => {
    const events = parse(new OpenaiChatStreamParser(), "openai-tool-calls");
    expect(events[0]!.type).toBe("message_start");
    expect(events.some((e) => e.type === "tool_call_start")).toBe(true);
    expect(events.at(-1)).toEqual({ type: "done" });
    const usage = events.filter((e) => e.type === "usage").at(-1);
    expect(usage).toMatchObject({ type: "usage" });
    expect((usage as { estimated?: boolean }).estimated).toBeUndefined();
  });

  it("OpenAI without a usage chunk: the final usage is flagged as an estimate", () => {
    const events = parse(new OpenaiChatStreamParser(), "openai-text-no-usage");
    const usage = events.filter((e) => e.type === "usage").at(-1) as {
      estimated?: boolean;
      usage: { outputTokens: number };
    };
    expect(usage.estimated).toBe(true);
    expect(usage.usage.outputTokens).toBeGreaterThan(0);
  });
});

describe("serialisers: typed events → one client format", () => {
  const script: ResponseEvent[] = [
    { type: "message_start", id: "msg_1" },
    textDelta("Hi "),
    textDelta("there"),
    { type: "tool_call_start", index: 0, id: "call_1", name: "lookup" },
    { type: "tool_call_delta", index: 0, json: JSON.stringify('{"q":') },
    { type: "tool_call_delta", index: 0, json: JSON.stringify('"x"}') },
    { type: "finish", reason: "tool_calls" },
    { type: "usage", usage: { inputTokens: 9, outputTokens: 4, cachedInputTokens: 0 } },
    { type: "done" },
  ];

  it("OpenAI chat chunks: content, tool call, finish_reason, usage chunk, [DONE]", () => {
    const serialiser = new OpenaiChatSerialiser(options);
    const text = script.map((e) => serialiser.write(e)).join("") + serialiser.end();
    const chunks = text
      .split("\n\n")
      .filter(Boolean)
      .map((line) => line.replace(/^data: /, ""));
    expect(chunks.at(-1)).toBe("[DONE]");
    const parsed = chunks.slice(0, -1).map((c) => JSON.parse(c));
    expect(parsed[0].id).toBe("chatcmpl-msg_1");
    expect(parsed.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("Hi there");
    expect(parsed.find((c) => c.choices[0]?.finish_reason)?.choices[0].finish_reason).toBe(
      "tool_calls",
    );
    expect(parsed.at(-1).usage).toMatchObject({ prompt_tokens: 9, completion_tokens: 4 });
  });

  it("Anthropic events: blocks opened and closed around text and tool input, then message_delta", () => {
    const serialiser = new AnthropicSerialiser(options);
    const text = script.map((e) => serialiser.write(e)).join("") + serialiser.end();
    const names = [...text.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
    expect(names).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "content_block_start",
      "content_block_delta",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
    expect(text).toContain('"stop_reason":"tool_use"');
  });

  it("an error after some text is an error event, never a clean end", () => {
    for (const serialiser of [
      new OpenaiChatSerialiser(options),
      new AnthropicSerialiser(options),
    ]) {
      const text = serialiser.write(textDelta("partial")) + serialiser.error("upstream went away");
      expect(text).toContain("upstream went away");
      expect(serialiser.end()).toBe("");
      expect(text).not.toContain("[DONE]");
      expect(text).not.toContain("message_stop");
    }
  });
});

/** Feeds `wire` to a fresh chain in two chunks split at byte `at`, as the relay does. */
function relayed(
  client: WireFormat,
  upstream: WireFormat,
  wire: Buffer,
  at: number,
  transforms: readonly ResponseTransform[] = [],
): string {
  const endpoint = client === "anthropic" ? "messages" : "chat.completions";
  const chain = createResponseChain(client, upstream, endpoint, options, transforms);
  let out = "";
  const splitter = createSseSplitter((event, data) => {
    out += chain.push(event, data);
  });
  splitter.feed(wire.subarray(0, at));
  splitter.feed(wire.subarray(at));
  splitter.flush();
  return out + chain.end();
}

describe("the chain over a stream split at every byte boundary", () => {
  const cases: Array<[WireFormat, WireFormat, string]> = [
    ["openai", "anthropic", "anthropic-text"],
    ["openai", "anthropic", "anthropic-tool-use"],
    ["anthropic", "openai", "openai-text-usage"],
    ["anthropic", "openai", "openai-tool-calls"],
    ["openai", "openai", "openai-text-usage"],
    ["anthropic", "anthropic", "anthropic-text"],
  ];
  for (const [client, upstream, fixture] of cases) {
    it(`${upstream} → ${client} (${fixture}): the same client text wherever the chunk boundary falls`, () => {
      const wire = Buffer.from(fixtureText(fixture), "utf8");
      const whole = relayed(client, upstream, wire, wire.length);
      expect(whole.length).toBeGreaterThan(0);
      for (let at = 1; at < wire.length; at++) {
        expect(relayed(client, upstream, wire, at)).toBe(whole);
      }
    });
  }

  it("a content transform sees typed events even when the formats match, and can change them", () => {
    const upper: ResponseTransform = {
      needsContent: true,
      event(event, next) {
        next(event.type === "text_delta" ? textDelta(deltaText(event).toUpperCase()) : event);
      },
    };
    const wire = Buffer.from(fixtureText("anthropic-text"), "utf8");
    const out = relayed("anthropic", "anthropic", wire, wire.length, [upper]);
    expect(out).toContain("HELLO");
    expect(out).not.toContain("Hello");
    expect(out).toContain("event: message_stop");
  });

  it("transforms see the final usage once, and every piece of output, in order", () => {
    const seen: string[] = [];
    let usages = 0;
    const watcher: ResponseTransform = {
      needsContent: false,
      event(event, next) {
        if (event.type === "usage") usages++;
        next(event);
      },
      output(text) {
        seen.push(String(text));
      },
    };
    const wire = Buffer.from(fixtureText("openai-text-usage"), "utf8");
    const out = relayed("openai", "openai", wire, wire.length, [watcher]);
    expect(seen.join("")).toBe(out);
    expect(usages).toBe(1);
  });
});
