import { describe, expect, it } from "vitest";
import {
  richAnthropicMessages,
  richOpenaiChat,
  richOpenaiResponses,
} from "../../test/rich-requests";
import { checkRequestShape, MAX_NESTING_DEPTH } from "./index";
import type { Json } from "./issue";

/**
 * Rich requests (typed with the official SDKs' own parameter types, test/rich-requests.ts) must
 * pass; broken ones are answered with the field.
 */

const chat = richOpenaiChat("gpt-4o");
const messages = richAnthropicMessages("claude-sonnet-4-5");
const responses = richOpenaiResponses("gpt-4.1");

const check = (endpoint: Parameters<typeof checkRequestShape>[0], body: unknown) =>
  checkRequestShape(endpoint, body as Json);

describe("valid rich requests pass", () => {
  it("chat.completions with every content part, tool calls, audio and nested schemas", () => {
    expect(check("chat.completions", chat)).toBeNull();
  });
  it("messages and count_tokens with images, documents, search results, thinking, tools and cache_control", () => {
    expect(check("messages", messages)).toBeNull();
    const { max_tokens: _, thinking: __, ...count } = messages;
    expect(check("messages.count_tokens", count)).toBeNull();
  });
  it("responses with string input, item lists, tool outputs, reasoning and references", () => {
    expect(check("responses", responses)).toBeNull();
    expect(check("responses", { model: "gpt-4.1", input: "Hello" })).toBeNull();
  });
  it("embeddings and completions only get the nesting check", () => {
    expect(
      check("embeddings", {
        model: "e",
        input: [
          [1, 2, 3],
          [4, 5],
        ],
      }),
    ).toBeNull();
    expect(check("completions", { model: "m", prompt: ["a", "b"] })).toBeNull();
  });
});

describe("broken requests name the field", () => {
  const cases: [string, Parameters<typeof checkRequestShape>[0], unknown, string, RegExp][] = [
    [
      "chat part text",
      "chat.completions",
      {
        messages: [
          { role: "user", content: "a" },
          { role: "user", content: "b" },
          { role: "user", content: "c" },
          { role: "user", content: [{ type: "text", text: 42 }] },
        ],
      },
      "messages[3].content[0].text",
      /expected a string, but got a number/,
    ],
    [
      "chat message not an object",
      "chat.completions",
      { messages: ["hi"] },
      "messages[0]",
      /expected an object, but got a string/,
    ],
    [
      "chat role missing",
      "chat.completions",
      { messages: [{ content: "hi" }] },
      "messages[0].role",
      /Missing required parameter/,
    ],
    [
      "chat content object",
      "chat.completions",
      { messages: [{ role: "user", content: { text: "hi" } }] },
      "messages[0].content",
      /a string or an array of content parts, but got an object/,
    ],
    [
      "chat user content missing",
      "chat.completions",
      { messages: [{ role: "user" }] },
      "messages[0].content",
      /Missing required parameter/,
    ],
    [
      "chat image url",
      "chat.completions",
      { messages: [{ role: "user", content: [{ type: "image_url", image_url: { url: 1 } }] }] },
      "messages[0].content[0].image_url.url",
      /a string/,
    ],
    [
      "chat part without type",
      "chat.completions",
      { messages: [{ role: "user", content: [{ text: "hi" }] }] },
      "messages[0].content[0].type",
      /Missing/,
    ],
    [
      "chat tool call arguments",
      "chat.completions",
      {
        messages: [
          {
            role: "assistant",
            tool_calls: [
              { id: "c", type: "function", function: { name: "f", arguments: { a: 1 } } },
            ],
          },
        ],
      },
      "messages[0].tool_calls[0].function.arguments",
      /a string, but got an object/,
    ],
    [
      "chat tool message id",
      "chat.completions",
      { messages: [{ role: "tool", content: "x" }] },
      "messages[0].tool_call_id",
      /Missing/,
    ],
    [
      "chat tools not array",
      "chat.completions",
      { messages: [], tools: { type: "function" } },
      "tools",
      /an array/,
    ],
    [
      "chat tool name",
      "chat.completions",
      { messages: [], tools: [{ type: "function", function: { parameters: {} } }] },
      "tools[0].function.name",
      /Missing/,
    ],
    [
      "anthropic block text",
      "messages",
      { messages: [{ role: "user", content: [{ type: "text", text: ["x"] }] }] },
      "messages[0].content[0].text",
      /a string, but got an array/,
    ],
    [
      "anthropic content missing",
      "messages",
      { messages: [{ role: "user" }] },
      "messages[0].content",
      /Missing/,
    ],
    [
      "anthropic image source",
      "messages",
      { messages: [{ role: "user", content: [{ type: "image", source: "http://x" }] }] },
      "messages[0].content[0].source",
      /an object, but got a string/,
    ],
    [
      "anthropic image data",
      "messages",
      {
        messages: [
          {
            role: "user",
            content: [{ type: "image", source: { type: "base64", media_type: "image/png" } }],
          },
        ],
      },
      "messages[0].content[0].source.data",
      /Missing/,
    ],
    [
      "anthropic tool_use input",
      "messages",
      {
        messages: [
          { role: "assistant", content: [{ type: "tool_use", id: "t", name: "n", input: "{}" }] },
        ],
      },
      "messages[0].content[0].input",
      /an object, but got a string/,
    ],
    [
      "anthropic nested tool_result block",
      "messages.count_tokens",
      {
        messages: [
          {
            role: "user",
            content: [{ type: "tool_result", tool_use_id: "t", content: [{ type: "text" }] }],
          },
        ],
      },
      "messages[0].content[0].content[0].text",
      /Missing/,
    ],
    [
      "anthropic system",
      "messages",
      { messages: [], system: { text: "x" } },
      "system",
      /a string or an array of text blocks/,
    ],
    [
      "anthropic cache_control",
      "messages",
      {
        messages: [
          { role: "user", content: [{ type: "text", text: "x", cache_control: "ephemeral" }] },
        ],
      },
      "messages[0].content[0].cache_control",
      /an object/,
    ],
    [
      "anthropic tool schema",
      "messages",
      { messages: [], tools: [{ name: "t" }] },
      "tools[0].input_schema",
      /Missing/,
    ],
    [
      "responses input type",
      "responses",
      { input: 42 },
      "input",
      /a string or an array of input items/,
    ],
    [
      "responses message content",
      "responses",
      { input: [{ role: "user", content: [{ type: "input_text", text: null }] }] },
      "input[0].content[0].text",
      /a string, but got null/,
    ],
    [
      "responses function_call arguments",
      "responses",
      { input: [{ type: "function_call", call_id: "c", name: "f", arguments: {} }] },
      "input[0].arguments",
      /a string/,
    ],
    [
      "responses tool output",
      "responses",
      { input: [{ type: "function_call_output", call_id: "c", output: 5 }] },
      "input[0].output",
      /a string or an array of content parts/,
    ],
  ];
  for (const [name, endpoint, body, field, message] of cases) {
    it(name, () => {
      const issue = check(endpoint, body);
      expect(issue?.field).toBe(field);
      expect(issue?.message).toContain(`'${field}'`);
      expect(issue?.message).toMatch(message);
    });
  }
});

describe("nesting and sizes", () => {
  function nested(levels: number): unknown {
    let value: unknown = "leaf";
    for (let i = 0; i < levels; i++) value = { a: value };
    return value;
  }

  it("a 50,000-level object as message content is refused without overflowing the stack", () => {
    const body = { model: "m", messages: [{ role: "user", content: nested(50_000) }] };
    for (const endpoint of ["chat.completions", "messages", "embeddings"] as const) {
      const issue = check(endpoint, body);
      expect(issue?.kind).toBe("limit");
      expect(issue?.field.startsWith("messages[0].content.a.a")).toBe(true);
      expect(issue?.message).toMatch(new RegExp(`more than ${MAX_NESTING_DEPTH} levels`));
    }
    const deepArray = { model: "m", input: [] as unknown[] };
    let cursor = deepArray.input;
    for (let i = 0; i < 50_000; i++) {
      const next: unknown[] = [];
      cursor.push(next);
      cursor = next;
    }
    expect(check("responses", deepArray)?.field.startsWith("input[0][0][0]")).toBe(true);
  });

  it("nesting up to the limit passes; one more level is refused", () => {
    // the body is level 1, messages 2, the message 3, content 4 ...
    const ok = {
      messages: [{ role: "user", content: "x", metadata: nested(MAX_NESTING_DEPTH - 3) }],
    };
    expect(check("chat.completions", ok)).toBeNull();
    const over = {
      messages: [{ role: "user", content: "x", metadata: nested(MAX_NESTING_DEPTH - 2) }],
    };
    expect(check("chat.completions", over)?.kind).toBe("limit");
  });

  it("refuses more than 100,000 messages, naming the array", () => {
    const many = Array.from({ length: 100_001 }, () => ({ role: "user", content: "x" }));
    const issue = check("messages", { messages: many });
    expect(issue?.field).toBe("messages");
    expect(issue?.message).toMatch(/at most 100000 items/);
  });
});
