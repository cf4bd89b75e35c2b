import { describe, expect, it } from "vitest";
import { GatewayError } from "../../errors";
import { TranslationError } from "../errors";
import { openaiChatToAnthropic } from "./openai-to-anthropic";

const defaults = { maxTokens: 4096 };
const translate = (body: Record<string, unknown>) =>
  openaiChatToAnthropic(body, "claude-sonnet-4-5-20250929", defaults);

function translationError(body: Record<string, unknown>): TranslationError {
  try {
    translate(body);
  } catch (error) {
    expect(error).toBeInstanceOf(TranslationError);
    return error as TranslationError;
  }
  throw new Error("expected a TranslationError");
}

describe("openaiChatToAnthropic", () => {
  it("translates a plain chat with system prompt, defaults and sampling params", () => {
    expect(
      translate({
        model: "smart",
        messages: [
          { role: "system", content: "You are terse." },
          { role: "user", content: "Hi" },
        ],
        temperature: 0.3,
        top_p: 0.9,
        stream: true,
        stream_options: { include_usage: true },
        user: "user-42",
        n: 1,
        presence_penalty: 0.5,
        frequency_penalty: 0.1,
        logprobs: false,
        seed: 7,
      }),
    ).toEqual({
      model: "claude-sonnet-4-5-20250929",
      max_tokens: 4096,
      system: "You are terse.",
      messages: [{ role: "user", content: "Hi" }],
      temperature: 0.3,
      top_p: 0.9,
      stream: true,
      metadata: { user_id: "user-42" },
    });
  });

  it("prefers max_completion_tokens, then max_tokens, then the default", () => {
    const messages = [{ role: "user", content: "x" }];
    expect(translate({ messages, max_tokens: 100 }).max_tokens).toBe(100);
    expect(translate({ messages, max_tokens: 100, max_completion_tokens: 200 }).max_tokens).toBe(
      200,
    );
    expect(translate({ messages, max_tokens: null }).max_tokens).toBe(4096);
    expect(translationError({ messages, max_tokens: -1 }).param).toBe("max_tokens");
  });

  it("collects several system and developer messages into system blocks", () => {
    const out = translate({
      messages: [
        { role: "system", content: "Rule one." },
        { role: "developer", content: [{ type: "text", text: "Rule two." }] },
        { role: "user", content: "Go" },
      ],
    });
    expect(out.system).toEqual([
      { type: "text", text: "Rule one." },
      { type: "text", text: "Rule two." },
    ]);
  });

  it("maps stop as a string or an array to stop_sequences", () => {
    const messages = [{ role: "user", content: "x" }];
    expect(translate({ messages, stop: "END" }).stop_sequences).toEqual(["END"]);
    expect(translate({ messages, stop: ["a", "b"] }).stop_sequences).toEqual(["a", "b"]);
    expect(translate({ messages, stop: null }).stop_sequences).toBeUndefined();
  });

  it("translates image parts: data URLs to base64 sources, http URLs to url sources", () => {
    const out = translate({
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "Compare these" },
            {
              type: "image_url",
              image_url: { url: "data:image/png;base64,iVBORw0KGgo=", detail: "high" },
            },
            { type: "image_url", image_url: { url: "https://example.com/cat.jpg" } },
          ],
        },
      ],
    });
    expect(out.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "Compare these" },
          {
            type: "image",
            source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
          },
          { type: "image", source: { type: "url", url: "https://example.com/cat.jpg" } },
        ],
      },
    ]);
  });

  it("rejects images that are neither data nor http(s) URLs", () => {
    const bad = (url: string) =>
      translationError({
        messages: [{ role: "user", content: [{ type: "image_url", image_url: { url } }] }],
      });
    expect(bad("ftp://example.com/cat.jpg").message).toMatch(/http\(s\) URL or a base64 data URL/);
    expect(bad("data:image/png,notbase64").message).toMatch(/base64 data URL/);
  });

  it("turns assistant tool_calls into tool_use and tool messages into one merged tool_result turn", () => {
    const out = translate({
      messages: [
        { role: "user", content: "Weather and time in Paris?" },
        {
          role: "assistant",
          content: "Checking.",
          tool_calls: [
            {
              id: "call_1",
              type: "function",
              function: { name: "get_weather", arguments: '{"location":"Paris"}' },
            },
            { id: "call_2", type: "function", function: { name: "get_time", arguments: "" } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "18°C" },
        { role: "tool", tool_call_id: "call_2", content: [{ type: "text", text: "14:05" }] },
        { role: "user", content: "Thanks!" },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "get_weather",
            description: "Current weather",
            parameters: {
              type: "object",
              properties: { location: { type: "string" } },
              required: ["location"],
            },
            strict: true,
          },
        },
        { type: "function", function: { name: "get_time" } },
      ],
      tool_choice: "auto",
    });
    expect(out.messages).toEqual([
      { role: "user", content: "Weather and time in Paris?" },
      {
        role: "assistant",
        content: [
          { type: "text", text: "Checking." },
          { type: "tool_use", id: "call_1", name: "get_weather", input: { location: "Paris" } },
          { type: "tool_use", id: "call_2", name: "get_time", input: {} },
        ],
      },
      {
        role: "user",
        content: [
          { type: "tool_result", tool_use_id: "call_1", content: "18°C" },
          {
            type: "tool_result",
            tool_use_id: "call_2",
            content: [{ type: "text", text: "14:05" }],
          },
          { type: "text", text: "Thanks!" },
        ],
      },
    ]);
    expect(out.tools).toEqual([
      {
        name: "get_weather",
        description: "Current weather",
        input_schema: {
          type: "object",
          properties: { location: { type: "string" } },
          required: ["location"],
        },
      },
      { name: "get_time", input_schema: { type: "object", properties: {} } },
    ]);
    expect(out.tool_choice).toEqual({ type: "auto" });
  });

  it("merges consecutive same-role turns", () => {
    const out = translate({
      messages: [
        { role: "user", content: "one" },
        { role: "user", content: "two" },
        { role: "assistant", content: "three" },
        { role: "assistant", content: "" },
        { role: "assistant", content: "four" },
      ],
    });
    expect(out.messages).toEqual([
      {
        role: "user",
        content: [
          { type: "text", text: "one" },
          { type: "text", text: "two" },
        ],
      },
      {
        role: "assistant",
        content: [
          { type: "text", text: "three" },
          { type: "text", text: "four" },
        ],
      },
    ]);
  });

  it("maps every tool_choice form and parallel_tool_calls=false", () => {
    const base = {
      messages: [{ role: "user", content: "x" }],
      tools: [{ type: "function", function: { name: "f", parameters: { type: "object" } } }],
    };
    expect(translate({ ...base, tool_choice: "none" }).tool_choice).toEqual({ type: "none" });
    expect(translate({ ...base, tool_choice: "required" }).tool_choice).toEqual({ type: "any" });
    expect(
      translate({ ...base, tool_choice: { type: "function", function: { name: "f" } } })
        .tool_choice,
    ).toEqual({ type: "tool", name: "f" });
    expect(translate({ ...base, parallel_tool_calls: false }).tool_choice).toEqual({
      type: "auto",
      disable_parallel_tool_use: true,
    });
    expect(
      translate({ ...base, tool_choice: "required", parallel_tool_calls: false }).tool_choice,
    ).toEqual({
      type: "any",
      disable_parallel_tool_use: true,
    });
    expect(translationError({ ...base, tool_choice: "sometimes" }).param).toBe("tool_choice");
  });

  it("drops tool_choice auto/none when no tools are sent", () => {
    expect(
      translate({ messages: [{ role: "user", content: "x" }], tool_choice: "none" }).tool_choice,
    ).toBeUndefined();
  });

  it("rejects n > 1 with a 400 invalid_request error", () => {
    const error = translationError({ messages: [{ role: "user", content: "x" }], n: 3 });
    expect(error).toBeInstanceOf(GatewayError);
    expect(error.status).toBe(400);
    expect(error.type).toBe("invalid_request");
    expect(error.param).toBe("n");
    expect(error.message).toMatch(/n > 1 is not supported/);
  });

  it("rejects tool-call arguments that are not JSON objects", () => {
    const withArgs = (args: string) =>
      translationError({
        messages: [
          { role: "user", content: "x" },
          {
            role: "assistant",
            content: null,
            tool_calls: [{ id: "c", type: "function", function: { name: "f", arguments: args } }],
          },
        ],
      });
    const invalid = withArgs('{"location": "Par');
    expect(invalid.message).toMatch(
      /messages\[1\]\.tool_calls\[0\]\.function\.arguments is not valid JSON/,
    );
    expect(invalid.param).toBe("messages[1].tool_calls[0].function.arguments");
    expect(withArgs("[1,2]").message).toMatch(/must be a JSON object/);
  });

  it("rejects parameters whose loss would change the answer", () => {
    const messages = [{ role: "user", content: "x" }];
    expect(translationError({ messages, logprobs: true }).param).toBe("logprobs");
    expect(translationError({ messages, response_format: { type: "json_object" } }).param).toBe(
      "response_format",
    );
    expect(translationError({ messages, functions: [{ name: "f" }] }).param).toBe("functions");
    expect(
      translationError({ messages: [{ role: "function", name: "f", content: "x" }] }).param,
    ).toBe("messages[0].role");
    expect(
      translate({ messages, response_format: { type: "text" } }).response_format,
    ).toBeUndefined();
  });

  it("keeps cache_control on text parts for clients aiming at Claude", () => {
    const out = translate({
      messages: [
        {
          role: "system",
          content: [{ type: "text", text: "Long context", cache_control: { type: "ephemeral" } }],
        },
        { role: "user", content: "q" },
      ],
    });
    expect(out.system).toEqual([
      { type: "text", text: "Long context", cache_control: { type: "ephemeral" } },
    ]);
  });

  it("sends PDF files inline as documents", () => {
    const out = translate({
      messages: [
        {
          role: "user",
          content: [
            {
              type: "file",
              file: { filename: "a.pdf", file_data: "data:application/pdf;base64,JVBERi0=" },
            },
          ],
        },
      ],
    });
    expect(out.messages).toEqual([
      {
        role: "user",
        content: [
          {
            type: "document",
            source: { type: "base64", media_type: "application/pdf", data: "JVBERi0=" },
          },
        ],
      },
    ]);
  });

  it("rejects a body without messages", () => {
    expect(translationError({}).param).toBe("messages");
  });
});
