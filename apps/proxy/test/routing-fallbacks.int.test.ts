import Anthropic from "@anthropic-ai/sdk";
import { FALLBACKS_HEADER } from "@gatehouse/shared";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { publishNewKey } from "./fixtures";
import {
  apiRequests,
  attemptsOf,
  startRoutingWorld,
  user,
  type RoutingWorld,
} from "./routing-world";

/**
 * Fallbacks (issue 14 item 2): a route's deployments by priority, across providers and wire
 * formats (an OpenAI client answered by an Anthropic deployment, JSON and stream), the
 * dedicated context-window and content-policy fallbacks recognised from the providers' real
 * error bodies, and the per-request `x-gatehouse-fallbacks` control. Each deployment is its
 * own fake provider, so a fault hits exactly one of them.
 */
let world: RoutingWorld;
/** many failures here: no cooldown gets in the way (cooldowns have their own test) */
const NO_COOLDOWN = { failures: 1_000 };
const ONE_RETRY = { maxRetries: 1, backoffBaseMs: 10 };

beforeAll(async () => {
  world = await startRoutingWorld({
    providers: {
      primary: { kind: "openai" },
      backup: { kind: "openai" },
      claude: { kind: "anthropic" },
    },
    routes: [
      {
        alias: "chat",
        deployments: [
          { credentialId: "primary", upstreamModel: "gpt-4o-mini", priority: 0 },
          { credentialId: "backup", upstreamModel: "gpt-4o-mini", priority: 1 },
        ],
        // a JSON call's headers come with its answer: 800 ms total is its time-out
        policy: {
          retry: ONE_RETRY,
          cooldown: NO_COOLDOWN,
          timeouts: { totalMs: 800, ttfbMs: 800 },
        },
      },
      {
        alias: "cross",
        deployments: [
          { credentialId: "primary", upstreamModel: "gpt-4o-mini", priority: 0 },
          { credentialId: "claude", upstreamModel: "claude-haiku-4-5", priority: 1 },
        ],
        policy: { retry: { maxRetries: 0 }, cooldown: NO_COOLDOWN },
      },
      {
        alias: "small",
        deployments: [{ credentialId: "primary", upstreamModel: "gpt-4o-mini" }],
        policy: {
          retry: ONE_RETRY,
          cooldown: NO_COOLDOWN,
          contextWindowFallbacks: ["big"],
          contentPolicyFallbacks: ["big"],
        },
      },
      {
        alias: "small-claude",
        deployments: [{ credentialId: "claude", upstreamModel: "claude-haiku-4-5" }],
        policy: { cooldown: NO_COOLDOWN, contextWindowFallbacks: ["big"] },
      },
      {
        alias: "big",
        deployments: [{ credentialId: "backup", upstreamModel: "gpt-4.1" }],
        policy: { cooldown: NO_COOLDOWN },
      },
      {
        alias: "solo",
        deployments: [{ credentialId: "primary", upstreamModel: "gpt-4o-mini" }],
        policy: { retry: ONE_RETRY, cooldown: NO_COOLDOWN },
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

const chat = (model: string, content = "hello", headers?: Record<string, string>) =>
  world.openai.chat.completions
    .create({ model, messages: user(content) }, headers ? { headers } : undefined)
    .withResponse();

const streamText = async (
  model: string,
  headers?: Record<string, string>,
): Promise<{ text: string; requestId: string | null }> => {
  const { data: stream, response } = await world.openai.chat.completions
    .create({ model, messages: user("hello"), stream: true }, headers ? { headers } : undefined)
    .withResponse();
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
  return { text, requestId: response.headers.get("x-request-id") };
};

describe("fallbacks by priority", () => {
  it("a hang times out (typed, recorded), is retried, then the next priority answers", async () => {
    const { primary, backup } = world.providers;
    primary!.faults.enqueue({ hang: true, count: 2 });
    const before = world.app.metrics.upstreamFallbacks;
    const { data, response } = await chat("chat");
    expect(data.choices[0]?.message.content).toMatch(/fake reply/);
    expect(data.model).toBe("gpt-4o-mini");
    expect(apiRequests(backup!)).toBe(1);
    const event = await world.eventOf(response.headers.get("x-request-id"));
    expect(attemptsOf(event)).toEqual([
      ["primary", "first", null, "upstream_timeout"],
      ["primary", "retry", null, "upstream_timeout"],
      ["backup", "fallback", 200, null],
    ]);
    expect(event.deploymentId).toBe(event.attempts[2]!.deploymentId);
    expect(world.app.metrics.upstreamFallbacks).toBe(before + 1);
    expect(world.app.metrics.render()).toMatch(/^gatehouse_proxy_upstream_fallbacks_total \d+$/m);
  });

  it("a connection reset before the headers falls back (a stream: the client sees one answer)", async () => {
    const { primary } = world.providers;
    primary!.faults.enqueue({ reset: true, count: 2 });
    const { text, requestId } = await streamText("chat");
    expect(text).toMatch(/^This is a fake reply to: hello/);
    const event = await world.eventOf(requestId);
    expect(attemptsOf(event)).toEqual([
      ["primary", "first", null, "upstream_unreachable"],
      ["primary", "retry", null, "upstream_unreachable"],
      ["backup", "fallback", 200, null],
    ]);
    expect(event).toMatchObject({ status: 200, errorType: null, streamed: true });
  });

  it("every candidate failing: the last failure, typed, with x-should-retry: false", async () => {
    const { primary, backup } = world.providers;
    primary!.faults.enqueue({ hang: true, count: 2 });
    backup!.faults.enqueue({ hang: true, count: 2 });
    const error = (await chat("chat").catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.APIError
    >;
    expect(error.status).toBe(504);
    expect(error.error).toMatchObject({ code: "upstream_timeout" });
    expect(error.headers?.get("x-should-retry")).toBe("false");
    const event = await world.eventOf(error.headers?.get("x-request-id"));
    expect(event.attempts.map((a) => a.kind)).toEqual(["first", "retry", "fallback", "retry"]);
    expect(event).toMatchObject({ status: 504, errorType: "upstream_timeout" });
  });
});

describe("across providers: an OpenAI client answered by an Anthropic deployment", () => {
  it("JSON: translated into a chat completion", async () => {
    const { primary, claude } = world.providers;
    primary!.faults.enqueue({ status: 503 });
    const { data, response } = await chat("cross");
    expect(data.object).toBe("chat.completion");
    expect(data.model).toBe("cross");
    expect(data.choices[0]?.message.content).toMatch(/^This is a fake reply to: hello/);
    expect(claude!.requests.at(-1)?.path).toBe("/v1/messages");
    const event = await world.eventOf(response.headers.get("x-request-id"));
    expect(event.attempts.map((a) => [a.provider, a.kind, a.status])).toEqual([
      ["openai", "first", 503],
      ["anthropic", "fallback", 200],
    ]);
    expect(event).toMatchObject({ provider: "anthropic", upstreamModel: "claude-haiku-4-5" });
    expect(event.inputTokens).toBeGreaterThan(0);
  });

  it("stream: translated chunk by chunk", async () => {
    const { primary } = world.providers;
    primary!.faults.enqueue({ status: 503 });
    const { text, requestId } = await streamText("cross");
    expect(text).toMatch(/^This is a fake reply to: hello/);
    const event = await world.eventOf(requestId);
    expect(event.attempts.map((a) => [a.provider, a.kind])).toEqual([
      ["openai", "first"],
      ["anthropic", "fallback"],
    ]);
    expect(event.outputTokens).toBeGreaterThan(0);
  });
});

describe("dedicated fallbacks", () => {
  it("OpenAI's context_length_exceeded goes to the route's context-window fallback", async () => {
    const { primary, backup } = world.providers;
    primary!.faults.enqueue({ contextWindow: true });
    const { data, response } = await chat("small");
    expect(data.choices[0]?.message.content).toMatch(/fake reply/);
    // the bigger model answered (the client still sees its own alias in the event)
    expect((backup!.requests.at(-1)?.body as { model: string }).model).toBe("gpt-4.1");
    const event = await world.eventOf(response.headers.get("x-request-id"));
    expect(attemptsOf(event)).toEqual([
      ["primary", "first", 400, "upstream_error"],
      ["backup", "fallback", 200, null],
    ]);
    expect(event.upstreamModel).toBe("gpt-4.1");
  });

  it("Anthropic's 'prompt is too long' does too (an Anthropic client, answered by OpenAI)", async () => {
    const { claude } = world.providers;
    claude!.faults.enqueue({ contextWindow: true });
    const message = await world.anthropic.messages.create({
      model: "small-claude",
      max_tokens: 50,
      messages: user("hello"),
    });
    expect(message.content[0]).toMatchObject({ type: "text" });
    expect(message.model).toBe("small-claude");
  });

  it("OpenAI's content-policy refusal goes to the content-policy fallback", async () => {
    const { primary, backup } = world.providers;
    primary!.faults.enqueue({ contentPolicy: true });
    const { response } = await chat("small");
    expect(response.status).toBe(200);
    expect(apiRequests(backup!)).toBe(1);
  });

  it("without a dedicated fallback the provider's 400 is the answer, unretried", async () => {
    const { primary } = world.providers;
    primary!.faults.enqueue({ contextWindow: true });
    const error = (await chat("solo").catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.BadRequestError
    >;
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.code).toBe("context_length_exceeded");
    expect(apiRequests(primary!)).toBe(1);
  });
});

describe(`the ${FALLBACKS_HEADER} header`, () => {
  it("off: only the lowest-priority group (retries still apply), no dedicated fallbacks", async () => {
    const { primary, backup } = world.providers;
    primary!.faults.enqueue({ status: 503, count: 2 });
    const error = (await chat("chat", "hello", { [FALLBACKS_HEADER]: "off" }).catch(
      (e: unknown) => e,
    )) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(503);
    expect(error.headers?.get("x-should-retry")).toBe("false");
    expect(apiRequests(primary!)).toBe(2);
    expect(apiRequests(backup!)).toBe(0);

    primary!.faults.enqueue({ contextWindow: true });
    const overflow = (await chat("small", "hello", { [FALLBACKS_HEADER]: "off" }).catch(
      (e: unknown) => e,
    )) as InstanceType<typeof OpenAI.APIError>;
    expect(overflow.status).toBe(400);
    expect(apiRequests(backup!)).toBe(0);
  });

  it("a list: after the route's own deployments, the listed routes' in order", async () => {
    const { primary, backup } = world.providers;
    primary!.faults.enqueue({ status: 503, count: 2 });
    const { response } = await chat("solo", "hello", { [FALLBACKS_HEADER]: "big, cross" });
    expect(response.status).toBe(200);
    expect((backup!.requests.at(-1)?.body as { model: string }).model).toBe("gpt-4.1");
    const event = await world.eventOf(response.headers.get("x-request-id"));
    expect(attemptsOf(event)).toEqual([
      ["primary", "first", 503, "upstream_error"],
      ["primary", "retry", 503, "upstream_error"],
      ["backup", "fallback", 200, null],
    ]);
  });

  it("an unknown alias is a 400 naming it; one the key may not use is a 403", async () => {
    const error = (await chat("solo", "hello", { [FALLBACKS_HEADER]: "big,nope" }).catch(
      (e: unknown) => e,
    )) as InstanceType<typeof OpenAI.APIError>;
    expect(error.status).toBe(400);
    expect(error.message).toContain("'nope'");
    expect(apiRequests(world.providers.primary!)).toBe(0);

    const { secret } = await publishNewKey(world.redis, world.workspaceId, {
      allowedModels: ["solo"],
    });
    const limited = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    const refused = (await limited.chat.completions
      .create({ model: "solo", messages: user("hi") }, { headers: { [FALLBACKS_HEADER]: "big" } })
      .catch((e: unknown) => e)) as InstanceType<typeof OpenAI.APIError>;
    expect(refused.status).toBe(403);
    expect(refused.message).toContain("'big'");
  });

  it("works the same for an Anthropic client", async () => {
    const { claude, backup } = world.providers;
    claude!.faults.enqueue({ status: 529, count: 3 });
    const message = await world.anthropic.messages.create(
      { model: "small-claude", max_tokens: 50, messages: user("hello") },
      { headers: { [FALLBACKS_HEADER]: "big" } },
    );
    expect(message.type).toBe("message");
    expect(apiRequests(backup!)).toBe(1);
    const error = await world.anthropic.messages
      .create(
        { model: "small-claude", max_tokens: 50, messages: user("hello") },
        { headers: { [FALLBACKS_HEADER]: "bogus" } },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
  });
});
