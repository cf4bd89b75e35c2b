import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ROUTES, startWorld, waitForEvent, type World } from "./fixtures";

let world: World;
beforeAll(async () => {
  world = await startWorld({}, { chunkDelayMs: 30 });
});
afterAll(async () => {
  await world?.close();
});

it("graceful shutdown: stops accepting, lets the in-flight stream finish, flushes its usage event", async () => {
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
