import { describe, expect, it } from "vitest";
import { clientText, fixtureEvents, fixtureText, pushAll } from "../fixtures/load";
import { createStreamTranslator } from "./create";

const chat = (clientWantsUsage: boolean) =>
  createStreamTranslator("openai", "openai", "chat.completions", {
    clientModel: "fast",
    clientWantsUsage,
  });

function contentOf(text: string): string {
  let content = "";
  for (const line of text.split("\n")) {
    if (!line.startsWith("data: {")) continue;
    const chunk = JSON.parse(line.slice(6)) as {
      choices?: Array<{ delta?: { content?: string } }>;
    };
    content += chunk.choices?.[0]?.delta?.content ?? "";
  }
  return content;
}

describe("openai → openai chat stream pass-through", () => {
  it("forwards every event byte for byte when the client asked for usage", () => {
    const translator = chat(true);
    expect(clientText(translator, fixtureEvents("openai-text-usage"))).toBe(
      fixtureText("openai-text-usage"),
    );
    expect(translator.completed).toBe(true);
    expect(translator.usage()).toEqual({ inputTokens: 19, outputTokens: 10, cachedInputTokens: 3 });
  });

  it("hides the usage-only chunk from a client that did not ask for it, but still captures usage", () => {
    const events = fixtureEvents("openai-text-usage");
    const translator = chat(false);
    const outputs = pushAll(translator, events);
    expect(outputs[5]).toBe("");
    expect(outputs.filter((o, i) => i !== 5)).toEqual(
      events.filter((_, i) => i !== 5).map((e) => `data: ${e.data}\n\n`),
    );
    expect(translator.end()).toBe("");
    expect(translator.usage()).toEqual({ inputTokens: 19, outputTokens: 10, cachedInputTokens: 3 });
    expect(contentOf(outputs.join(""))).toBe('Hello! The "usage": field is here.\n😀');
  });

  it("estimates output tokens as one per delta chunk when the upstream sent no usage", () => {
    const translator = chat(false);
    const text = clientText(translator, fixtureEvents("openai-text-no-usage"));
    expect(text).toBe(fixtureText("openai-text-no-usage"));
    expect(translator.completed).toBe(true);
    expect(translator.usage()).toEqual({ inputTokens: 0, outputTokens: 4, cachedInputTokens: 0 }); // role chunk + 3 content chunks
  });

  it("passes tool-call streams through and counts their delta chunks", () => {
    const translator = chat(false);
    const events = fixtureEvents("openai-tool-calls");
    const text = clientText(translator, events);
    expect(text).not.toContain('"choices":[]');
    expect(translator.usage()).toEqual({ inputTokens: 82, outputTokens: 46, cachedInputTokens: 0 });

    const cut = chat(false);
    pushAll(cut, events.slice(0, 6));
    expect(cut.completed).toBe(false);
    // role chunk, two call headers (the names are generated tokens) and three argument fragments
    expect(cut.usage()).toEqual({ inputTokens: 0, outputTokens: 6, cachedInputTokens: 0 });
  });

  it("reports an abnormal end: not completed, and an OpenAI error event without [DONE]", () => {
    const translator = chat(true);
    pushAll(translator, fixtureEvents("openai-text-usage").slice(0, 3));
    expect(translator.completed).toBe(false);
    expect(translator.error("upstream connection reset")).toBe(
      'data: {"error":{"message":"upstream connection reset","type":"api_error","code":"upstream_stream_error"}}\n\n',
    );
    expect(translator.error("again")).toBe("");
    expect(translator.end()).toBe("");
  });

  it("treats finish_reason as completion even if [DONE] never comes, and closes with [DONE]", () => {
    const translator = chat(true);
    pushAll(translator, fixtureEvents("openai-text-no-usage").slice(0, 5));
    expect(translator.completed).toBe(true);
    expect(translator.end()).toBe("data: [DONE]\n\n");
  });

  it("forwards an upstream error chunk and adds no second error", () => {
    const translator = chat(true);
    const data =
      '{"error":{"message":"The server had an error","type":"server_error","param":null,"code":null}}';
    expect(translator.push(undefined, data)).toBe(`data: ${data}\n\n`);
    expect(translator.error("stream ended")).toBe("");
  });

  it("keeps usage that rides on content chunks (Gemini) visible and takes the last one", () => {
    const translator = chat(false);
    const chunk = (content: string, finish: string | null, completion: number) =>
      `{"choices":[{"delta":{"content":"${content}","role":"assistant"},"finish_reason":${finish === null ? "null" : `"${finish}"`},"index":0}],"created":1754400000,"id":"gEa1aK","model":"gemini-2.5-flash","object":"chat.completion.chunk","usage":{"completion_tokens":${completion},"prompt_tokens":8,"total_tokens":${8 + completion}}}`;
    const a = chunk("Hel", null, 1);
    const b = chunk("lo", "stop", 2);
    expect(translator.push(undefined, a)).toBe(`data: ${a}\n\n`);
    expect(translator.push(undefined, b)).toBe(`data: ${b}\n\n`);
    expect(translator.push(undefined, "[DONE]")).toBe("data: [DONE]\n\n");
    expect(translator.usage()).toEqual({ inputTokens: 8, outputTokens: 2, cachedInputTokens: 0 });
  });

  it("does not mistake a null usage written with spaces for usage", () => {
    const translator = chat(false);
    const data =
      '{"id": "x", "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": null}], "usage": null}';
    expect(translator.push(undefined, data)).toBe(`data: ${data}\n\n`);
    expect(translator.completed).toBe(false);
    expect(translator.usage()).toEqual({ inputTokens: 0, outputTokens: 1, cachedInputTokens: 0 });
    const usageOnly =
      '{"id": "x", "choices": [], "usage": {"prompt_tokens": 4, "completion_tokens": 1, "total_tokens": 5}}';
    expect(translator.push(undefined, usageOnly)).toBe("");
    expect(translator.usage()).toEqual({ inputTokens: 4, outputTokens: 1, cachedInputTokens: 0 });
  });
});

describe("openai → openai completions stream pass-through", () => {
  it("hides the usage chunk and counts text deltas", () => {
    const translator = createStreamTranslator("openai", "openai", "completions", {
      clientModel: "instruct",
      clientWantsUsage: false,
    });
    const events = [
      '{"id":"cmpl-1","object":"text_completion","created":1,"choices":[{"text":"Once","index":0,"logprobs":null,"finish_reason":null}],"model":"gpt-3.5-turbo-instruct","usage":null}',
      '{"id":"cmpl-1","object":"text_completion","created":1,"choices":[{"text":" upon","index":0,"logprobs":null,"finish_reason":null}],"model":"gpt-3.5-turbo-instruct","usage":null}',
      '{"id":"cmpl-1","object":"text_completion","created":1,"choices":[{"text":"","index":0,"logprobs":null,"finish_reason":"length"}],"model":"gpt-3.5-turbo-instruct","usage":null}',
      '{"id":"cmpl-1","object":"text_completion","created":1,"choices":[],"model":"gpt-3.5-turbo-instruct","usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}',
      "[DONE]",
    ];
    const outputs = events.map((data) => translator.push(undefined, data));
    expect(outputs[3]).toBe("");
    expect(outputs[0]).toBe(`data: ${events[0]}\n\n`);
    expect(outputs[4]).toBe("data: [DONE]\n\n");
    expect(translator.completed).toBe(true);
    expect(translator.usage()).toEqual({ inputTokens: 3, outputTokens: 2, cachedInputTokens: 0 });
  });
});
