import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeProvider, type FakeProvider } from "./index";

let provider: FakeProvider;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  provider = await startFakeProvider();
  openai = new OpenAI({ apiKey: "sk-test", baseURL: provider.openaiBaseUrl, maxRetries: 0 });
  anthropic = new Anthropic({
    apiKey: "sk-ant-test",
    baseURL: provider.anthropicBaseUrl,
    maxRetries: 0,
  });
});
afterAll(() => provider.close());
beforeEach(() => provider.reset());

const model = "claude-haiku-4-5-20251001";
const chat = (content: string, client = openai) =>
  client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content }] });
const message = (content: string, client = anthropic) =>
  client.messages.create({ model, max_tokens: 100, messages: [{ role: "user", content }] });
const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error("expected the request to fail");
    },
    (error: unknown) => error,
  );

describe("directives in the user's message", () => {
  it("[[fake:status=429,retry_after=2]] gives each SDK its RateLimitError with retry-after", async () => {
    const openaiError = await failure(chat("Hi [[fake:status=429,retry_after=2]]"));
    expect(openaiError).toBeInstanceOf(OpenAI.RateLimitError);
    const limited = openaiError as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited.headers?.get("retry-after")).toBe("2");
    expect(limited.headers?.get("x-ratelimit-remaining-requests")).toBe("0");
    expect(limited.error).toMatchObject({ type: "requests", code: "rate_limit_exceeded" });

    const anthropicError = await failure(message("Hi [[fake:status=429,retry_after=2]]"));
    expect(anthropicError).toBeInstanceOf(Anthropic.RateLimitError);
    const anthropicLimited = anthropicError as InstanceType<typeof Anthropic.RateLimitError>;
    expect(anthropicLimited.headers?.get("retry-after")).toBe("2");
    expect(anthropicLimited.error).toMatchObject({
      type: "error",
      error: { type: "rate_limit_error" },
    });
  });

  it("a 429 without retry_after still carries retry-after", async () => {
    const error = (await failure(chat("[[fake:status=429]]"))) as InstanceType<
      typeof OpenAI.RateLimitError
    >;
    expect(error.headers?.get("retry-after")).toBe("1");
  });

  it("[[fake:status=500]] and 529 are server errors in each API's format", async () => {
    const openaiError = await failure(chat("[[fake:status=500]]"));
    expect(openaiError).toBeInstanceOf(OpenAI.InternalServerError);
    expect((openaiError as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      type: "server_error",
    });

    const anthropicError = await failure(message("[[fake:status=529]]"));
    expect(anthropicError).toBeInstanceOf(Anthropic.InternalServerError);
    expect((anthropicError as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { type: "overloaded_error" },
    });
  });

  it("[[fake:hang]] never answers: the SDK times out", async () => {
    const slowOpenai = openai.withOptions({ timeout: 200 });
    await expect(chat("[[fake:hang]]", slowOpenai)).rejects.toBeInstanceOf(
      OpenAI.APIConnectionTimeoutError,
    );

    const slowAnthropic = anthropic.withOptions({ timeout: 200 });
    await expect(message("[[fake:hang]]", slowAnthropic)).rejects.toBeInstanceOf(
      Anthropic.APIConnectionTimeoutError,
    );
    expect(provider.requests).toHaveLength(2);
  });

  it("[[fake:disconnect_after=3]] breaks an OpenAI stream after 3 words: iteration throws", async () => {
    const stream = await openai.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      messages: [{ role: "user", content: "Hi [[fake:disconnect_after=3]]" }],
    });
    const words: string[] = [];
    const consume = async (): Promise<void> => {
      for await (const chunk of stream) words.push(chunk.choices[0]?.delta.content ?? "");
    };
    // the socket dies mid-body ("terminated"), which is not a clean end of the stream
    await expect(consume()).rejects.toThrow("terminated");
    expect(words.join("")).toBe("This is a");
  });

  it("[[fake:disconnect_after=3]] breaks an Anthropic stream: finalMessage rejects", async () => {
    const stream = anthropic.messages.stream({
      model,
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi [[fake:disconnect_after=3]]" }],
    });
    const texts: string[] = [];
    stream.on("text", (text) => texts.push(text));
    await expect(stream.finalMessage()).rejects.toThrow("terminated");
    expect(texts.join("")).toBe("This is a");
  });

  it("disconnect_after on a JSON request drops the connection without an answer", async () => {
    await expect(chat("[[fake:disconnect_after=0]]")).rejects.toBeInstanceOf(
      OpenAI.APIConnectionError,
    );
  });

  it("[[fake:error_after=2]] sends an error event mid-stream: each SDK throws an APIError", async () => {
    const stream = await openai.chat.completions.create({
      model: "gpt-4o",
      stream: true,
      messages: [{ role: "user", content: "Hi [[fake:error_after=2]]" }],
    });
    const consume = async (): Promise<void> => {
      for await (const _ of stream);
    };
    await expect(consume()).rejects.toBeInstanceOf(OpenAI.APIError);

    const anthropicStream = anthropic.messages.stream({
      model,
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi [[fake:error_after=2]]" }],
    });
    const error = await failure(anthropicStream.finalMessage());
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { type: "overloaded_error" },
    });
  });

  it("[[fake:latency=150]] delays the answer", async () => {
    const started = performance.now();
    await chat("Hi [[fake:latency=150]]");
    // a lower bound only (timers may round a millisecond early), never an upper one
    expect(performance.now() - started).toBeGreaterThanOrEqual(145);
  });

  it("[[fake:context_window]] answers each provider's real context-window error", async () => {
    const openaiError = await failure(chat("Hi [[fake:context_window]]"));
    expect(openaiError).toBeInstanceOf(OpenAI.BadRequestError);
    expect((openaiError as InstanceType<typeof OpenAI.BadRequestError>).code).toBe(
      "context_length_exceeded",
    );
    expect((openaiError as Error).message).toMatch(/maximum context length is \d+ tokens/);
    const anthropicError = await failure(message("Hi [[fake:context_window]]"));
    expect(anthropicError).toBeInstanceOf(Anthropic.BadRequestError);
    expect((anthropicError as InstanceType<typeof Anthropic.BadRequestError>).error).toMatchObject({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: expect.stringMatching(/^prompt is too long: \d+ tokens > \d+ maximum$/),
      },
    });
  });

  it("[[fake:content_policy]] answers OpenAI's flagged-prompt error", async () => {
    const error = await failure(chat("Hi [[fake:content_policy]]"));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as InstanceType<typeof OpenAI.BadRequestError>).code).toBe("invalid_prompt");
    expect((error as Error).message).toMatch(/usage policy/);
  });

  it("[[fake:reset]] drops the connection before any response byte, streams included", async () => {
    const json = await failure(chat("Hi [[fake:reset]]"));
    expect(json).toBeInstanceOf(OpenAI.APIConnectionError);
    const stream = await failure(
      openai.chat.completions.create({
        model: "gpt-4o",
        messages: [{ role: "user", content: "Hi [[fake:reset]]" }],
        stream: true,
      }),
    );
    expect(stream).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it("an unknown directive is a 400 naming it, so a typo does not pass silently", async () => {
    const error = await failure(chat("[[fake:stauts=500]]"));
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain("unknown fake directive 'stauts'");
  });
});

describe("the fault queue", () => {
  it("applies enqueued faults to the next requests, `count` times, in order", async () => {
    provider.faults.enqueue({ status: 503, count: 2 });
    provider.faults.enqueue({ status: 429, retryAfter: 7 });
    expect(provider.faults.pending).toBe(3);

    await expect(chat("Hi")).rejects.toBeInstanceOf(OpenAI.InternalServerError);
    await expect(message("Hi")).rejects.toBeInstanceOf(Anthropic.InternalServerError);
    const limited = (await failure(chat("Hi"))) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited.headers?.get("retry-after")).toBe("7");
    expect((await chat("Hi")).choices[0]!.finish_reason).toBe("stop");
    expect(provider.faults.pending).toBe(0);
  });

  it("hangs and disconnects on request", async () => {
    provider.faults.enqueue({ hang: true });
    await expect(chat("Hi", openai.withOptions({ timeout: 200 }))).rejects.toBeInstanceOf(
      OpenAI.APIConnectionTimeoutError,
    );

    provider.faults.enqueue({ disconnectAfter: 1 });
    const stream = anthropic.messages.stream({
      model,
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
    });
    await expect(stream.finalMessage()).rejects.toThrow();
  });

  it("lets message directives override an enqueued fault", async () => {
    provider.faults.enqueue({ status: 500, latencyMs: 1 });
    await expect(chat("[[fake:status=429]]")).rejects.toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("refuses a malformed fault", () => {
    expect(() => provider.faults.enqueue({ status: 42 })).toThrow(/status/);
    expect(() => provider.faults.enqueue({ bogus: true } as never)).toThrow(
      /unknown fault field 'bogus'/,
    );
  });
});

describe("over HTTP", () => {
  const post = (path: string, body?: unknown) =>
    fetch(provider.url + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it("POST /_fake/faults queues faults; POST /_fake/reset clears them", async () => {
    const queued = await post("/_fake/faults", [{ status: 429, retryAfter: 3 }, { status: 500 }]);
    expect(queued.status).toBe(200);
    expect(await queued.json()).toEqual({ pending: 2 });
    const limited = (await failure(chat("Hi"))) as InstanceType<typeof OpenAI.RateLimitError>;
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect(limited.headers?.get("retry-after")).toBe("3");

    expect((await post("/_fake/reset")).status).toBe(200);
    expect(provider.faults.pending).toBe(0);
    expect(provider.requests).toHaveLength(0);
    await expect(chat("Hi")).resolves.toBeDefined();
  });

  it("POST /_fake/faults refuses a bad fault and queues none of the list", async () => {
    const refused = await post("/_fake/faults", [{ status: 500 }, { disconnectAfter: -1 }]);
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({
      error: "fault field 'disconnectAfter' must be an integer >= 0",
    });
    expect(provider.faults.pending).toBe(0);
  });

  it("answers GET /health and lists recorded requests at GET /_fake/requests", async () => {
    const health = await fetch(`${provider.url}/health`);
    expect(health.status).toBe(200);
    await chat("Recorded");
    const recorded = (await (await fetch(`${provider.url}/_fake/requests`)).json()) as {
      path: string;
    }[];
    expect(recorded.map((request) => request.path)).toEqual(["/v1/chat/completions"]);
  });
});

describe("recorded requests", () => {
  it("keeps method, path, lower-cased headers, the parsed body and the received api key", async () => {
    await chat("Hello");
    await message("Hello");
    const [openaiRequest, anthropicRequest] = provider.requests;
    expect(openaiRequest).toMatchObject({
      method: "POST",
      path: "/v1/chat/completions",
      body: { model: "gpt-4o", messages: [{ role: "user", content: "Hello" }] },
      receivedApiKey: "sk-test",
    });
    expect(openaiRequest!.headers.authorization).toBe("Bearer sk-test");
    expect(anthropicRequest).toMatchObject({ path: "/v1/messages", receivedApiKey: "sk-ant-test" });
    expect(anthropicRequest!.headers["anthropic-version"]).toBeDefined();
  });

  it("keeps the last 200 only", async () => {
    for (let i = 0; i < 205; i++) await fetch(`${provider.openaiBaseUrl}/models?i=${i}`);
    expect(provider.requests).toHaveLength(200);
    expect(provider.requests[0]!.url).toBe("/v1/models?i=5");
    expect(provider.requests[0]!.body).toBeNull();
  });
});

describe("api key enforcement", () => {
  let guarded: FakeProvider;
  beforeAll(async () => {
    guarded = await startFakeProvider({ apiKey: "sk-right" });
  });
  afterAll(() => guarded.close());

  it("answers 401 in each API's format to a wrong key and records the key it got", async () => {
    const wrongOpenai = new OpenAI({
      apiKey: "sk-wrong-key-123",
      baseURL: guarded.openaiBaseUrl,
      maxRetries: 0,
    });
    const error = await failure(chat("Hi", wrongOpenai));
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      type: "invalid_request_error",
      code: "invalid_api_key",
    });
    // like OpenAI, the key appears only masked
    expect((error as Error).message).not.toContain("sk-wrong-key-123");

    const wrongAnthropic = new Anthropic({
      apiKey: "sk-ant-wrong",
      baseURL: guarded.anthropicBaseUrl,
      maxRetries: 0,
    });
    const anthropicError = await failure(message("Hi", wrongAnthropic));
    expect(anthropicError).toBeInstanceOf(Anthropic.AuthenticationError);
    expect((anthropicError as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      error: { type: "authentication_error", message: "invalid x-api-key" },
    });

    const missing = await fetch(`${guarded.openaiBaseUrl}/models`);
    expect(missing.status).toBe(401);
    expect(guarded.requests.map((request) => request.receivedApiKey)).toEqual([
      "sk-wrong-key-123",
      "sk-ant-wrong",
      null,
    ]);
  });

  it("serves the right key, whether as Bearer or x-api-key", async () => {
    const rightOpenai = new OpenAI({
      apiKey: "sk-right",
      baseURL: guarded.openaiBaseUrl,
      maxRetries: 0,
    });
    await expect(chat("Hi", rightOpenai)).resolves.toMatchObject({ object: "chat.completion" });
    const rightAnthropic = new Anthropic({
      apiKey: "sk-right",
      baseURL: guarded.anthropicBaseUrl,
      maxRetries: 0,
    });
    await expect(message("Hi", rightAnthropic)).resolves.toMatchObject({ type: "message" });
  });
});

describe("pacing", () => {
  it("spaces stream chunks by chunkDelayMs after latencyMs", async () => {
    const paced = await startFakeProvider({ latencyMs: 50, chunkDelayMs: 40, completionTokens: 4 });
    try {
      const client = new OpenAI({ apiKey: "k", baseURL: paced.openaiBaseUrl, maxRetries: 0 });
      const started = performance.now();
      const arrivals: number[] = [];
      const stream = await client.chat.completions.create({
        model: "gpt-4o",
        stream: true,
        messages: [{ role: "user", content: "Hi" }],
      });
      for await (const chunk of stream)
        if (chunk.choices[0]?.delta.content) arrivals.push(performance.now() - started);
      expect(arrivals).toHaveLength(4);
      // lower bounds only: the first word after the latency, each next one a chunk delay later
      expect(arrivals[0]).toBeGreaterThanOrEqual(45);
      expect(arrivals[3]! - arrivals[0]!).toBeGreaterThanOrEqual(3 * 40 - 5);
    } finally {
      await paced.close();
    }
  });
});
