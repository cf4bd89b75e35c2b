import Anthropic from "@anthropic-ai/sdk";
import { RedisKeys, type KeySnapshot } from "@gatehouse/shared";
import { generateVirtualKey } from "@gatehouse/shared/server";
import OpenAI from "openai";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startApp, type App } from "../src/app";
import { createLogger } from "../src/log";
import {
  ENCRYPTION_KEYS,
  invalidate,
  keySnapshot,
  publishKey,
  publishNewKey,
  REDIS_URL,
  ROUTES,
  sleep,
  startWorld,
  writeGenerationMarker,
  type World,
} from "./fixtures";

/**
 * The proxy and the control plane's config generation marker (written after every complete
 * republish). Without it a missing snapshot cannot be told from "no such key": keys the proxy
 * has not cached get 503 in the client's format (never 401), cached keys keep working, and
 * /readyz is not ready. These tests play the control plane by writing Redis directly; the
 * automatic republish from PostgreSQL is covered end to end in scripts/config-recovery.
 */

interface Outcome {
  status: number;
  body: unknown;
}

async function viaOpenai(url: string, key: string): Promise<Outcome> {
  const client = new OpenAI({ baseURL: `${url}/v1`, apiKey: key, maxRetries: 0 });
  try {
    await client.chat.completions.create({
      model: ROUTES.openai,
      messages: [{ role: "user", content: "hi" }],
    });
    return { status: 200, body: null };
  } catch (error) {
    if (!(error instanceof OpenAI.APIError)) throw error;
    return { status: error.status ?? 0, body: error.error };
  }
}

async function viaAnthropic(url: string, key: string): Promise<Outcome> {
  const client = new Anthropic({ baseURL: url, apiKey: key, maxRetries: 0 });
  try {
    await client.messages.create({
      model: ROUTES.anthropic,
      max_tokens: 5,
      messages: [{ role: "user", content: "hi" }],
    });
    return { status: 200, body: null };
  } catch (error) {
    if (!(error instanceof Anthropic.APIError)) throw error;
    return { status: error.status ?? 0, body: error.error };
  }
}

const RESTORING = /configuration is being restored/;

function expectOpenai503(outcome: Outcome): void {
  expect(outcome.status).toBe(503);
  expect(outcome.body).toMatchObject({
    message: expect.stringMatching(RESTORING),
    type: "api_error",
    code: "unavailable",
  });
}

function expectAnthropic503(outcome: Outcome): void {
  expect(outcome.status).toBe(503);
  expect(outcome.body).toMatchObject({
    type: "error",
    error: { type: "overloaded_error", message: expect.stringMatching(RESTORING) },
  });
}

async function readyz(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/readyz`);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function waitFor(what: string, probe: () => Promise<boolean> | boolean): Promise<void> {
  for (let i = 0; i < 1_000; i++) {
    if (await probe()) return;
    await sleep(10);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/**
 * What the control plane's republish leaves in Redis, in its order: the workspace snapshot
 * (JSON as startWorld published it) and the keys, then the marker.
 */
async function republish(
  world: World,
  workspaceJson: string,
  keys: { hash: string; snapshot: KeySnapshot }[],
): Promise<void> {
  await world.redis.set(RedisKeys.workspaceSnapshot(world.workspaceId), workspaceJson);
  for (const key of keys) await publishKey(world.redis, key.hash, key.snapshot);
  await writeGenerationMarker(world.redis);
}

describe("a Redis flush (the generation marker is gone)", () => {
  let world: World;
  let workspaceJson: string;
  beforeAll(async () => {
    // a poll far too slow to matter: the marker is seen in the same round trip as each miss
    world = await startWorld({ configMarkerPollMs: 60_000 });
    workspaceJson = (await world.redis.get(RedisKeys.workspaceSnapshot(world.workspaceId)))!;
  });
  afterAll(async () => {
    await world?.close();
  });

  it("with the marker present, an unknown key is still a 401", async () => {
    const unknown = generateVirtualKey().secret;
    expect((await viaOpenai(world.url, unknown)).status).toBe(401);
    const anthropic = await viaAnthropic(world.url, unknown);
    expect(anthropic.status).toBe(401);
    expect(anthropic.body).toMatchObject({ error: { type: "authentication_error" } });
    expect((await readyz(world.url)).status).toBe(200);
  });

  it("cold keys get 503 (never 401), warm keys keep working, /readyz is not ready; a republish restores everything", async () => {
    const warm = await publishNewKey(world.redis, world.workspaceId);
    const cold = await publishNewKey(world.redis, world.workspaceId);
    const coldAnthropic = await publishNewKey(world.redis, world.workspaceId);
    expect((await viaOpenai(world.url, warm.secret)).status).toBe(200);
    expect((await viaAnthropic(world.url, world.key)).status).toBe(200);
    // a key that does not exist yet: remembered as unknown
    const later = generateVirtualKey();
    expect((await viaOpenai(world.url, later.secret)).status).toBe(401);

    await world.redis.flushdb();

    expectOpenai503(await viaOpenai(world.url, cold.secret));
    expectAnthropic503(await viaAnthropic(world.url, coldAnthropic.secret));
    // the cached "unknown" answer is not trusted any more either
    expectOpenai503(await viaOpenai(world.url, later.secret));
    expectOpenai503(await viaOpenai(world.url, generateVirtualKey().secret));
    expect(await viaOpenai(world.url, warm.secret)).toEqual({ status: 200, body: null });
    expect((await viaAnthropic(world.url, world.key)).status).toBe(200);
    const notReady = await readyz(world.url);
    expect(notReady.status).toBe(503);
    expect(notReady.body).toMatchObject({ status: "not_ready", configPublished: false });
    // a 503 the SDKs retry on their own, a little later
    const raw = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${cold.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: ROUTES.openai, messages: [{ role: "user", content: "x" }] }),
    });
    expect(raw.status).toBe(503);
    expect(raw.headers.get("retry-after")).toBe("2");
    await raw.arrayBuffer();

    // the control plane republishes: snapshots (including a key created meanwhile, whose
    // own publish was lost), then the marker, then "all"
    const laterSnapshot = keySnapshot(world.workspaceId);
    await republish(world, workspaceJson, [
      warm,
      cold,
      coldAnthropic,
      { hash: later.hash, snapshot: laterSnapshot },
    ]);
    await invalidate(world.redis, { kind: "all", version: Date.now() });
    await waitFor("ready again", async () => (await readyz(world.url)).status === 200);
    expect((await viaOpenai(world.url, cold.secret)).status).toBe(200);
    expect((await viaAnthropic(world.url, coldAnthropic.secret)).status).toBe(200);
    expect((await viaOpenai(world.url, warm.secret)).status).toBe(200);
    expect((await viaOpenai(world.url, later.secret)).status).toBe(200);
    expect((await viaOpenai(world.url, generateVirtualKey().secret)).status).toBe(401);
  });

  it("a key published while the marker is missing works at once", async () => {
    await world.redis.del(RedisKeys.configGeneration);
    const fresh = await publishNewKey(world.redis, world.workspaceId);
    expect((await viaOpenai(world.url, fresh.secret)).status).toBe(200);
    // and revoking it while the marker is missing still takes effect
    await publishKey(world.redis, fresh.hash, {
      ...fresh.snapshot,
      status: "revoked",
      version: fresh.snapshot.version + 1,
    });
    const revoked = await viaOpenai(world.url, fresh.secret);
    expect(revoked.status).toBe(401);
    expect(revoked.body).toMatchObject({ message: expect.stringMatching(/revoked/) });
    await writeGenerationMarker(world.redis);
  });
});

describe("a new generation without an 'all' message (missed by this proxy)", () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ configMarkerPollMs: 50 });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("the poll notices: warm entries are revalidated and unknown-key answers forgotten", async () => {
    const warm = await publishNewKey(world.redis, world.workspaceId);
    expect((await viaOpenai(world.url, warm.secret)).status).toBe(200);
    const later = generateVirtualKey();
    expect((await viaOpenai(world.url, later.secret)).status).toBe(401);
    // a republish rewrote both snapshots, but its announcement never reached this proxy
    await world.redis.set(
      RedisKeys.keySnapshot(warm.hash),
      JSON.stringify({ ...warm.snapshot, status: "revoked", version: warm.snapshot.version + 1 }),
    );
    await world.redis.set(
      RedisKeys.keySnapshot(later.hash),
      JSON.stringify(keySnapshot(world.workspaceId)),
    );
    // still the cached answers: nothing told this proxy yet
    expect((await viaOpenai(world.url, warm.secret)).status).toBe(200);
    expect((await viaOpenai(world.url, later.secret)).status).toBe(401);
    await writeGenerationMarker(world.redis);
    await waitFor(
      "the revocation to be seen",
      async () => (await viaOpenai(world.url, warm.secret)).status === 401,
    );
    expect((await viaOpenai(world.url, later.secret)).status).toBe(200);
  });

  it("the poll notices a flush without any request: /readyz turns not ready, then ready", async () => {
    await world.redis.del(RedisKeys.configGeneration);
    await waitFor("not ready", async () => (await readyz(world.url)).status === 503);
    await writeGenerationMarker(world.redis);
    await waitFor("ready", async () => (await readyz(world.url)).status === 200);
  });
});

describe("a proxy started against an empty Redis", () => {
  let redisWorld: World;
  let app: App | null = null;
  beforeAll(async () => {
    // startWorld only for its Redis connection and fake provider; its own proxy is not used
    redisWorld = await startWorld();
  });
  afterEach(async () => {
    await app?.close(2_000);
    app = null;
  });
  afterAll(async () => {
    await redisWorld?.close();
  });

  it("answers 503 and is not ready until the control plane publishes, then serves", async () => {
    const { redis } = redisWorld;
    const snapshot = await redis.get(RedisKeys.workspaceSnapshot(redisWorld.workspaceId));
    const key = await publishNewKey(redis, redisWorld.workspaceId);
    await redis.flushdb();
    app = await startApp({
      redisUrl: REDIS_URL,
      encryptionKeys: ENCRYPTION_KEYS,
      cacheSize: 100,
      usageBufferMax: 100,
      settings: {},
      log: createLogger("silent"),
      configMarkerPollMs: 50,
    });
    const { url } = await app.proxy.listen(0, "127.0.0.1");
    const before = await readyz(url);
    expect(before.status).toBe(503);
    expect(before.body).toMatchObject({ configPublished: false });
    expectOpenai503(await viaOpenai(url, key.secret));
    expectAnthropic503(await viaAnthropic(url, key.secret));

    await redis.set(RedisKeys.workspaceSnapshot(redisWorld.workspaceId), snapshot!);
    await publishKey(redis, key.hash, key.snapshot);
    await writeGenerationMarker(redis);
    await waitFor("ready", async () => (await readyz(url)).status === 200);
    expect((await viaOpenai(url, key.secret)).status).toBe(200);
    expect((await viaAnthropic(url, key.secret)).status).toBe(200);
    expect((await viaOpenai(url, generateVirtualKey().secret)).status).toBe(401);
  });
});
