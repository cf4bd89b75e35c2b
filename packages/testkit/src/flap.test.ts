import { spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { inFailingWindow, startFakeProvider, type FakeProvider } from "./index";

// Only Date is faked: the flap reads the clock, the sockets and the SDK keep real timers.
const T0 = Date.parse("2026-12-07T12:00:00.000Z");
const started: FakeProvider[] = [];

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(T0);
});
afterEach(async () => {
  vi.useRealTimers();
  await Promise.all(started.splice(0).map((provider) => provider.close()));
});

async function start(options: Parameters<typeof startFakeProvider>[0] = {}) {
  const provider = await startFakeProvider(options);
  started.push(provider);
  const client = new OpenAI({ apiKey: "sk-test", baseURL: provider.openaiBaseUrl, maxRetries: 0 });
  return { provider, client };
}

const ask = (client: OpenAI) =>
  client.chat.completions.create({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] });
async function askStream(client: OpenAI): Promise<string> {
  const stream = await client.chat.completions.create({
    model: "gpt-4o",
    messages: [{ role: "user", content: "Hi" }],
    stream: true,
  });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  return text;
}
const failure = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error("expected the request to fail");
    },
    (error: unknown) => error,
  );

describe("the flapping fault", () => {
  it("fails the first window, answers the next, fails the one after (JSON and streams)", async () => {
    const { provider, client } = await start({ flap: { periodMs: 30_000 } });

    const first = await failure(ask(client));
    expect(first).toBeInstanceOf(OpenAI.InternalServerError);
    expect((first as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    // a stream fails before its first event, with the same JSON error
    const streamed = await failure(askStream(client));
    expect((streamed as InstanceType<typeof OpenAI.APIError>).status).toBe(503);

    vi.setSystemTime(T0 + 29_999);
    expect(await failure(ask(client))).toBeInstanceOf(OpenAI.InternalServerError);

    vi.setSystemTime(T0 + 30_000);
    const healthy = await ask(client);
    expect(healthy.choices[0]?.message.content).toContain("This is a fake reply to: Hi");
    expect(await askStream(client)).toContain("This is a fake reply to: Hi");

    vi.setSystemTime(T0 + 60_000);
    expect(await failure(ask(client))).toBeInstanceOf(OpenAI.InternalServerError);

    expect(provider.flapping.state()).toEqual({
      periodMs: 30_000,
      mode: "status",
      status: 503,
      since: T0,
      failing: true,
      failed: 4,
    });
    // every request is still recorded, failed or not
    expect(provider.requests).toHaveLength(6);
  });

  it("flaps one instance while another one stays healthy", async () => {
    const flapping = await start({ flap: { periodMs: 30_000 } });
    const healthy = await start();

    expect(await failure(ask(flapping.client))).toBeInstanceOf(OpenAI.InternalServerError);
    expect((await ask(healthy.client)).choices).toHaveLength(1);
    expect(healthy.provider.flapping.state()).toBeNull();
  });

  it('mode "reset" drops the connection before any response byte', async () => {
    const { provider, client } = await start({ flap: { periodMs: 1_000, mode: "reset" } });

    expect(await failure(ask(client))).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(await failure(askStream(client))).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(provider.requests).toHaveLength(2);

    vi.setSystemTime(T0 + 1_000);
    expect((await ask(client)).choices).toHaveLength(1);
  });

  it("a custom status, and the flap takes precedence over queued faults without using them", async () => {
    const { provider, client } = await start({ flap: { periodMs: 10_000, status: 500 } });
    provider.faults.enqueue({ status: 429 });

    const error = await failure(ask(client));
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(500);

    vi.setSystemTime(T0 + 10_000);
    const queued = await failure(ask(client));
    expect(queued).toBeInstanceOf(OpenAI.RateLimitError);
  });

  it("is set, read and stopped over HTTP; bad options are refused naming the field", async () => {
    const { provider, client } = await start();
    const post = (body: unknown) =>
      fetch(`${provider.url}/_fake/flap`, { method: "POST", body: JSON.stringify(body) });

    // windows counted from a `since` in the future: healthy until then
    const set = await post({ periodMs: 5_000, since: T0 + 1_000 });
    expect(set.status).toBe(200);
    expect(await set.json()).toMatchObject({ since: T0 + 1_000, failing: false, failed: 0 });
    expect((await ask(client)).choices).toHaveLength(1);

    vi.setSystemTime(T0 + 1_000);
    expect(await failure(ask(client))).toBeInstanceOf(OpenAI.InternalServerError);
    const state = await fetch(`${provider.url}/_fake/flap`);
    expect(await state.json()).toMatchObject({ failing: true, failed: 1 });

    const stopped = await post(null);
    expect(await stopped.json()).toBeNull();
    expect((await ask(client)).choices).toHaveLength(1);

    const bad = await post({ periodMs: 0 });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: "flap field 'periodMs' must be an integer >= 1" });
    const unknown = await post({ periodMs: 1_000, every: 2 });
    expect(await unknown.json()).toEqual({ error: "unknown flap field 'every'" });
  });

  it("inFailingWindow: even windows from `since` fail, odd ones and the time before pass", () => {
    expect(inFailingWindow(T0 - 1, T0, 100)).toBe(false);
    expect(inFailingWindow(T0, T0, 100)).toBe(true);
    expect(inFailingWindow(T0 + 99, T0, 100)).toBe(true);
    expect(inFailingWindow(T0 + 100, T0, 100)).toBe(false);
    expect(inFailingWindow(T0 + 250, T0, 100)).toBe(true);
  });
});

describe("the CLI's FAKE_PROVIDER_FLAP_MS", () => {
  it("starts a provider that fails its first window", async () => {
    vi.useRealTimers();
    const cli = fileURLToPath(new URL("./cli.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", cli], {
      env: {
        ...process.env,
        FAKE_PROVIDER_PORT: "0",
        FAKE_PROVIDER_FLAP_MS: "600000",
        FAKE_PROVIDER_FLAP_STATUS: "502",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    try {
      const [line] = (await once(child.stdout, "data")) as [Buffer];
      const url = /http:\/\/127\.0\.0\.1:\d+/.exec(line.toString())?.[0];
      const res = await fetch(`${url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ model: "gpt-4o", messages: [{ role: "user", content: "Hi" }] }),
      });
      expect(res.status).toBe(502);
      expect(await res.json()).toMatchObject({ error: { type: "server_error" } });
    } finally {
      child.kill("SIGTERM");
    }
  });
});
