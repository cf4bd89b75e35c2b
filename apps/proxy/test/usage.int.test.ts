import Anthropic from "@anthropic-ai/sdk";
import { UsageEventSchema, costNanoUsd, findModelPrice } from "@gatehouse/shared";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ANTHROPIC_UPSTREAM_MODEL,
  publishNewKey,
  publishWorkspace,
  queuedEvents,
  REDIS_URL,
  ROUTES,
  sleep,
  startWorld,
  waitForEvent,
  workspaceSnapshot,
  type World,
} from "./fixtures";
import { startRelay, type TcpRelay } from "./tcp-relay";

describe("usage events in the real BullMQ queue", () => {
  let world: World;
  let openai: OpenAI;
  beforeAll(async () => {
    world = await startWorld();
    openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("one valid event per request, with tokens, cost, ttfb, status and attempts", async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: ROUTES.openaiAliased,
        messages: [{ role: "user", content: "[[fake:cached=2]] hello there" }],
      })
      .withResponse();
    const id = response.headers.get("x-request-id")!;
    const event = await waitForEvent(world.usageQueue, id);
    expect(UsageEventSchema.parse(event)).toEqual(event);
    const usage = {
      inputTokens: data.usage!.prompt_tokens,
      outputTokens: data.usage!.completion_tokens,
      cachedInputTokens: data.usage!.prompt_tokens_details?.cached_tokens ?? 0,
    };
    expect(usage.cachedInputTokens).toBe(2);
    expect(event).toMatchObject({
      workspaceId: world.workspaceId,
      endpoint: "chat.completions",
      clientFormat: "openai",
      model: ROUTES.openaiAliased,
      provider: "openai",
      upstreamModel: "gpt-4o",
      deploymentId: expect.stringMatching(/^dep_/),
      credentialId: "cred_openai",
      ...usage,
      costNanoUsd: costNanoUsd(findModelPrice("gpt-4o")!, usage),
      status: 200,
      errorType: null,
      streamed: false,
      clientAborted: false,
    });
    expect(event.costNanoUsd).toBeGreaterThan(0);
    expect(event.ttfbMs).toBeGreaterThan(0);
    expect(event.latencyMs).toBeGreaterThanOrEqual(event.ttfbMs!);
    expect(event.attempts).toHaveLength(1);
    expect(event.attempts[0]).toMatchObject({
      status: 200,
      provider: "openai",
      upstreamModel: "gpt-4o",
    });
    // exactly one event for the id
    expect((await queuedEvents(world.usageQueue)).filter((e) => e.id === id)).toHaveLength(1);
  });

  it("records streamed usage (even when the client did not ask for it)", async () => {
    const { data: stream, response } = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [{ role: "user", content: "stream please" }],
        stream: true,
      })
      .withResponse();
    for await (const _ of stream) void _;
    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event.streamed).toBe(true);
    expect(event.outputTokens).toBe(12);
    expect(event.inputTokens).toBeGreaterThan(0);
    expect(event.ttfbMs).not.toBeNull();
  });

  it("records errors after authentication with their type, and none before it", async () => {
    const res = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${world.key}` },
      body: JSON.stringify({ model: "nope", messages: [] }),
    });
    expect(res.status).toBe(404);
    const event = await waitForEvent(world.usageQueue, res.headers.get("x-request-id")!);
    expect(event).toMatchObject({
      status: 404,
      errorType: "not_found",
      deploymentId: null,
      costNanoUsd: 0,
    });

    const upstream429 = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${world.key}` },
      body: JSON.stringify({
        model: ROUTES.openai,
        messages: [{ role: "user", content: "[[fake:status=429]]" }],
      }),
    });
    const e429 = await waitForEvent(world.usageQueue, upstream429.headers.get("x-request-id")!);
    expect(e429).toMatchObject({ status: 429, errorType: "upstream_error" });
    expect(e429.attempts[0]).toMatchObject({ status: 429 });

    const unauth = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer gh_" + "B".repeat(43) },
      body: JSON.stringify({ model: ROUTES.openai, messages: [] }),
    });
    expect(unauth.status).toBe(401);
    await sleep(200);
    const ids = (await queuedEvents(world.usageQueue)).map((e) => e.id);
    expect(ids).not.toContain(unauth.headers.get("x-request-id"));
  });

  it("uses the workspace's price override", async () => {
    const overridden = workspaceSnapshot(
      world.workspaceId,
      [{ id: "cred_openai", provider: "openai", baseUrl: world.fake.openaiBaseUrl }],
      [
        {
          alias: "priced",
          deployments: [{ credentialId: "cred_openai", upstreamModel: "my-finetune" }],
        },
      ],
      {
        priceOverrides: [
          {
            model: "my-finetune",
            inputMicroUsdPerMTok: 1_000_000,
            outputMicroUsdPerMTok: 2_000_000,
            cachedInputMicroUsdPerMTok: null,
          },
        ],
      },
    );
    await publishWorkspace(world.redis, overridden);
    const { secret } = await publishNewKey(world.redis, world.workspaceId);
    const client = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    // the invalidation may take a moment to arrive
    let result;
    for (let i = 0; i < 50; i++) {
      result = await client.chat.completions
        .create({ model: "priced", messages: [{ role: "user", content: "hi" }] })
        .withResponse()
        .catch(() => null);
      if (result) break;
      await sleep(20);
    }
    const event = await waitForEvent(
      world.usageQueue,
      result!.response.headers.get("x-request-id")!,
    );
    // 1 $/MTok in, 2 $/MTok out: 1000 nano-USD per input token, 2000 per output token
    expect(event.costNanoUsd).toBe(event.inputTokens * 1000 + event.outputTokens * 2000);
  });
});

describe("client abort mid-stream", () => {
  let world: World;
  let relay: TcpRelay;
  beforeAll(async () => {
    world = await startWorld({}, { chunkDelayMs: 40 });
    // the Anthropic upstream goes through a relay, to watch the proxy's upstream socket
    relay = await startRelay(Number(new URL(world.fake.url).port));
    await publishWorkspace(
      world.redis,
      workspaceSnapshot(
        world.workspaceId,
        [{ id: "cred_relayed", provider: "anthropic", baseUrl: `http://127.0.0.1:${relay.port}` }],
        [
          {
            alias: "slow-claude",
            deployments: [
              { credentialId: "cred_relayed", upstreamModel: ANTHROPIC_UPSTREAM_MODEL },
            ],
          },
        ],
      ),
    );
    await sleep(100);
  });
  afterAll(async () => {
    await world?.close();
    await relay?.close();
  });

  it("aborts the upstream call and records the usage so far with clientAborted", async () => {
    const anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
    const { data: stream, response } = await anthropic.messages
      .create({
        model: "slow-claude",
        max_tokens: 1000,
        stream: true,
        messages: [{ role: "user", content: "[[fake:tokens=100]] a long story please" }],
      })
      .withResponse();
    let deltas = 0;
    for await (const event of stream) {
      if (event.type === "content_block_delta" && ++deltas === 3) break; // leaving the loop aborts the request
    }
    // the proxy closes its upstream connection (a finished keep-alive call would leave it open)
    for (let i = 0; i < 100 && relay.clientClosed < relay.accepted; i++) await sleep(20);
    expect(relay.accepted).toBeGreaterThan(0);
    expect(relay.clientClosed).toBe(relay.accepted);

    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event.clientAborted).toBe(true);
    expect(event.streamed).toBe(true);
    expect(event.status).toBe(200);
    expect(event.inputTokens).toBeGreaterThan(0);
    expect(event.outputTokens).toBeGreaterThan(0);
    expect(event.outputTokens).toBeLessThan(100);
  });
});

describe("Redis down for the usage producer", () => {
  let world: World;
  let relay: TcpRelay;
  beforeAll(async () => {
    relay = await startRelay(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    const usageUrl = new URL(REDIS_URL);
    usageUrl.port = String(relay.port);
    world = await startWorld({ redisUrls: { usage: usageUrl.toString() } });
  });
  afterAll(async () => {
    await world?.close();
    await relay?.close();
  });

  it("responses still succeed while events wait in memory, and they flush when Redis returns", async () => {
    const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
    await relay.stop();
    for (let i = 0; i < 50 && world.app.connections.usage.status === "ready"; i++) await sleep(10);
    expect(world.app.connections.usage.status).not.toBe("ready");

    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const { response } = await openai.chat.completions
        .create({
          model: ROUTES.openai,
          messages: [{ role: "user", content: `during outage ${i}` }],
        })
        .withResponse();
      expect(response.status).toBe(200);
      ids.push(response.headers.get("x-request-id")!);
    }
    await sleep(100);
    expect(world.app.usage.buffered).toBe(5);
    const metrics = await (await fetch(`${world.url}/metrics`)).text();
    expect(metrics).toMatch(/^gatehouse_proxy_usage_events_buffered 5$/m);
    const before = (await queuedEvents(world.usageQueue)).map((e) => e.id);
    expect(before.filter((id) => ids.includes(id))).toHaveLength(0);

    await relay.start();
    for (const id of ids) await waitForEvent(world.usageQueue, id, 10_000);
    expect(world.app.usage.buffered).toBe(0);
  });
});

describe("usage buffer bound", () => {
  let world: World;
  let relay: TcpRelay;
  beforeAll(async () => {
    relay = await startRelay(Number(new URL(REDIS_URL).port || 6379), new URL(REDIS_URL).hostname);
    const usageUrl = new URL(REDIS_URL);
    usageUrl.port = String(relay.port);
    world = await startWorld({ redisUrls: { usage: usageUrl.toString() }, usageBufferMax: 3 });
  });
  afterAll(async () => {
    await world?.close();
    await relay?.close();
  });

  it("drops the oldest events beyond the bound and counts them in /metrics", async () => {
    await relay.stop();
    for (let i = 0; i < 50 && world.app.connections.usage.status === "ready"; i++) await sleep(10);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${world.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${world.key}` },
        body: JSON.stringify({
          model: ROUTES.openai,
          messages: [{ role: "user", content: `n${i}` }],
        }),
      });
      expect(res.status).toBe(200);
      ids.push(res.headers.get("x-request-id")!);
    }
    const metrics = await (await fetch(`${world.url}/metrics`)).text();
    expect(metrics).toMatch(/^gatehouse_proxy_usage_events_dropped_total 2$/m);
    await relay.start();
    for (const id of ids.slice(2)) await waitForEvent(world.usageQueue, id, 10_000);
    const queued = (await queuedEvents(world.usageQueue)).map((e) => e.id);
    expect(queued).not.toContain(ids[0]);
    expect(queued).not.toContain(ids[1]);
  });
});
