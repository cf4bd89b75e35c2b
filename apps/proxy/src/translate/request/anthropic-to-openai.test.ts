import { describe, expect, it } from "vitest";
import { TranslationError } from "../errors";
import { anthropicToOpenaiChat } from "./anthropic-to-openai";

const translate = (body: Record<string, unknown>) =>
  anthropicToOpenaiChat(body, "gpt-4o-2024-08-06");

describe("anthropicToOpenaiChat", () => {
  it("translates a plain request with system string, stop sequences and sampling", () => {
    expect(
      translate({
        model: "claude-alias",
        max_tokens: 1024,
        system: "Be brief.",
        messages: [{ role: "user", content: "Hello" }],
        stop_sequences: ["\n\nHuman:"],
        temperature: 0.2,
        top_p: 0.8,
        top_k: 40,
        stream: true,
        metadata: { user_id: "u-1" },
      }),
    ).toEqual({
      model: "gpt-4o-2024-08-06",
      messages: [
        { role: "system", content: "Be brief." },
        { role: "user", content: "Hello" },
      ],
      max_tokens: 1024,
      stop: ["\n\nHuman:"],
      temperature: 0.2,
      top_p: 0.8,
      stream: true,
      user: "u-1",
    });
  });

  it("turns system text blocks into system messages", () => {
    const out = translate({
      max_tokens: 10,
      system: [
        { type: "text", text: "Part one.", cache_control: { type: "ephemeral" } },
        { type: "text", text: "Part two." },
      ],
      messages: [{ role: "user", content: "x" }],
    });
    expect(out.messages).toEqual([
      { role: "system", content: "Part one." },
      { role: "system", content: "Part two." },
      { role: "user", content: "x" },
    ]);
  });

  it("translates tool_use, tool_result (before the turn's text) and images", () => {
    const out = translate({
      max_tokens: 100,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this image, and the weather?" },
            {
              type: "image",
              source: { type: "base64", media_type: "image/jpeg", data: "/9j/4AAQ" },
            },
            { type: "image", source: { type: "url", url: "https://example.com/b.png" } },
          ],
        },
        {
          role: "assistant",
          content: [
            { type: "thinking", thinking: "hmm", signature: "sig" },
            { type: "text", text: "Let me look." },
            { type: "tool_use", id: "toolu_01", name: "get_weather", input: { location: "Paris" } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_01", content: "18°C", is_error: false },
            { type: "text", text: "And tomorrow?" },
          ],
        },
      ],
      tools: [
        {
          name: "get_weather",
          description: "Weather",
          input_schema: { type: "object", properties: { location: { type: "string" } } },
        },
      ],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
    });
    expect(out.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "What is in this image, and the weather?" },
          { type: "image_url", image_url: { url: "data:image/jpeg;base64,/9j/4AAQ" } },
          { type: "image_url", image_url: { url: "https://example.com/b.png" } },
        ],
      },
      {
        role: "assistant",
        content: "Let me look.",
        tool_calls: [
          {
            id: "toolu_01",
            type: "function",
            function: { name: "get_weather", arguments: '{"location":"Paris"}' },
          },
        ],
      },
      { role: "tool", tool_call_id: "toolu_01", content: "18°C" },
      { role: "user", content: "And tomorrow?" },
    ]);
    expect(out.tools).toEqual([
      {
        type: "function",
        function: {
          name: "get_weather",
          description: "Weather",
          parameters: { type: "object", properties: { location: { type: "string" } } },
        },
      },
    ]);
    expect(out.tool_choice).toBe("required");
    expect(out.parallel_tool_calls).toBe(false);
  });

  it("gives an assistant turn with only tool calls null content", () => {
    const out = translate({
      max_tokens: 10,
      messages: [
        { role: "user", content: "x" },
        { role: "assistant", content: [{ type: "tool_use", id: "t1", name: "f", input: {} }] },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "t1", content: [{ type: "text", text: "ok" }] },
          ],
        },
      ],
    });
    expect(out.messages).toEqual([
      { role: "user", content: "x" },
      {
        role: "assistant",
        content: null,
        tool_calls: [{ id: "t1", type: "function", function: { name: "f", arguments: "{}" } }],
      },
      { role: "tool", tool_call_id: "t1", content: [{ type: "text", text: "ok" }] },
    ]);
  });

  it("maps every tool_choice", () => {
    const base = {
      max_tokens: 1,
      messages: [{ role: "user", content: "x" }],
      tools: [{ name: "f", input_schema: { type: "object" } }],
    };
    expect(translate({ ...base, tool_choice: { type: "auto" } }).tool_choice).toBe("auto");
    expect(translate({ ...base, tool_choice: { type: "none" } }).tool_choice).toBe("none");
    expect(translate({ ...base, tool_choice: { type: "tool", name: "f" } }).tool_choice).toEqual({
      type: "function",
      function: { name: "f" },
    });
  });

  it("rejects what OpenAI-format models cannot take", () => {
    expect(() =>
      translate({
        max_tokens: 1,
        messages: [{ role: "user", content: "x" }],
        tools: [{ type: "web_search_20250305", name: "web_search" }],
      }),
    ).toThrow(TranslationError);
    expect(() =>
      translate({
        max_tokens: 1,
        messages: [
          {
            role: "user",
            content: [
              { type: "tool_result", tool_use_id: "t", content: [{ type: "image", source: {} }] },
            ],
          },
        ],
      }),
    ).toThrow(/only text can be returned from a tool/);
    expect(() =>
      translate({ max_tokens: 1, messages: [{ role: "system", content: "x" }] }),
    ).toThrow(TranslationError);
  });
});
