import { describe, expect, it } from "vitest";
import { fixtureEvents, type RecordedEvent } from "../fixtures/load";
import { createStreamTranslator } from "./create";
import type { ResponseChain } from "./chain";

/**
 * The stream relay's commit point (issue 14): `contentStarted` turns true at the first content
 * event and not before, so the events ahead of it (role chunk, message_start, ping, the
 * Responses API's created/in_progress/added events) can be held while an early failure still
 * falls back; `upstreamError` tells an error event before content.
 */
const OPTIONS = { clientModel: "m", clientWantsUsage: false };

/** how many events went in before contentStarted turned true (-1: never) */
function commitPoint(chain: ResponseChain, events: readonly RecordedEvent[]): number {
  for (let i = 0; i < events.length; i++) {
    chain.push(events[i]!.event, events[i]!.data);
    if (chain.contentStarted) return i + 1;
  }
  return -1;
}

describe("contentStarted", () => {
  it("OpenAI pass-through: the first non-empty content, not the role chunk", () => {
    const events = fixtureEvents("openai-text-usage");
    expect(events[0]!.data).toContain('"role":"assistant","content":""');
    expect(
      commitPoint(createStreamTranslator("openai", "openai", "chat.completions", OPTIONS), events),
    ).toBe(2);
  });

  it("OpenAI pass-through: a tool call counts as content", () => {
    const events = fixtureEvents("openai-tool-calls");
    const point = commitPoint(
      createStreamTranslator("openai", "openai", "chat.completions", OPTIONS),
      events,
    );
    expect(events[point - 1]!.data).toContain('"tool_calls":[');
  });

  it("Anthropic pass-through: the first delta, after message_start, content_block_start and ping", () => {
    const events = fixtureEvents("anthropic-text");
    const point = commitPoint(
      createStreamTranslator("anthropic", "anthropic", "messages", OPTIONS),
      events,
    );
    expect(events[point - 1]!.event).toBe("content_block_delta");
    expect(events.slice(0, point - 1).map((e) => e.event)).toEqual([
      "message_start",
      "content_block_start",
      "ping",
    ]);
  });

  it("Anthropic pass-through: a tool_use block start counts", () => {
    const events = fixtureEvents("anthropic-tool-use");
    const point = commitPoint(
      createStreamTranslator("anthropic", "anthropic", "messages", OPTIONS),
      events,
    );
    expect(events[point - 1]!.data).toMatch(/"type":"tool_use"|input_json_delta|text_delta/);
  });

  it("Responses pass-through: the first output_text delta", () => {
    const events = fixtureEvents("responses-text");
    const point = commitPoint(
      createStreamTranslator("openai", "openai", "responses", OPTIONS),
      events,
    );
    expect(events[point - 1]!.event).toBe("response.output_text.delta");
  });

  it("translated streams: the parser's first text delta", () => {
    const anthropic = fixtureEvents("anthropic-text");
    const point = commitPoint(
      createStreamTranslator("openai", "anthropic", "chat.completions", OPTIONS),
      anthropic,
    );
    expect(anthropic[point - 1]!.event).toBe("content_block_delta");
    const openai = fixtureEvents("openai-text-usage");
    expect(
      commitPoint(createStreamTranslator("anthropic", "openai", "messages", OPTIONS), openai),
    ).toBe(2);
  });

  it("an error event before content is an upstream error, not content", () => {
    for (const chain of [
      createStreamTranslator("anthropic", "anthropic", "messages", OPTIONS),
      createStreamTranslator("openai", "anthropic", "chat.completions", OPTIONS),
    ]) {
      chain.push("message_start", fixtureEvents("anthropic-text")[0]!.data);
      chain.push(
        "error",
        '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
      );
      expect(chain.contentStarted).toBe(false);
      expect(chain.upstreamError).toBe(true);
    }
    const openai = createStreamTranslator("openai", "openai", "chat.completions", OPTIONS);
    openai.push(undefined, '{"error":{"message":"boom","type":"server_error"}}');
    expect([openai.contentStarted, openai.upstreamError]).toEqual([false, true]);
  });
});
