import Anthropic from "@anthropic-ai/sdk";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  apiRequests,
  attemptsOf,
  startRoutingWorld,
  user,
  type RoutingWorld,
} from "./routing-world";

/**
 * Streams fail over before the first token (issue 14 item 3): the proxy holds a stream's
 * response until the upstream's first content event, so a failure before it (a reset after the
 * headers, an error event, a first token slower than the route's ttfbMs) falls back without
 * the client seeing anything but one clean answer; after the first token a failure is an
 * error event in the client's format, never a clean end and never a second answer. A failed
 * attempt that reported usage (Anthropic's message_start) is billed (item 8).
 */
let world: RoutingWorld;
const NO_COOLDOWN = { failures: 1_000 };

beforeAll(async () => {
  world = await startRoutingWorld({
    providers: {
      // a few ms between chunks: a disconnect after N tokens happens mid-stream, not in one write
      primary: { kind: "openai", options: { chunkDelayMs: 5 } },
      backup: { kind: "openai" },
      claude: { kind: "anthropic", options: { chunkDelayMs: 5 } },
    },
    routes: [
      {
        alias: "chat",
        deployments: [
          { credentialId: "primary", upstreamModel: "gpt-4o-mini", priority: 0 },
          { credentialId: "backup", upstreamModel: "gpt-4o-mini", priority: 1 },
        ],
        policy: {
          retry: { maxRetries: 0 },
          cooldown: NO_COOLDOWN,
          timeouts: { ttfbMs: 600, idleMs: 1_000 },
        },
      },
      {
        alias: "claude-chat",
        deployments: [
          { credentialId: "claude", upstreamModel: "claude-haiku-4-5", priority: 0 },
          { credentialId: "backup", upstreamModel: "gpt-4o-mini", priority: 1 },
        ],
        policy: { retry: { maxRetries: 0 }, cooldown: NO_COOLDOWN },
      },
    ],
  });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => {
  for (const fake of Object.values(world.providers)) fake.reset();
});

/** the whole streamed text, and the error that ended it (if any) */
async function openaiStream(model: string) {
  const { data: stream, response } = await world.openai.chat.completions
    .create({ model, messages: user("hello"), stream: true })
    .withResponse();
  let text = "";
  let error: unknown = null;
  try {
    for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  } catch (e) {
    error = e;
  }
  return { text, error, requestId: response.headers.get("x-request-id") };
}

/** what a healthy stream of the same request says */
let cleanAnswer = "";
beforeAll(async () => {
  cleanAnswer = (await openaiStream("chat")).text;
  expect(cleanAnswer).toMatch(/^This is a fake reply to: hello( \w+){3,}/);
});

describe("before the first token: an invisible fallback", () => {
  it("a disconnect after the headers, before any content: one clean answer from the backup", async () => {
    const { primary, backup } = world.providers;
    primary!.faults.enqueue({ disconnectAfter: 0 });
    const { text, error, requestId } = await openaiStream("chat");
    expect(error).toBeNull();
    expect(text).toBe(cleanAnswer);
    expect(apiRequests(backup!)).toBe(1);
    const event = await world.eventOf(requestId);
    expect(attemptsOf(event)).toEqual([
      ["primary", "first", 200, "upstream_unreachable"],
      ["backup", "fallback", 200, null],
    ]);
    expect(event).toMatchObject({ status: 200, errorType: null });
  });

  it("an error event before any content", async () => {
    world.providers.primary!.faults.enqueue({ errorAfter: 0 });
    const { text, error, requestId } = await openaiStream("chat");
    expect(error).toBeNull();
    expect(text).toBe(cleanAnswer);
    const event = await world.eventOf(requestId);
    expect(attemptsOf(event)[0]).toEqual(["primary", "first", 200, "upstream_error"]);
  });

  it("a first token slower than the route's ttfbMs (headers came at once)", async () => {
    // the head (role chunk) goes out, then nothing: the 600 ms time-to-first-token runs out
    world.providers.primary!.faults.enqueue({ stallAfter: 0 });
    const { text, error, requestId } = await openaiStream("chat");
    expect(error).toBeNull();
    expect(text).toBe(cleanAnswer);
    const event = await world.eventOf(requestId);
    expect(attemptsOf(event)).toEqual([
      ["primary", "first", 200, "upstream_timeout"],
      ["backup", "fallback", 200, null],
    ]);
  });

  it("an Anthropic stream that fails after message_start: fallback, and the reported input is billed", async () => {
    const { claude, backup } = world.providers;
    claude!.faults.enqueue({ errorAfter: 0 });
    const stream = world.anthropic.messages.stream({
      model: "claude-chat",
      max_tokens: 100,
      messages: user("hello"),
    });
    const message = await stream.finalMessage();
    expect(message.content[0]).toMatchObject({ type: "text" });
    expect((message.content[0] as { text: string }).text).toMatch(
      /^This is a fake reply to: hello/,
    );
    expect(apiRequests(backup!)).toBe(1);
    const requestId = (await stream.withResponse()).response.headers.get("x-request-id");
    const event = await world.eventOf(requestId);
    const failed = event.attempts[0]!;
    expect(failed).toMatchObject({
      provider: "anthropic",
      kind: "first",
      errorType: "upstream_error",
    });
    expect(failed.inputTokens).toBeGreaterThan(0);
    expect(failed.costNanoUsd).toBeGreaterThan(0);
    // the request's totals: the failed attempt's tokens and cost, plus the answer's
    expect(event.inputTokens).toBeGreaterThan(failed.inputTokens!);
    expect(event.costNanoUsd).toBeGreaterThan(failed.costNanoUsd!);
  });
});

describe("after the first token: an error event, never a second answer", () => {
  it("OpenAI client: the tokens so far, then the SDK throws; the backup is not called", async () => {
    const { primary, backup } = world.providers;
    primary!.faults.enqueue({ disconnectAfter: 3 });
    const { text, error, requestId } = await openaiStream("chat");
    expect(error).toBeInstanceOf(Error);
    expect(cleanAnswer.startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThan(0);
    expect(text.length).toBeLessThan(cleanAnswer.length);
    expect(apiRequests(backup!)).toBe(0);
    const event = await world.eventOf(requestId);
    expect(attemptsOf(event)).toEqual([["primary", "first", 200, "upstream_unreachable"]]);
    expect(event).toMatchObject({ errorType: "upstream_unreachable", clientAborted: false });
    expect(event.outputTokens).toBeGreaterThan(0);
  });

  it("a stream that falls silent past the route's idleMs: the SDK throws, recorded as a time-out", async () => {
    world.providers.primary!.faults.enqueue({ stallAfter: 2 });
    const { text, error, requestId } = await openaiStream("chat");
    expect(text.length).toBeGreaterThan(0);
    expect(String((error as Error).message)).toMatch(/stopped sending data/);
    const event = await world.eventOf(requestId);
    expect(attemptsOf(event)).toEqual([["primary", "first", 200, "upstream_timeout"]]);
  });

  it("Anthropic client: an error event in Anthropic's format; the partial answer is billed", async () => {
    const { claude, backup } = world.providers;
    claude!.faults.enqueue({ disconnectAfter: 2 });
    const stream = world.anthropic.messages.stream({
      model: "claude-chat",
      max_tokens: 100,
      messages: user("hello"),
    });
    let text = "";
    stream.on("text", (delta) => (text += delta));
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(text).toMatch(/^This is/);
    expect(apiRequests(backup!)).toBe(0);
    const requestId = (await stream.withResponse()).response.headers.get("x-request-id");
    const event = await world.eventOf(requestId);
    const attempt = event.attempts[0]!;
    expect(attempt).toMatchObject({ kind: "first", errorType: "upstream_unreachable" });
    // billed what the provider reported before the cut, and the request's totals are that
    expect(attempt.inputTokens).toBe(event.inputTokens);
    expect(attempt.costNanoUsd).toBe(event.costNanoUsd);
    expect(event.costNanoUsd).toBeGreaterThan(0);
  });
});

describe("the held prefix", () => {
  it("what the failed attempt sent before failing never reaches the client", async () => {
    // the primary's role chunk is held, then dropped with its attempt
    world.providers.primary!.faults.enqueue({ disconnectAfter: 0 });
    const proxied = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${world.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "chat", messages: user("hello"), stream: true }),
    });
    expect(proxied.status).toBe(200);
    expect(proxied.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const body = await proxied.text();
    expect(body.match(/"role":"assistant"/g)).toHaveLength(1);
    expect(body.match(/data: \[DONE\]/g)).toHaveLength(1);
    expect(body).not.toContain('"error"');
  });
});
