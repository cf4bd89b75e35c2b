import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, startWorld, waitForEvent, type World } from "./fixtures";

describe("graceful shutdown", () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({}, { chunkDelayMs: 30 });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("stops accepting, lets the in-flight stream finish, flushes its usage event", async () => {
    const client = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
    const { data: stream, response } = await client.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [{ role: "user", content: "[[fake:tokens=20]] go" }],
        stream: true,
      })
      .withResponse();
    const id = response.headers.get("x-request-id")!;
    const reading = (async () => {
      let text = "";
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
      return text;
    })();
    // the stream is in flight (20 chunks, 30 ms apart) when the shutdown starts
    const closing = world.app.close(10_000);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await fetch(`${world.url}/healthz`).catch((e: unknown) => e)) instanceof Error).toBe(
      true,
    );
    const text = await reading;
    expect(text.split(" ").length).toBeGreaterThanOrEqual(20);
    await closing;
    const event = await waitForEvent(world.usageQueue, id);
    expect(event).toMatchObject({
      status: 200,
      streamed: true,
      clientAborted: false,
      errorType: null,
    });
  });
});

describe("the shutdown deadline", () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({}, { chunkDelayMs: 30 });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("cuts what is left in the client's own format and records it as proxy_shutdown, not a client abort", async () => {
    const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });

    // an OpenAI stream and an Anthropic stream that would take 6 s, and a JSON call that hangs
    const { data: openaiStream, response: openaiResponse } = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [{ role: "user", content: "[[fake:tokens=200]] go" }],
        stream: true,
      })
      .withResponse();
    const { data: anthropicStream, response: anthropicResponse } = await anthropic.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 400,
        messages: [{ role: "user", content: "[[fake:tokens=200]] go" }],
        stream: true,
      })
      .withResponse();
    const readOpenai = (async () => {
      let text = "";
      try {
        for await (const chunk of openaiStream) text += chunk.choices[0]?.delta.content ?? "";
        return { text, error: null };
      } catch (error) {
        return { text, error: error as Error };
      }
    })();
    const readAnthropic = (async () => {
      let text = "";
      try {
        for await (const event of anthropicStream) {
          if (event.type === "content_block_delta" && event.delta.type === "text_delta")
            text += event.delta.text;
        }
        return { text, error: null };
      } catch (error) {
        return { text, error: error as Error };
      }
    })();
    let jsonId: string | null = null;
    const hung = openai.chat.completions
      .create({ model: ROUTES.openai, messages: [{ role: "user", content: "[[fake:hang]] hi" }] })
      .then(
        () => null,
        (error: unknown) => error,
      );
    await new Promise((resolve) => setTimeout(resolve, 300));

    const started = performance.now();
    await world.app.close(400);
    const tookMs = performance.now() - started;
    // the deadline, then the short grace at most (not the 6 s the streams wanted)
    expect(tookMs).toBeGreaterThanOrEqual(350);
    expect(tookMs).toBeLessThan(2_500);

    const a = await readOpenai;
    expect(a.text.length).toBeGreaterThan(0);
    expect(a.error).toBeInstanceOf(OpenAI.APIError);
    expect(a.error!.message).toMatch(/shutting down/);
    const b = await readAnthropic;
    expect(b.text.length).toBeGreaterThan(0);
    expect(b.error).toBeInstanceOf(Anthropic.APIError);
    expect(b.error!.message).toMatch(/shutting down/);
    const error = await hung;
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((error as Error).message).toMatch(/shutting down/);
    jsonId = (error as InstanceType<typeof OpenAI.APIError>).headers?.get("x-request-id") ?? null;
    expect(jsonId).not.toBeNull();

    for (const id of [
      openaiResponse.headers.get("x-request-id")!,
      anthropicResponse.headers.get("x-request-id")!,
    ]) {
      expect(await waitForEvent(world.usageQueue, id)).toMatchObject({
        status: 200,
        streamed: true,
        clientAborted: false,
        errorType: "proxy_shutdown",
      });
    }
    expect(await waitForEvent(world.usageQueue, jsonId!)).toMatchObject({
      status: 503,
      streamed: false,
      clientAborted: false,
      errorType: "proxy_shutdown",
    });
  });
});
