import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, startWorld, waitForEvent, type World } from "./fixtures";

/**
 * The three upstream time limits (issue 12 item 10), each ending in a typed 504 — or, once a
 * stream has started, an error event in the client's format, never a clean end. Short limits
 * here; the defaults are 30 s (a stream's headers), 60 s (silence between chunks), 300 s (total).
 */
let world: World;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  world = await startWorld(
    {
      settings: {
        upstreamTtfbTimeoutMs: 300,
        upstreamIdleTimeoutMs: 400,
        upstreamTotalTimeoutMs: 3_000,
      },
    },
    // 40 ms between chunks: a long answer outlives the 3 s total, a short one does not
    { chunkDelayMs: 40 },
  );
  openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
});
afterAll(async () => {
  await world?.close();
});

const user = (content: string) => [{ role: "user" as const, content }];

describe("upstream time limits", () => {
  it("a stream whose headers never come: 504 after the time-to-first-byte limit", async () => {
    const error = await openai.chat.completions
      .create({ model: ROUTES.openai, messages: user("[[fake:hang]] hi"), stream: true })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const apiError = error as InstanceType<typeof OpenAI.APIError>;
    expect(apiError.status).toBe(504);
    expect(apiError.error).toMatchObject({ code: "upstream_timeout" });
    // retried (the default route policy: 2 retries), so the SDK is told not to retry again
    expect(apiError.headers?.get("x-should-retry")).toBe("false");
    const event = await waitForEvent(world.usageQueue, apiError.headers!.get("x-request-id")!);
    expect(event.attempts.map((a) => [a.kind, a.errorType])).toEqual([
      ["first", "upstream_timeout"],
      ["retry", "upstream_timeout"],
      ["retry", "upstream_timeout"],
    ]);
    // each waited the streaming limit (undici checks it at ~1 s granularity), not the 3 s a
    // JSON call may wait for its headers
    for (const attempt of event.attempts) expect(attempt.latencyMs).toBeLessThan(2_500);
  });

  it("a stream that falls silent mid-answer ends with an error event after the idle limit (OpenAI SDK)", async () => {
    const stream = await openai.chat.completions.create({
      model: ROUTES.openai,
      messages: user("[[fake:stall_after=2]] tell me a story"),
      stream: true,
    });
    let text = "";
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta?.content ?? "";
    })().catch((e: unknown) => e);
    expect(text.length).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/stopped sending data/);
  });

  it("the same for an Anthropic client (Anthropic SDK)", async () => {
    const stream = anthropic.messages.stream({
      model: ROUTES.anthropic,
      max_tokens: 100,
      messages: user("[[fake:stall_after=2]] tell me a story"),
    });
    const error = await stream.finalMessage().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/stopped sending data/);
  });

  it("a stream still flowing at the total limit is cut with an error event, and recorded as a timeout", async () => {
    const response = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${world.key}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: ROUTES.openai,
        messages: user("[[fake:tokens=200]] a long answer"),
        stream: true,
      }),
    });
    expect(response.status).toBe(200);
    const body = await response.text();
    expect(body).toMatch(/did not finish its answer within the gateway's time limit/);
    expect(body).not.toContain("[DONE]");
    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event).toMatchObject({ errorType: "upstream_timeout", clientAborted: false });
    expect(event.outputTokens).toBeGreaterThan(0);
  });

  it("a JSON answer that never comes: 504 at the total limit (its headers come with the answer)", async () => {
    const error = await anthropic.messages
      .create({ model: ROUTES.anthropic, max_tokens: 50, messages: user("[[fake:hang]] hi") })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(504);
  });

  it("answers within the limits are untouched", async () => {
    const reply = await openai.chat.completions.create({
      model: ROUTES.openai,
      messages: user("[[fake:tokens=5]] hi"),
    });
    expect(reply.choices[0]?.message.content).toBeTruthy();
  });
});
