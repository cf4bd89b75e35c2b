import { RedisKeys } from "@gatehouse/shared";
import { generateVirtualKey } from "@gatehouse/shared/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  invalidate,
  keySnapshot,
  publishKey,
  publishNewKey,
  publishWorkspace,
  REDIS_URL,
  ROUTES,
  sleep,
  startWorld,
  workspaceSnapshot,
  type World,
} from "./fixtures";
import { startRelay, type TcpRelay } from "./tcp-relay";

async function chat(world: World, key: string, model: string = ROUTES.openai): Promise<number> {
  const res = await fetch(`${world.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

/** Polls until the status changes to `want`; returns how long it took. */
async function msUntilStatus(
  world: World,
  key: string,
  want: number,
  limitMs: number,
): Promise<number> {
  const started = performance.now();
  for (;;) {
    const status = await chat(world, key);
    const elapsed = performance.now() - started;
    if (status === want) return elapsed;
    if (elapsed > limitMs) throw new Error(`still ${status} after ${Math.round(elapsed)} ms`);
  }
}

describe("config changes reach a running proxy", () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it("a key revoked in Redis (snapshot + invalidation) is rejected within 1 s", async () => {
    const { secret, hash, snapshot } = await publishNewKey(world.redis, world.workspaceId);
    expect(await chat(world, secret)).toBe(200);
    await publishKey(world.redis, hash, {
      ...snapshot,
      status: "revoked",
      version: snapshot.version + 1,
    });
    const elapsed = await msUntilStatus(world, secret, 401, 1_000);
    expect(elapsed).toBeLessThan(1_000);
  });

  it("a rotated-out key works during its grace period and stops after it", async () => {
    const { secret, hash, snapshot } = await publishNewKey(world.redis, world.workspaceId);
    const graceUntil = new Date(Date.now() + 60_000).toISOString();
    await publishKey(world.redis, hash, { ...snapshot, graceUntil, version: snapshot.version + 1 });
    await sleep(50);
    expect(await chat(world, secret)).toBe(200);
    await publishKey(world.redis, hash, {
      ...snapshot,
      graceUntil: new Date(Date.now() - 1).toISOString(),
      version: snapshot.version + 2,
    });
    await msUntilStatus(world, secret, 401, 1_000);
  });

  it("a workspace change (new route) takes effect without a restart", async () => {
    expect(await chat(world, world.key, "brand-new")).toBe(404);
    const snapshot = workspaceSnapshot(
      world.workspaceId,
      [{ id: "cred_openai", provider: "openai", baseUrl: world.fake.openaiBaseUrl }],
      [
        {
          alias: ROUTES.openai,
          deployments: [{ credentialId: "cred_openai", upstreamModel: "gpt-4o-mini" }],
        },
        {
          alias: "brand-new",
          deployments: [{ credentialId: "cred_openai", upstreamModel: "gpt-4o-mini" }],
        },
      ],
    );
    await publishWorkspace(world.redis, snapshot);
    const started = performance.now();
    while ((await chat(world, world.key, "brand-new")) !== 200) {
      expect(performance.now() - started).toBeLessThan(1_000);
    }
  });

  it("caches unknown keys (negative entries) until an invalidation names them", async () => {
    const key = generateVirtualKey();
    const before = world.app.metrics.configRedisReads;
    const statuses = await Promise.all(Array.from({ length: 20 }, () => chat(world, key.secret)));
    expect(new Set(statuses)).toEqual(new Set([401]));
    for (let i = 0; i < 5; i++) expect(await chat(world, key.secret)).toBe(401);
    // 25 requests, one Redis read
    expect(world.app.metrics.configRedisReads - before).toBe(1);

    await publishKey(world.redis, key.hash, keySnapshot(world.workspaceId));
    await msUntilStatus(world, key.secret, 200, 1_000);
  });

  it("concurrent misses for one key share a single Redis GET", async () => {
    const { secret } = await publishNewKey(world.redis, world.workspaceId);
    await sleep(50);
    const before = world.app.metrics.configRedisReads;
    const statuses = await Promise.all(Array.from({ length: 20 }, () => chat(world, secret)));
    expect(new Set(statuses)).toEqual(new Set([200]));
    expect(world.app.metrics.configRedisReads - before).toBe(1);
  });

  it("an 'all' invalidation drops every cached entry", async () => {
    const { secret, hash, snapshot } = await publishNewKey(world.redis, world.workspaceId);
    expect(await chat(world, secret)).toBe(200);
    // changed in Redis without a key invalidation (e.g. a resync) ...
    await world.redis.set(
      RedisKeys.keySnapshot(hash),
      JSON.stringify({ ...snapshot, status: "revoked" }),
    );
    expect(await chat(world, secret)).toBe(200);
    // ... then the resync's "all"
    await invalidate(world.redis, { kind: "all", version: Date.now() });
    await msUntilStatus(world, secret, 401, 1_000);
  });
});

describe("Redis blips", () => {
  let world: World;
  let configRelay: TcpRelay;
  let subscriberRelay: TcpRelay;
  const redisPort = Number(new URL(REDIS_URL).port || 6379);
  const viaRelay = (relay: TcpRelay) => {
    const u = new URL(REDIS_URL);
    u.port = String(relay.port);
    return u.toString();
  };
  const waitFor = async (predicate: () => boolean, what: string) => {
    for (let i = 0; i < 500 && !predicate(); i++) await sleep(10);
    if (!predicate()) throw new Error(`timed out waiting for ${what}`);
  };

  beforeAll(async () => {
    configRelay = await startRelay(redisPort);
    subscriberRelay = await startRelay(redisPort);
    world = await startWorld({
      redisUrls: { config: viaRelay(configRelay), subscriber: viaRelay(subscriberRelay) },
    });
  });
  afterAll(async () => {
    await world?.close();
    await configRelay?.close();
    await subscriberRelay?.close();
  });

  const readyz = async () => (await fetch(`${world.url}/readyz`)).status;

  it("keeps serving from the cache while Redis is down; /readyz says not ready", async () => {
    expect(await chat(world, world.key)).toBe(200);
    expect(await readyz()).toBe(200);
    await configRelay.stop();
    await subscriberRelay.stop();
    await waitFor(
      () => world.app.connections.config.status !== "ready",
      "the config connection to drop",
    );
    expect(await chat(world, world.key)).toBe(200);
    expect(await readyz()).toBe(503);
    // a key never seen before cannot be checked: 503 in the client's format, not a 401
    const fresh = generateVirtualKey();
    const res = await fetch(`${world.url}/v1/messages`, {
      method: "POST",
      headers: { "x-api-key": fresh.secret },
      body: JSON.stringify({
        model: ROUTES.anthropic,
        max_tokens: 5,
        messages: [{ role: "user", content: "hi" }],
      }),
    });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
    await configRelay.start();
    await subscriberRelay.start();
    await waitFor(() => world.app.config.ready, "the config store to be ready again");
    expect(await readyz()).toBe(200);
  });

  it("after a reconnect, entries are revalidated (an invalidation missed during the outage still lands)", async () => {
    const { secret, hash, snapshot } = await publishNewKey(world.redis, world.workspaceId);
    await sleep(50);
    expect(await chat(world, secret)).toBe(200);
    await configRelay.stop();
    await subscriberRelay.stop();
    await waitFor(
      () => world.app.connections.subscriber.status !== "ready",
      "the subscriber to drop",
    );
    // revoked while this proxy cannot hear it
    await publishKey(world.redis, hash, {
      ...snapshot,
      status: "revoked",
      version: snapshot.version + 1,
    });
    expect(await chat(world, secret)).toBe(200);
    await configRelay.start();
    await subscriberRelay.start();
    await waitFor(() => world.app.config.ready, "the config store to be ready again");
    expect(await chat(world, secret)).toBe(401);
  });

  it("a stale entry is still served when Redis is unreachable for its revalidation", async () => {
    const { secret } = await publishNewKey(world.redis, world.workspaceId);
    await sleep(50);
    expect(await chat(world, secret)).toBe(200);
    await configRelay.stop();
    await subscriberRelay.stop();
    await waitFor(
      () => world.app.connections.subscriber.status !== "ready",
      "the subscriber to drop",
    );
    // the subscriber comes back (so every entry turns stale), the command connection does not
    await subscriberRelay.start();
    await waitFor(
      () => world.app.connections.subscriber.status === "ready",
      "the subscriber to reconnect",
    );
    const reads = world.app.metrics.configRedisReads;
    expect(await chat(world, secret)).toBe(200);
    expect(world.app.metrics.configRedisReads).toBeGreaterThan(reads); // it did try to revalidate
    await configRelay.start();
    await waitFor(() => world.app.config.ready, "the config store to be ready again");
  });
});

describe("health and metrics", () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld();
  });
  afterAll(async () => {
    await world?.close();
  });

  it("/healthz, /readyz and /metrics", async () => {
    expect(await chat(world, world.key)).toBe(200);
    expect(await chat(world, world.key, "nope")).toBe(404);
    const health = await fetch(`${world.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: "ok" });
    const ready = await fetch(`${world.url}/readyz`);
    expect(ready.status).toBe(200);

    const res = await fetch(`${world.url}/metrics`);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(
      /^gatehouse_proxy_requests_total\{endpoint="chat.completions",status="2xx"\} 1$/m,
    );
    expect(text).toMatch(
      /^gatehouse_proxy_requests_total\{endpoint="chat.completions",status="4xx"\} 1$/m,
    );
    expect(text).toMatch(/^gatehouse_proxy_errors_total\{type="not_found"\} 1$/m);
    expect(text).toMatch(/^gatehouse_proxy_request_duration_seconds_count 2$/m);
    expect(text).toMatch(/^gatehouse_proxy_upstream_duration_seconds_count 1$/m);
    expect(text).toMatch(/^gatehouse_proxy_ttfb_seconds_bucket\{le="\+Inf"\} 2$/m);
    expect(text).toMatch(/^gatehouse_proxy_in_flight_requests 0$/m);
    expect(text).toMatch(/^gatehouse_proxy_usage_events_dropped_total 0$/m);
    expect(text).toMatch(/^gatehouse_proxy_config_cache_hits_total \d+$/m);
    expect(text).toMatch(/^gatehouse_proxy_config_cache_misses_total \d+$/m);
  });
});
