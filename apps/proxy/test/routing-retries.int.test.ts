import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { sleep } from "./fixtures";
import {
  apiRequests,
  attemptsOf,
  FAST_RETRIES,
  startRoutingWorld,
  user,
  type RoutingWorld,
} from "./routing-world";

/**
 * Retries (issue 14 item 1), through the official SDKs with their own retries off: the route's
 * RetryPolicy, Retry-After honoured, never a retry of a client fault, a per-request budget,
 * and `x-should-retry: false` on our final 429/5xx after we retried, which the SDKs obey.
 */
let world: RoutingWorld;
/** these tests fail one deployment many times: no cooldown gets in their way */
const NO_COOLDOWN = { failures: 1_000 };

beforeAll(async () => {
  world = await startRoutingWorld({
    providers: { primary: { kind: "openai" } },
    routes: [
      {
        alias: "solo",
        deployments: [{ credentialId: "primary", upstreamModel: "gpt-4o-mini" }],
        policy: { retry: FAST_RETRIES, cooldown: NO_COOLDOWN },
      },
      {
        alias: "no-retries",
        deployments: [{ credentialId: "primary", upstreamModel: "gpt-4o-mini" }],
        policy: { retry: { maxRetries: 0 }, cooldown: NO_COOLDOWN },
      },
      {
        alias: "short-budget",
        deployments: [{ credentialId: "primary", upstreamModel: "gpt-4o-mini" }],
        policy: { retry: { ...FAST_RETRIES, budgetMs: 1_000 }, cooldown: NO_COOLDOWN },
      },
    ],
  });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => world.providers.primary!.reset());

const chat = (model: string, content = "hello", client: OpenAI = world.openai) =>
  client.chat.completions.create({ model, messages: user(content) }).withResponse();

describe("retries", () => {
  it("a 429 with Retry-After is retried after the wait it asks for, then answered", async () => {
    const primary = world.providers.primary!;
    primary.faults.enqueue({ status: 429, retryAfter: 1 });
    const { data, response } = await chat("solo");
    expect(data.choices[0]?.message.content).toMatch(/fake reply/);
    expect(apiRequests(primary)).toBe(2);
    const event = await world.eventOf(response.headers.get("x-request-id"));
    expect(attemptsOf(event)).toEqual([
      ["primary", "first", 429, "upstream_error"],
      ["primary", "retry", 200, null],
    ]);
    const waited =
      Date.parse(event.attempts[1]!.startedAt) - Date.parse(event.attempts[0]!.startedAt);
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(event.status).toBe(200);
  });

  it("500 and 503 are retried until an answer comes", async () => {
    const primary = world.providers.primary!;
    primary.faults.enqueue({ status: 500 });
    primary.faults.enqueue({ status: 503 });
    const { response } = await chat("solo");
    expect(response.status).toBe(200);
    const event = await world.eventOf(response.headers.get("x-request-id"));
    expect(attemptsOf(event)).toEqual([
      ["primary", "first", 500, "upstream_error"],
      ["primary", "retry", 503, "upstream_error"],
      ["primary", "retry", 200, null],
    ]);
  });

  it("a client fault is never retried (400, 404, 422)", async () => {
    const primary = world.providers.primary!;
    for (const status of [400, 404, 422]) {
      primary.reset();
      primary.faults.enqueue({ status });
      const error = await chat("solo").catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(status);
      expect(apiRequests(primary)).toBe(1);
      // nothing was retried: no reason to tell the SDK anything
      expect(
        (error as InstanceType<typeof OpenAI.APIError>).headers?.get("x-should-retry"),
      ).toBeNull();
    }
  });

  it("our final 5xx after retrying says x-should-retry: false, and an SDK with retries on obeys", async () => {
    const primary = world.providers.primary!;
    primary.faults.enqueue({ status: 503, count: 3 });
    // the SDK's own retries ON (2): without the header it would call twice more, and succeed
    const client = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 2 });
    const error = await chat("solo", "hello", client).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(503);
    expect(apiError.headers?.get("x-should-retry")).toBe("false");
    expect(apiRequests(primary)).toBe(3);
    const event = await world.eventOf(apiError.headers?.get("x-request-id"));
    expect(event.attempts.map((a) => a.kind)).toEqual(["first", "retry", "retry"]);
  });

  it("without our retries the 5xx is left for the SDK to retry (no x-should-retry)", async () => {
    world.providers.primary!.faults.enqueue({ status: 503 });
    const error = (await chat("no-retries").catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.APIError
    >;
    expect(error.status).toBe(503);
    expect(error.headers?.get("x-should-retry")).toBeNull();
  });

  it("no retry whose wait would end past the request's budget", async () => {
    const primary = world.providers.primary!;
    // 1.5 s asked for, within maxDelayMs (2 s) but past the route's 1 s budget
    primary.faults.enqueue({ status: 429, retryAfter: 1.5 });
    const error = (await chat("short-budget").catch((e: unknown) => e)) as InstanceType<
      typeof OpenAI.APIError
    >;
    expect(error.status).toBe(429);
    expect(apiRequests(primary)).toBe(1);
    // the SDK may still honour the provider's retry-after itself: it is passed on
    expect(error.headers?.get("retry-after")).toBe("1.5");
  });

  it("a client that leaves during the wait ends it: no further attempt", async () => {
    const primary = world.providers.primary!;
    primary.faults.enqueue({ status: 429, retryAfter: 2 });
    const abort = new AbortController();
    const pending = world.openai.chat.completions
      .create({ model: "solo", messages: user("hello") }, { signal: abort.signal })
      .catch((e: unknown) => e);
    while (apiRequests(primary) === 0) await sleep(10);
    abort.abort();
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    await sleep(2_500);
    expect(apiRequests(primary)).toBe(1);
  });
});
