import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeProvider, type FakeProvider } from "../index";

let provider: FakeProvider;
let openai: OpenAI;

beforeAll(async () => {
  provider = await startFakeProvider();
  openai = new OpenAI({ apiKey: "sk-test-key", baseURL: provider.openaiBaseUrl, maxRetries: 0 });
});
afterAll(() => provider.close());
beforeEach(() => provider.reset());

const weatherTool = {
  type: "function" as const,
  function: {
    name: "get_weather",
    description: "Current weather",
    parameters: {
      type: "object",
      properties: {
        location: { type: "string" },
        unit: { type: "string", enum: ["celsius", "fahrenheit"] },
      },
      required: ["location", "unit"],
    },
  },
};

describe("chat completions", () => {
  it("answers JSON with OpenAI's fields, usage and headers", async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: "gpt-4o", messages: [{ role: "user", content: "Hello there" }] })
      .withResponse();

    expect(data.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("gpt-4o");
    expect(data.system_fingerprint).toMatch(/^fp_/);
    expect(data.choices).toHaveLength(1);
    const [choice] = data.choices;
    expect(choice!.finish_reason).toBe("stop");
    expect(choice!.message).toEqual({
      role: "assistant",
      content: "This is a fake reply to: Hello there lorem ipsum dolor sit",
      refusal: null,
      annotations: [],
    });
    // 12 words = 12 tokens; "Hello there" = 11 chars -> ceil(11/4) + 3
    expect(data.usage).toMatchObject({
      prompt_tokens: 6,
      completion_tokens: 12,
      total_tokens: 18,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(response.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]{32}$/);
    expect(response.headers.get("openai-processing-ms")).toMatch(/^\d+$/);
    expect(response.headers.get("x-ratelimit-remaining-requests")).toMatch(/^\d+$/);
  });

  it("counts prompt tokens over all messages and a fixed amount per image", async () => {
    const data = await openai.chat.completions.create({
      model: "gpt-4o",
      messages: [
        { role: "system", content: "Be brief." }, // 9 chars
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" }, // 13 chars
            { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          ],
        },
      ],
    });
    expect(data.usage?.prompt_tokens).toBe(Math.ceil(22 / 4) + 2 * 3 + 85);
    expect(data.choices[0]!.message.content).toMatch(/^This is a fake reply to: What is this\?/);
  });

  it("respects max_tokens and max_completion_tokens with finish_reason length", async () => {
    const cut = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      max_tokens: 4,
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(cut.choices[0]!.message.content).toBe("This is a fake");
    expect(cut.choices[0]!.finish_reason).toBe("length");
    expect(cut.usage?.completion_tokens).toBe(4);

    const roomy = await openai.chat.completions.create({
      model: "gpt-4o-mini",
      max_completion_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(roomy.choices[0]!.finish_reason).toBe("stop");
    expect(roomy.usage?.completion_tokens).toBe(12);
  });

  it("stops before a stop sequence", async () => {
    const data = await openai.chat.completions.create({
      model: "gpt-4o",
      stop: ["reply", "never"],
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(data.choices[0]!.message.content).toBe("This is a fake ");
    expect(data.choices[0]!.finish_reason).toBe("stop");
  });

  it("answers exactly max_tokens tokens with [[fake:tokens=max]]", async () => {
    const data = await openai.chat.completions.create({
      model: "gpt-4o",
      max_tokens: 57,
      messages: [{ role: "user", content: "Fill the budget [[fake:tokens=max]]" }],
    });
    expect(data.usage?.completion_tokens).toBe(57);
    expect(data.choices[0]!.finish_reason).toBe("length");
    expect(data.choices[0]!.message.content!.split(" ")).toHaveLength(57);
    expect(data.choices[0]!.message.content).not.toContain("[[fake");
  });

  it("answers a set number of tokens and reports cached prompt tokens when told to", async () => {
    const data = await openai.chat.completions.create({
      model: "gpt-4o",
      messages: [{ role: "user", content: "abcd [[fake:tokens=3,cached=100]]" }],
    });
    expect(data.usage?.completion_tokens).toBe(3);
    const uncached = Math.ceil("abcd [[fake:tokens=3,cached=100]]".length / 4) + 3;
    expect(data.usage?.prompt_tokens).toBe(uncached + 100);
    expect(data.usage?.prompt_tokens_details?.cached_tokens).toBe(100);
  });

  it("reports reasoning tokens inside completion_tokens when told to, in chat and Responses", async () => {
    const chat = await openai.chat.completions.create({
      model: "o4-mini",
      messages: [{ role: "user", content: "Think [[fake:tokens=3,reasoning=200]]" }],
    });
    expect(chat.choices[0]!.message.content!.split(" ")).toHaveLength(3);
    expect(chat.usage?.completion_tokens).toBe(203);
    expect(chat.usage?.completion_tokens_details?.reasoning_tokens).toBe(200);
    expect(chat.usage?.total_tokens).toBe(chat.usage!.prompt_tokens + 203);

    const response = await openai.responses.create({
      model: "o4-mini",
      input: "Think [[fake:tokens=2,reasoning=50]]",
    });
    expect(response.usage).toMatchObject({
      output_tokens: 52,
      output_tokens_details: { reasoning_tokens: 50 },
    });
  });

  it("streams one word per chunk; the SDK's stream helper assembles the completion", async () => {
    const stream = openai.chat.completions.stream({
      model: "gpt-4o",
      messages: [{ role: "user", content: "Stream please" }],
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    stream.on("chunk", (chunk) => chunks.push(chunk));
    const final = await stream.finalChatCompletion();

    expect(final.choices[0]!.message.content).toBe(
      "This is a fake reply to: Stream please lorem ipsum dolor sit",
    );
    expect(final.choices[0]!.finish_reason).toBe("stop");
    // role chunk + 12 word chunks + finish chunk, all one id, no usage anywhere
    expect(chunks).toHaveLength(14);
    expect(new Set(chunks.map((chunk) => chunk.id)).size).toBe(1);
    expect(chunks.every((chunk) => chunk.object === "chat.completion.chunk")).toBe(true);
    expect(chunks.every((chunk) => !("usage" in chunk))).toBe(true);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "", refusal: null });
    expect(chunks.slice(1, 13).map((chunk) => chunk.choices[0]!.delta.content)).toEqual(
      final.choices[0]!.message.content!.split(/(?= )/),
    );
    expect(final.usage).toBeUndefined();
  });

  it("sends a final usage-only chunk only when stream_options.include_usage is set", async () => {
    const stream = await openai.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      stream_options: { include_usage: true },
      max_tokens: 5,
      messages: [{ role: "user", content: "Count me" }],
    });
    const chunks: OpenAI.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 5, completion_tokens: 5, total_tokens: 10 });
    expect(chunks.slice(0, -1).every((chunk) => chunk.usage === null)).toBe(true);
    expect(chunks.at(-2)!.choices[0]!.finish_reason).toBe("length");

    const helper = openai.chat.completions.stream({
      model: "gpt-4o",
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Count me" }],
    });
    expect((await helper.finalChatCompletion()).usage?.completion_tokens).toBe(12);
  });

  it("returns n choices, in JSON and interleaved in a stream", async () => {
    const data = await openai.chat.completions.create({
      model: "gpt-4o",
      n: 2,
      max_tokens: 3,
      messages: [{ role: "user", content: "Two" }],
    });
    expect(data.choices.map((choice) => choice.index)).toEqual([0, 1]);
    expect(data.choices.map((choice) => choice.message.content)).toEqual([
      "This is a",
      "This is a",
    ]);
    expect(data.usage?.completion_tokens).toBe(6);

    const final = await openai.chat.completions
      .stream({ model: "gpt-4o", n: 2, messages: [{ role: "user", content: "Two" }] })
      .finalChatCompletion();
    expect(final.choices).toHaveLength(2);
    expect(final.choices[1]!.message.content).toBe(final.choices[0]!.message.content);
    expect(final.choices.map((choice) => choice.finish_reason)).toEqual(["stop", "stop"]);
  });

  it("calls a tool when the user asks about the weather", async () => {
    const data = await openai.chat.completions.create({
      model: "gpt-4o",
      tools: [weatherTool],
      messages: [{ role: "user", content: "What's the weather in Paris?" }],
    });
    const choice = data.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    const call = choice.message.tool_calls![0]!;
    expect(call.id).toMatch(/^call_[A-Za-z0-9]{24}$/);
    expect(call.type).toBe("function");
    if (call.type !== "function") throw new Error("expected a function call");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ location: "fake", unit: "celsius" });
    // one token per argument fragment
    expect(data.usage?.completion_tokens).toBe(
      call.function.arguments.match(/[A-Za-z0-9_]+|[^A-Za-z0-9_]+/g)!.length,
    );
  });

  it("answers in words after a tool result, and never calls with tool_choice none", async () => {
    const afterResult = await openai.chat.completions.create({
      model: "gpt-4o",
      tools: [weatherTool],
      messages: [
        { role: "user", content: "What's the weather in Paris?" },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            { id: "call_1", type: "function", function: { name: "get_weather", arguments: "{}" } },
          ],
        },
        { role: "tool", tool_call_id: "call_1", content: "sunny" },
      ],
    });
    expect(afterResult.choices[0]!.finish_reason).toBe("stop");
    expect(afterResult.choices[0]!.message.content).toMatch(
      /^This is a fake reply to: What's the weather/,
    );

    const none = await openai.chat.completions.create({
      model: "gpt-4o",
      tools: [weatherTool],
      tool_choice: "none",
      messages: [{ role: "user", content: "What's the weather in Paris?" }],
    });
    expect(none.choices[0]!.message.tool_calls).toBeUndefined();
  });

  it("calls the named function when tool_choice forces it (finish_reason stop, as OpenAI does)", async () => {
    const data = await openai.chat.completions.create({
      model: "gpt-4o",
      tools: [
        weatherTool,
        {
          type: "function",
          function: { name: "noop", parameters: { type: "object", properties: {} } },
        },
      ],
      tool_choice: { type: "function", function: { name: "noop" } },
      messages: [{ role: "user", content: "Hello" }],
    });
    const call = data.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && call.function.name).toBe("noop");
    expect(data.choices[0]!.finish_reason).toBe("stop");

    const required = await openai.chat.completions.create({
      model: "gpt-4o",
      tools: [weatherTool],
      tool_choice: "required",
      messages: [{ role: "user", content: "Hello" }],
    });
    expect(required.choices[0]!.finish_reason).toBe("tool_calls");
  });

  it("streams a tool call the way OpenAI does; the SDK accumulates it", async () => {
    const stream = openai.chat.completions.stream({
      model: "gpt-4o",
      tools: [weatherTool],
      messages: [{ role: "user", content: "weather in Oslo?" }],
    });
    const deltas: OpenAI.ChatCompletionChunk.Choice.Delta[] = [];
    stream.on("chunk", (chunk) => chunk.choices[0] && deltas.push(chunk.choices[0].delta));
    let parsedArguments: unknown;
    stream.on(
      "tool_calls.function.arguments.done",
      (event) => (parsedArguments = JSON.parse(event.arguments)),
    );
    const final = await stream.finalChatCompletion();

    const first = deltas[0]!.tool_calls![0]!;
    expect(first).toMatchObject({
      index: 0,
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    expect(first.id).toMatch(/^call_/);
    expect(deltas[1]!.tool_calls![0]).toEqual({ index: 0, function: { arguments: '{"' } });
    expect(parsedArguments).toEqual({ location: "fake", unit: "celsius" });
    expect(final.choices[0]!.finish_reason).toBe("tool_calls");
    expect(final.choices[0]!.message.tool_calls![0]).toMatchObject({
      id: first.id,
      function: { name: "get_weather", arguments: '{"location":"fake","unit":"celsius"}' },
    });
  });

  it("answers valid JSON for json_object and json_schema response formats", async () => {
    const object = await openai.chat.completions.create({
      model: "gpt-4o",
      response_format: { type: "json_object" },
      messages: [{ role: "user", content: 'Say "hi" in JSON' }],
    });
    expect(JSON.parse(object.choices[0]!.message.content!)).toEqual({
      reply: 'This is a fake reply to: Say "hi"',
    });
    expect(object.usage?.completion_tokens).toBe(12);

    const parsed = await openai.chat.completions.parse({
      model: "gpt-4o",
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "person",
          strict: true,
          schema: {
            type: "object",
            properties: {
              name: { type: "string" },
              age: { type: "integer" },
              tags: { type: "array", items: { type: "string" } },
              address: { $ref: "#/$defs/address" },
            },
            required: ["name", "age", "tags", "address"],
            additionalProperties: false,
            $defs: { address: { type: "object", properties: { city: { type: "string" } } } },
          },
        },
      },
      messages: [{ role: "user", content: "A person" }],
    });
    expect(parsed.choices[0]!.message.parsed).toEqual({
      name: "fake",
      age: 1,
      tags: ["fake"],
      address: { city: "fake" },
    });
  });

  it("answers 400 invalid_request_error in OpenAI's format for a bad request", async () => {
    const error = await openai.chat.completions
      .create({ model: "gpt-4o", messages: [] })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const bad = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(bad.status).toBe(400);
    expect(bad.error).toMatchObject({
      type: "invalid_request_error",
      param: "messages",
      code: "empty_array",
    });
    expect(bad.requestID).toMatch(/^req_/);

    const withoutStream = await openai.chat.completions
      .create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "x" }],
        stream_options: { include_usage: true },
      })
      .catch((caught: unknown) => caught);
    expect(withoutStream).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("legacy completions", () => {
  it("answers text_completion objects in JSON (default max_tokens 16)", async () => {
    const data = await openai.completions.create({
      model: "gpt-3.5-turbo-instruct",
      prompt: "Say this is a test",
    });
    expect(data.object).toBe("text_completion");
    expect(data.id).toMatch(/^cmpl-/);
    expect(data.choices[0]).toEqual({
      text: "This is a fake reply to: Say this is a test lorem",
      index: 0,
      logprobs: null,
      finish_reason: "stop",
    });
    expect(data.usage).toEqual({ prompt_tokens: 5, completion_tokens: 12, total_tokens: 17 });
  });

  it("streams text_completion chunks ending in [DONE]", async () => {
    const stream = await openai.completions.create({
      model: "gpt-3.5-turbo-instruct",
      prompt: "Go",
      max_tokens: 3,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Completion[] = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks.every((chunk) => chunk.object === "text_completion")).toBe(true);
    expect(
      chunks
        .slice(0, 3)
        .map((chunk) => chunk.choices[0]!.text)
        .join(""),
    ).toBe("This is a");
    expect(chunks[3]!.choices[0]!.finish_reason).toBe("length");
    expect(chunks[4]!.choices).toEqual([]);
    expect(chunks[4]!.usage?.completion_tokens).toBe(3);
  });
});

describe("embeddings", () => {
  it("returns deterministic unit vectors as floats", async () => {
    const data = await openai.embeddings.create({
      model: "text-embedding-3-small",
      input: ["alpha", "beta", "alpha"],
      encoding_format: "float",
    });
    expect(data.object).toBe("list");
    expect(data.model).toBe("text-embedding-3-small");
    expect(data.data.map((item) => [item.object, item.index])).toEqual([
      ["embedding", 0],
      ["embedding", 1],
      ["embedding", 2],
    ]);
    const [alpha, beta, alphaAgain] = data.data.map((item) => item.embedding);
    expect(alpha).toHaveLength(1536);
    expect(Math.hypot(...alpha!)).toBeCloseTo(1, 5);
    expect(alphaAgain).toEqual(alpha);
    expect(beta).not.toEqual(alpha);
    expect(data.usage).toEqual({ prompt_tokens: 2 + 1 + 2, total_tokens: 5 });
  });

  it("encodes base64 as float32 little-endian; the SDK decodes it by default", async () => {
    const floats = await openai.embeddings.create({
      model: "text-embedding-3-large",
      input: "gamma",
      dimensions: 256,
      encoding_format: "float",
    });
    // no encoding_format: the SDK asks for base64 and decodes it
    const decoded = await openai.embeddings.create({
      model: "text-embedding-3-large",
      input: "gamma",
      dimensions: 256,
    });
    expect(provider.requests.at(-1)!.body).toMatchObject({ encoding_format: "base64" });
    expect(decoded.data[0]!.embedding).toHaveLength(256);
    expect(decoded.data[0]!.embedding).toEqual(floats.data[0]!.embedding);

    const raw = await openai.embeddings.create({
      model: "text-embedding-3-large",
      input: "gamma",
      dimensions: 256,
      encoding_format: "base64",
    });
    const bytes = Buffer.from(raw.data[0]!.embedding as unknown as string, "base64");
    expect(bytes.length).toBe(256 * 4);
    expect(bytes.readFloatLE(4)).toBe(floats.data[0]!.embedding[1]);
  });

  it("shortens v3 embeddings with dimensions and refuses them for ada-002", async () => {
    const full = await openai.embeddings.create({
      model: "text-embedding-3-small",
      input: "delta",
      encoding_format: "float",
    });
    const short = await openai.embeddings.create({
      model: "text-embedding-3-small",
      input: "delta",
      dimensions: 8,
      encoding_format: "float",
    });
    const head = full.data[0]!.embedding.slice(0, 8);
    const norm = Math.hypot(...head);
    short.data[0]!.embedding.forEach((value, i) => expect(value).toBeCloseTo(head[i]! / norm, 6));

    await expect(
      openai.embeddings.create({ model: "text-embedding-ada-002", input: "delta", dimensions: 8 }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("responses", () => {
  it("answers a response object with an output message and usage", async () => {
    const response = await openai.responses.create({
      model: "gpt-4.1",
      instructions: "Be kind.",
      input: "Hello there",
    });
    expect(response.object).toBe("response");
    expect(response.id).toMatch(/^resp_/);
    expect(response.status).toBe("completed");
    expect(response.output_text).toBe("This is a fake reply to: Hello there lorem ipsum dolor sit");
    expect(response.output[0]).toMatchObject({
      type: "message",
      role: "assistant",
      status: "completed",
    });
    // "Be kind." + "Hello there" = 19 chars, two messages
    expect(response.usage).toMatchObject({
      input_tokens: 5 + 6,
      output_tokens: 12,
      total_tokens: 23,
    });
  });

  it("streams the Responses API events, numbered; the SDK's stream gives the final response", async () => {
    const stream = openai.responses.stream({
      model: "gpt-4.1",
      input: [{ role: "user", content: [{ type: "input_text", text: "Stream it" }] }],
      max_output_tokens: 20,
    });
    const events: OpenAI.Responses.ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    const final = await stream.finalResponse();

    const types = events.map((event) => event.type);
    expect(types.slice(0, 4)).toEqual([
      "response.created",
      "response.in_progress",
      "response.output_item.added",
      "response.content_part.added",
    ]);
    expect(types.filter((type) => type === "response.output_text.delta")).toHaveLength(12);
    expect(types.slice(-4)).toEqual([
      "response.output_text.done",
      "response.content_part.done",
      "response.output_item.done",
      "response.completed",
    ]);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i));
    expect(final.output_text).toBe("This is a fake reply to: Stream it lorem ipsum dolor sit");
    expect(final.usage?.output_tokens).toBe(12);
  });

  it("ends incomplete when max_output_tokens cuts the answer", async () => {
    const response = await openai.responses.create({
      model: "gpt-4.1",
      input: "Hi",
      max_output_tokens: 16,
    });
    expect(response.status).toBe("completed");
    const cut = await openai.responses.create({
      model: "gpt-4.1",
      input: "Hi [[fake:tokens=max]]",
      max_output_tokens: 16,
    });
    expect(cut.status).toBe("incomplete");
    expect(cut.incomplete_details).toEqual({ reason: "max_output_tokens" });
    expect(cut.usage?.output_tokens).toBe(16);
  });
});

describe("models", () => {
  it("lists and retrieves models", async () => {
    const ids: string[] = [];
    for await (const model of openai.models.list()) ids.push(model.id);
    expect(ids).toEqual(
      expect.arrayContaining(["gpt-4o", "gpt-4o-mini", "text-embedding-3-small"]),
    );
    expect(await openai.models.retrieve("gpt-4o")).toMatchObject({ id: "gpt-4o", object: "model" });
    await expect(openai.models.retrieve("gpt-nope")).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });
});
