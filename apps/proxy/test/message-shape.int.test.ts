import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ROUTES, startWorld, type World } from "./fixtures";
import { richAnthropicMessages, richOpenaiChat, richOpenaiResponses } from "./rich-requests";

/**
 * Message shape validation (issue 12, item 12): a malformed or absurdly nested conversation is
 * a 400 naming the field, in the client's wire format, and never reaches the provider; rich
 * real-world requests still pass.
 */

let world: World;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  world = await startWorld();
  openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => {
  world.fake.reset();
});

/** `{"a":{"a":…"leaf"…}}`, built as text: the SDKs' JSON.stringify overflows at this depth. */
const deeplyNested = (levels: number) => `${'{"a":'.repeat(levels)}"leaf"${"}".repeat(levels)}`;

async function postRaw(path: string, body: string) {
  const res = await fetch(`${world.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${world.key}`,
      "anthropic-version": "2023-06-01",
      "content-type": "application/json",
    },
    body,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe("refused with a 400 naming the field", () => {
  it("a 50,000-level nested object as message content, on every conversation endpoint", async () => {
    const content = deeplyNested(50_000);
    const chat = await postRaw(
      "/v1/chat/completions",
      `{"model":"${ROUTES.openai}","messages":[{"role":"user","content":${content}}]}`,
    );
    expect(chat.status).toBe(400);
    const error = chat.body.error as { param: string; message: string; type: string };
    expect(error.type).toBe("invalid_request_error");
    expect(error.param.startsWith("messages[0].content.a.a")).toBe(true);
    expect(error.message).toMatch(/nested more than 100 levels/);

    const messages = await postRaw(
      "/v1/messages",
      `{"model":"${ROUTES.anthropic}","max_tokens":5,"messages":[{"role":"user","content":[{"type":"tool_use","id":"t","name":"n","input":${content}}]}]}`,
    );
    expect(messages.status).toBe(400);
    expect(messages.body).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error" },
    });
    expect((messages.body.error as { message: string }).message).toContain(
      "'messages[0].content[0].input.a.a",
    );

    const responses = await postRaw(
      "/v1/responses",
      `{"model":"${ROUTES.openai}","input":[{"role":"user","content":${content}}]}`,
    );
    expect(responses.status).toBe(400);
    expect((responses.body.error as { param: string }).param.startsWith("input[0].content.a")).toBe(
      true,
    );

    const count = await postRaw(
      "/v1/messages/count_tokens",
      `{"model":"${ROUTES.anthropic}","messages":[{"role":"user","content":"hi"}],"system":${content}}`,
    );
    expect(count.status).toBe(400);
    expect((count.body.error as { message: string }).message).toContain("'system.a.a");
    expect(world.fake.requests).toHaveLength(0);
  });

  it("a wrong type through the OpenAI SDK: chat.completions and responses", async () => {
    const error = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [
          { role: "system", content: "Be brief." },
          { role: "user", content: "Hi" },
          { role: "assistant", content: "Hello" },
          { role: "user", content: [{ type: "text", text: 42 as unknown as string }] },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.param).toBe("messages[3].content[0].text");
    expect(bad.message).toMatch(
      /'messages\[3\]\.content\[0\]\.text': expected a string, but got a number/,
    );

    const responsesError = await openai.responses
      .create({
        model: ROUTES.openai,
        input: [
          {
            type: "function_call",
            call_id: "c1",
            name: "f",
            arguments: { q: 1 } as unknown as string,
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(responsesError).toBeInstanceOf(OpenAI.BadRequestError);
    expect((responsesError as InstanceType<typeof OpenAI.BadRequestError>).param).toBe(
      "input[0].arguments",
    );
    expect(world.fake.requests).toHaveLength(0);
  });

  it("a wrong type through the Anthropic SDK: messages and count_tokens", async () => {
    const error = await anthropic.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 5,
        messages: [
          {
            role: "user",
            content: [
              { type: "text", text: "Look:" },
              {
                type: "image",
                source: { type: "base64", media_type: "image/png" } as Anthropic.Base64ImageSource,
              },
            ],
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect((error as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "Missing required parameter: 'messages[0].content[1].source.data'.",
      },
    });

    const countError = await anthropic.messages
      .countTokens({
        model: ROUTES.anthropic,
        messages: [{ role: "user", content: { text: "hi" } as unknown as string }],
      })
      .catch((e: unknown) => e);
    expect(countError).toBeInstanceOf(Anthropic.BadRequestError);
    expect((countError as Error).message).toContain("'messages[0].content'");
    expect(world.fake.requests).toHaveLength(0);
  });
});

describe("rich real-world requests still pass", () => {
  it("chat.completions with images, audio, files, tool calls and results, nested tool schemas", async () => {
    const request = richOpenaiChat(ROUTES.openai);
    const completion = await openai.chat.completions.create(request);
    expect(completion.choices).toHaveLength(1);
    // forwarded as sent
    const forwarded = world.fake.requests[0]?.body as { messages: unknown; tools: unknown };
    expect(forwarded.messages).toEqual(request.messages);
    expect(forwarded.tools).toEqual(request.tools);
  });

  it("messages with documents, search results, thinking, tool use and results, cache_control", async () => {
    const message = await anthropic.messages.create(richAnthropicMessages(ROUTES.anthropic));
    expect(message.content.length).toBeGreaterThan(0);
    const { max_tokens: _, thinking: __, ...count } = richAnthropicMessages(ROUTES.anthropic);
    const tokens = await anthropic.messages.countTokens(count);
    expect(tokens.input_tokens).toBeGreaterThan(0);
  });

  it("responses with message items, function calls and outputs, reasoning and references", async () => {
    const response = await openai.responses.create(richOpenaiResponses(ROUTES.openai));
    expect(response.output_text).toBeTruthy();
  });
});
