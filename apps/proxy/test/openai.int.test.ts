import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  PROVIDER_KEY,
  publishNewKey,
  ROUTES,
  startWorld,
  waitForEvent,
  type World,
} from "./fixtures";

let world: World;
let client: OpenAI;

beforeAll(async () => {
  world = await startWorld();
  client = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => {
  world.fake.reset();
});

const lastUpstream = () => world.fake.requests[world.fake.requests.length - 1]!;

const weatherTool: OpenAI.Chat.Completions.ChatCompletionTool = {
  type: "function",
  function: {
    name: "get_weather",
    description: "Weather for a city",
    parameters: {
      type: "object",
      properties: { city: { type: "string" } },
      required: ["city"],
    },
  },
};

describe("POST /v1/chat/completions", () => {
  it("answers JSON through the official SDK and forwards the provider key, not the virtual key", async () => {
    const { data, response } = await client.chat.completions
      .create({ model: ROUTES.openai, messages: [{ role: "user", content: "Say hello" }] })
      .withResponse();
    expect(data.object).toBe("chat.completion");
    expect(data.choices[0]!.message.content).toBeTruthy();
    expect(data.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-request-id")).toMatch(/^req_/);

    const upstream = lastUpstream();
    expect(upstream.path).toBe("/v1/chat/completions");
    expect(upstream.receivedApiKey).toBe(PROVIDER_KEY);
    expect(JSON.stringify(upstream.headers)).not.toContain(world.key);
  });

  it("sends the deployment's upstream model for an alias", async () => {
    await client.chat.completions.create({
      model: ROUTES.openaiAliased,
      messages: [{ role: "user", content: "hi" }],
    });
    expect((lastUpstream().body as { model: string }).model).toBe("gpt-4o");
  });

  it("forwards the client's bytes untouched when nothing needs to change", async () => {
    const raw = `{"model":"${ROUTES.openai}",   "messages":[{"role":"user","content":"hi"}],"temperature":0.25}`;
    const res = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${world.key}`, "content-type": "application/json" },
      body: raw,
    });
    expect(res.status).toBe(200);
    await res.json();
    expect(lastUpstream().body).toEqual(JSON.parse(raw));
  });

  it("passes tools through and returns the tool call", async () => {
    const completion = await client.chat.completions.create({
      model: ROUTES.openai,
      messages: [{ role: "user", content: "What is the weather in Paris?" }],
      tools: [weatherTool],
      tool_choice: "required",
    });
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.type).toBe("function");
    expect(call.type === "function" && call.function.name).toBe("get_weather");
    expect((lastUpstream().body as { tools: unknown[] }).tools).toHaveLength(1);
  });

  it("returns n=2 choices", async () => {
    const completion = await client.chat.completions.create({
      model: ROUTES.openai,
      messages: [{ role: "user", content: "Two answers please" }],
      n: 2,
    });
    expect(completion.choices).toHaveLength(2);
  });

  it("passes response_format through", async () => {
    const completion = await client.chat.completions.create({
      model: ROUTES.openai,
      messages: [{ role: "user", content: "Give me JSON" }],
      response_format: { type: "json_object" },
    });
    expect(() => JSON.parse(completion.choices[0]!.message.content!)).not.toThrow();
    expect((lastUpstream().body as { response_format: unknown }).response_format).toEqual({
      type: "json_object",
    });
  });

  it("passes images in content through", async () => {
    const image =
      "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";
    const completion = await client.chat.completions.create({
      model: ROUTES.openai,
      messages: [
        {
          role: "user",
          content: [
            { type: "text", text: "What is in this picture?" },
            { type: "image_url", image_url: { url: image } },
          ],
        },
      ],
    });
    expect(completion.choices[0]!.message.content).toBeTruthy();
    const sent = lastUpstream().body as { messages: { content: { type: string }[] }[] };
    expect(sent.messages[0]!.content[1]!.type).toBe("image_url");
  });

  it("streams chunks; the usage chunk the proxy asked for does not reach a client that did not ask", async () => {
    const stream = await client.chat.completions.create({
      model: ROUTES.openai,
      messages: [{ role: "user", content: "Tell me a story" }],
      stream: true,
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text.length).toBeGreaterThan(0);
    expect(chunks.some((c) => c.usage)).toBe(false);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    // the proxy asked the upstream for usage, to record it
    expect((lastUpstream().body as { stream_options: unknown }).stream_options).toEqual({
      include_usage: true,
    });
  });

  it("streams the usage chunk to a client that asked for it", async () => {
    const stream = await client.chat.completions.create({
      model: ROUTES.openai,
      messages: [{ role: "user", content: "Tell me a story" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toHaveLength(0);
    expect(last.usage!.completion_tokens).toBeGreaterThan(0);
  });

  it("streams tool calls", async () => {
    const stream = await client.chat.completions.create({
      model: ROUTES.openai,
      messages: [{ role: "user", content: "What is the weather in Oslo?" }],
      tools: [weatherTool],
      tool_choice: "required",
      stream: true,
    });
    let args = "";
    let name = "";
    for await (const chunk of stream) {
      const call = chunk.choices[0]?.delta.tool_calls?.[0];
      if (call?.function?.name) name = call.function.name;
      args += call?.function?.arguments ?? "";
    }
    expect(name).toBe("get_weather");
    expect(() => JSON.parse(args)).not.toThrow();
  });
});

describe("POST /v1/embeddings", () => {
  it("returns vectors and records the usage", async () => {
    const { data, response } = await client.embeddings
      .create({ model: ROUTES.embeddings, input: ["hello world", "second"] })
      .withResponse();
    expect(data.data).toHaveLength(2);
    expect(data.data[0]!.embedding.length).toBeGreaterThan(0);
    expect((lastUpstream().body as { model: string }).model).toBe("text-embedding-3-small");
    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event.endpoint).toBe("embeddings");
    expect(event.inputTokens).toBe(data.usage.prompt_tokens);
    expect(event.outputTokens).toBe(0);
  });
});

describe("POST /v1/completions", () => {
  it("answers JSON and streams", async () => {
    const completion = await client.completions.create({
      model: ROUTES.openai,
      prompt: "Once upon a time",
    });
    expect(completion.choices[0]!.text).toBeTruthy();

    const stream = await client.completions.create({
      model: ROUTES.openai,
      prompt: "Once upon a time",
      stream: true,
    });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? "";
    expect(text.length).toBeGreaterThan(0);
  });
});

describe("POST /v1/responses", () => {
  it("passes through JSON", async () => {
    const { data, response } = await client.responses
      .create({ model: ROUTES.openaiAliased, input: "Write one sentence." })
      .withResponse();
    expect(data.output_text).toBeTruthy();
    expect((lastUpstream().body as { model: string }).model).toBe("gpt-4o");
    expect(lastUpstream().path).toBe("/v1/responses");
    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event.endpoint).toBe("responses");
    expect(event.outputTokens).toBe(data.usage!.output_tokens);
  });

  it("streams, without adding stream_options (the Responses API has none)", async () => {
    const stream = await client.responses.create({
      model: ROUTES.openai,
      input: "Write one sentence.",
      stream: true,
    });
    const types: string[] = [];
    let text = "";
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === "response.output_text.delta") text += event.delta;
    }
    expect(text.length).toBeGreaterThan(0);
    expect(types[types.length - 1]).toBe("response.completed");
    expect((lastUpstream().body as Record<string, unknown>).stream_options).toBeUndefined();
  });

  it("is refused with a clear 400 on a route served by Anthropic", async () => {
    const error = await client.responses
      .create({ model: ROUTES.anthropic, input: "hi" })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).message).toMatch(
      /Responses API.*OpenAI-type deployment/,
    );
  });
});

describe("GET /v1/models", () => {
  it("lists every route for an unrestricted key", async () => {
    const ids: string[] = [];
    for await (const model of client.models.list()) ids.push(model.id);
    expect(ids.sort()).toEqual(Object.values(ROUTES).sort());
  });

  it("lists only the models a restricted key may use, and retrieves one", async () => {
    const { secret } = await publishNewKey(world.redis, world.workspaceId, {
      allowedModels: [ROUTES.openai, ROUTES.anthropic],
    });
    const restricted = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    const ids: string[] = [];
    for await (const model of restricted.models.list()) ids.push(model.id);
    expect(ids.sort()).toEqual([ROUTES.anthropic, ROUTES.openai].sort());
    const one = await restricted.models.retrieve(ROUTES.openai);
    expect(one.id).toBe(ROUTES.openai);
    await expect(restricted.models.retrieve(ROUTES.embeddings)).rejects.toBeInstanceOf(
      OpenAI.NotFoundError,
    );
  });
});
