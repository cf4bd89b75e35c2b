import { RedisKeys } from "@gatehouse/shared";
import { startFakeProvider, type FakeProvider } from "@gatehouse/testkit";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  PROVIDER_KEY,
  publishNewKey,
  publishWorkspace,
  REDIS_URL,
  sleep,
  uniqueId,
  workspaceSnapshot,
  writeGenerationMarker,
  type RouteSpec,
} from "./fixtures";
import { assertBundle, startProxy, stopProxy, type ProxyProcess } from "./proxy-process";
import { apiRequests, startRoutingWorld, user, type RoutingWorld } from "./routing-world";

/**
 * Shared health (issue 14 item 5): a deployment that fails `failures` times within the window
 * is cooled down in Redis, so every proxy avoids it at once (pub/sub, and a poll); when the
 * cooldown runs out one probe request decides (half-open). A Redis outage leaves health per
 * process, never an error.
 */
const COOLDOWN = { failures: 2, windowMs: 30_000, cooldownMs: 2_000 };

const routes = (): RouteSpec[] => [
  {
    alias: "chat",
    deployments: [
      { credentialId: "primary", upstreamModel: "gpt-4o-mini", priority: 0 },
      { credentialId: "backup", upstreamModel: "gpt-4o-mini", priority: 1 },
    ],
    policy: { retry: { maxRetries: 0 }, cooldown: COOLDOWN },
  },
];
/** the primary deployment's id (fixtures: dep_<route>_<deployment>_<alias>) */
const PRIMARY = "dep_0_0_chat";

const ask = (client: OpenAI) =>
  client.chat.completions.create({ model: "chat", messages: user("hello") }).withResponse();

describe("two proxy processes share a deployment's cooldown through Redis", () => {
  let redis: Redis;
  let primary: FakeProvider;
  let backup: FakeProvider;
  let proxies: ProxyProcess[] = [];
  let clients: OpenAI[] = [];
  let workspaceId: string;

  beforeAll(async () => {
    assertBundle();
    redis = new Redis(REDIS_URL);
    await redis.flushdb();
    primary = await startFakeProvider({ apiKey: PROVIDER_KEY });
    backup = await startFakeProvider({ apiKey: PROVIDER_KEY });
    workspaceId = uniqueId("ws");
    await publishWorkspace(
      redis,
      workspaceSnapshot(
        workspaceId,
        [
          { id: "primary", provider: "openai", baseUrl: primary.openaiBaseUrl },
          { id: "backup", provider: "openai", baseUrl: backup.openaiBaseUrl },
        ],
        routes(),
      ),
    );
    const { secret } = await publishNewKey(redis, workspaceId);
    await writeGenerationMarker(redis);
    proxies = await Promise.all([startProxy(REDIS_URL), startProxy(REDIS_URL)]);
    clients = proxies.map(
      (p) => new OpenAI({ baseURL: `${p.url}/v1`, apiKey: secret, maxRetries: 0 }),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(proxies.map(stopProxy));
    await primary?.close();
    await backup?.close();
    redis?.disconnect();
  });

  it("failures seen by one proxy cool the deployment down for the other; a probe brings it back", async () => {
    const [a, b] = clients as [OpenAI, OpenAI];
    // warm proxy B (config cached, its primary healthy): it answers from the primary
    await ask(b);
    expect(apiRequests(primary)).toBe(1);

    // proxy A sees two 503s: each falls back to the backup, the second starts the cooldown
    primary.faults.enqueue({ status: 503, count: 2 });
    for (let i = 0; i < 2; i++) expect((await ask(a)).response.status).toBe(200);
    expect(apiRequests(primary)).toBe(3);
    const key = RedisKeys.deploymentCooldown(workspaceId, PRIMARY);
    let until: string | null = null;
    for (let i = 0; i < 100 && until === null; i++) {
      until = await redis.get(key);
      if (until === null) await sleep(20);
    }
    // what the dashboard reads: the epoch ms the cooldown ends, expiring with it
    expect(Number(until)).toBeGreaterThan(Date.now());
    expect(Number(until)).toBeLessThanOrEqual(Date.now() + COOLDOWN.cooldownMs);
    expect(await redis.pttl(key)).toBeGreaterThan(0);

    // proxy B never saw a failure, yet leaves the primary alone: the backup answers first
    await sleep(200);
    const cooled = await ask(b);
    expect(cooled.response.status).toBe(200);
    expect(apiRequests(primary)).toBe(3);
    expect(apiRequests(backup)).toBe(3);

    // the cooldown runs out: the next request is the probe, the healthy primary answers it
    await sleep(COOLDOWN.cooldownMs + 100);
    await ask(b);
    expect(apiRequests(primary)).toBe(4);
    await ask(b);
    expect(apiRequests(primary)).toBe(5);
    expect(apiRequests(backup)).toBe(3);

    const metrics = await fetch(`${proxies[0]!.url}/metrics`).then((r) => r.text());
    expect(metrics).toMatch(/^gatehouse_proxy_deployment_cooldowns_total 1$/m);
    expect(metrics).toMatch(/^gatehouse_proxy_upstream_fallbacks_total 2$/m);
  });
});

describe("a Redis outage leaves health per process", () => {
  let world: RoutingWorld;

  beforeAll(async () => {
    world = await startRoutingWorld({
      providers: { primary: { kind: "openai" }, backup: { kind: "openai" } },
      routes: routes(),
    });
  });
  afterAll(async () => {
    await world?.close();
  });

  it("failures still cool the deployment down in this process, and no request errs", async () => {
    const { primary, backup } = world.providers as Record<string, FakeProvider>;
    // the health connection goes away (limits, config and usage keep theirs)
    world.app.connections.health.disconnect();
    primary!.faults.enqueue({ status: 503, count: 2 });
    for (let i = 0; i < 2; i++) expect((await ask(world.openai)).response.status).toBe(200);
    expect(apiRequests(primary!)).toBe(2);
    const { response } = await ask(world.openai);
    expect(response.status).toBe(200);
    // cooled down here: the third request went straight to the backup
    expect(apiRequests(primary!)).toBe(2);
    expect(apiRequests(backup!)).toBe(3);
    expect(await world.redis.exists(RedisKeys.deploymentCooldown(world.workspaceId, PRIMARY))).toBe(
      0,
    );
    expect(world.app.metrics.cooldownsStarted).toBe(1);
    const event = await world.eventOf(response.headers.get("x-request-id"));
    expect(event.attempts.map((a) => [a.credentialId, a.kind])).toEqual([["backup", "first"]]);
  });
});
