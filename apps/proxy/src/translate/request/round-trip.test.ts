import { describe, expect, it } from "vitest";
import { anthropicToOpenaiChat } from "./anthropic-to-openai";
import { openaiChatToAnthropic } from "./openai-to-anthropic";

describe("request round trips", () => {
  it("openai → anthropic → openai keeps the conversation, tools and parameters", () => {
    const original = {
      model: "gpt-4o",
      messages: [
        { role: "system", content: "You are a weather bot." },
        {
          role: "user",
          content: [
            { type: "text", text: "Weather here?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } },
          ],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"location":"Oslo"}' },
            },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "-3°C, snow" },
        { role: "assistant", content: "It is -3°C and snowing in Oslo." },
        { role: "user", content: "Thanks" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Weather at a place",
            parameters: { type: "object", properties: { location: { type: "string" } } },
          },
        },
      ],
      tool_choice: { type: "function", function: { name: "get_weather" } },
      max_tokens: 300,
      temperature: 0.5,
      stop: ["STOP"],
      stream: true,
      user: "u-9",
    };
    const back = anthropicToOpenaiChat(
      openaiChatToAnthropic(original, "claude-x", { maxTokens: 1 }),
      "gpt-4o",
    );
    expect(back).toEqual(original);
  });

  it("anthropic → openai → anthropic keeps the conversation", () => {
    const original = {
      model: "claude-x",
      max_tokens: 512,
      system: "Be brief.",
      messages: [
        { role: "user", content: "Hi" },
        {
          role: "assistant",
          content: [
            { type: "text", text: "Calling." },
            { type: "tool_use", id: "toolu_1", name: "lookup", input: { q: "x", n: 2 } },
          ],
        },
        {
          role: "user",
          content: [
            { type: "tool_result", tool_use_id: "toolu_1", content: "found" },
            { type: "text", text: "and?" },
          ],
        },
      ],
      tools: [
        {
          name: "lookup",
          description: "Look up",
          input_schema: { type: "object", properties: { q: { type: "string" } } },
        },
      ],
      tool_choice: { type: "auto" },
      stop_sequences: ["###"],
      stream: true,
    };
    const back = openaiChatToAnthropic(anthropicToOpenaiChat(original, "gpt-4o"), "claude-x", {
      maxTokens: 1,
    });
    expect(back).toEqual(original);
  });
});
