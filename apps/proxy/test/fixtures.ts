/**
 * Test fixtures: valid Workspace and Key snapshots published to Redis exactly as the control
 * plane does (zod-checked shapes, real credential encryption, real virtual keys), plus the
 * proxy and fake provider wiring the integration tests share.
 */
import {
  CONFIG_GENERATION_FIELD,
  ConfigInvalidationSchema,
  KeySnapshotSchema,
  QUEUE_PREFIX,
  QueueName,
  RedisKeys,
  WorkspaceSnapshotSchema,
  type ConfigInvalidation,
  type KeySnapshot,
  type ProviderType,
  type UsageBatchJob,
  type UsageEvent,
  type WorkspaceSnapshot,
} from "@gatehouse/shared";
import {
  encryptSecret,
  generateEncryptionKey,
  generateVirtualKey,
  parseEncryptionKeys,
} from "@gatehouse/shared/server";
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from "@gatehouse/testkit";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { startApp, type App, type AppOptions } from "../src/app";
import { createLogger } from "../src/log";

/** apps/proxy's Redis database (CONTRIBUTING.md) */
export const REDIS_DB = 2;
export const REDIS_URL = withDb(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", REDIS_DB);

export function withDb(url: string, db: number): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

export const ENCRYPTION_KEYS = generateEncryptionKey("test1");
const keyring = parseEncryptionKeys(ENCRYPTION_KEYS);

/** what the fake provider demands: the proxy must send this, never the virtual key */
export const PROVIDER_KEY = "sk-provider-secret-0123456789abcdef";

let seq = 0;
export const uniqueId = (prefix: string) =>
  `${prefix}_${process.pid}_${Date.now().toString(36)}_${++seq}`;

export interface CredentialSpec {
  id: string;
  provider: ProviderType;
  baseUrl: string;
  secret?: string;
}

export interface RouteSpec {
  alias: string;
  deployments: {
    credentialId: string;
    upstreamModel: string;
    weight?: number;
    priority?: number;
  }[];
  /** the route's RoutePolicy input (defaults when absent) */
  policy?: Record<string, unknown>;
}

export function workspaceSnapshot(
  workspaceId: string,
  credentials: CredentialSpec[],
  routes: RouteSpec[],
  extra: Partial<WorkspaceSnapshot> = {},
): WorkspaceSnapshot {
  return WorkspaceSnapshotSchema.parse({
    version: Date.now(),
    workspaceId,
    slug: `ws-${workspaceId}`,
    timeZone: "UTC",
    failMode: "closed",
    limits: { rpm: null, tpm: null, parallel: null },
    budget: null,
    payloadLogging: false,
    credentials: credentials.map((c) => ({
      id: c.id,
      provider: c.provider,
      baseUrl: c.baseUrl,
      // the control plane binds each envelope to its credential id (AAD)
      encryptedSecret: encryptSecret(c.secret ?? PROVIDER_KEY, keyring, c.id),
      options: {},
    })),
    routes: routes.map((r, i) => ({
      id: `route_${i}_${r.alias}`,
      alias: r.alias,
      deployments: r.deployments.map((d, j) => ({
        id: `dep_${i}_${j}_${r.alias}`,
        credentialId: d.credentialId,
        upstreamModel: d.upstreamModel,
        weight: d.weight ?? 1,
        priority: d.priority ?? 0,
      })),
      ...(r.policy === undefined ? {} : { policy: r.policy }),
    })),
    prompts: [],
    priceOverrides: [],
    ...extra,
  });
}

export function keySnapshot(workspaceId: string, extra: Partial<KeySnapshot> = {}): KeySnapshot {
  return KeySnapshotSchema.parse({
    version: Date.now(),
    keyId: uniqueId("key"),
    workspaceId,
    name: "test key",
    status: "active",
    expiresAt: null,
    graceUntil: null,
    allowedModels: [],
    limits: { rpm: null, tpm: null, parallel: null },
    budget: null,
    ...extra,
  });
}

export async function publishWorkspace(redis: Redis, snapshot: WorkspaceSnapshot): Promise<void> {
  await redis.set(RedisKeys.workspaceSnapshot(snapshot.workspaceId), JSON.stringify(snapshot));
  // every control-plane publish restores the workspace's budget spend first and marks it so
  // (packages/db budget-spend.ts); without the mark budgeted requests get 503
  await redis.set(RedisKeys.budgetSpendRestored(snapshot.workspaceId), String(Date.now()));
  await invalidate(redis, {
    kind: "workspace",
    workspaceId: snapshot.workspaceId,
    version: snapshot.version,
  });
}

/** Generates a virtual key, publishes its snapshot, returns the secret (shown once). */
export async function publishNewKey(
  redis: Redis,
  workspaceId: string,
  extra: Partial<KeySnapshot> = {},
): Promise<{ secret: string; hash: string; snapshot: KeySnapshot }> {
  const key = generateVirtualKey();
  const snapshot = keySnapshot(workspaceId, extra);
  await publishKey(redis, key.hash, snapshot);
  return { secret: key.secret, hash: key.hash, snapshot };
}

export async function publishKey(redis: Redis, hash: string, snapshot: KeySnapshot): Promise<void> {
  await redis.set(RedisKeys.keySnapshot(hash), JSON.stringify(snapshot));
  await redis.sadd(RedisKeys.workspaceKeyHashes(snapshot.workspaceId), hash);
  await invalidate(redis, { kind: "key", keyHash: hash, version: snapshot.version });
}

/**
 * Writes the config generation marker, as the control plane's complete republish does last:
 * without it the proxy answers 503 for keys it has not cached and /readyz is not ready.
 */
export async function writeGenerationMarker(
  redis: Redis,
  generation = uniqueId("gen"),
): Promise<string> {
  await redis.hset(RedisKeys.configGeneration, CONFIG_GENERATION_FIELD, generation);
  return generation;
}

export async function invalidate(redis: Redis, message: ConfigInvalidation): Promise<void> {
  await redis.publish(
    RedisKeys.configChannel,
    JSON.stringify(ConfigInvalidationSchema.parse(message)),
  );
}

/** The standard test world: one fake provider serving both formats, one workspace. */
export interface World {
  redis: Redis;
  fake: FakeProvider;
  app: App;
  url: string;
  workspaceId: string;
  /** a key that may use every route */
  key: string;
  usageQueue: Queue<UsageBatchJob>;
  close(): Promise<void>;
}

export const ROUTES = {
  /** alias = upstream model name */
  openai: "gpt-4o-mini",
  /** alias differs from the upstream model (gpt-4o) */
  openaiAliased: "smart",
  anthropic: "claude",
  embeddings: "embed",
  /** an OpenAI-compatible upstream on a closed port */
  dead: "dead",
} as const;

export const ANTHROPIC_UPSTREAM_MODEL = "claude-sonnet-4-5";

export async function startWorld(
  options: Partial<AppOptions> = {},
  fakeOptions: FakeProviderOptions = {},
): Promise<World> {
  const redis = new Redis(REDIS_URL);
  // db 2 belongs to this package's tests, which run one file at a time: start clean
  await redis.flushdb();
  const fake = await startFakeProvider({ apiKey: PROVIDER_KEY, ...fakeOptions });
  const workspaceId = uniqueId("ws");
  const closedPort = await findClosedPort();
  await publishWorkspace(
    redis,
    workspaceSnapshot(
      workspaceId,
      [
        { id: "cred_openai", provider: "openai", baseUrl: fake.openaiBaseUrl },
        { id: "cred_anthropic", provider: "anthropic", baseUrl: fake.anthropicBaseUrl },
        {
          id: "cred_dead",
          provider: "openai_compatible",
          baseUrl: `http://127.0.0.1:${closedPort}/v1`,
        },
      ],
      [
        {
          alias: ROUTES.openai,
          deployments: [{ credentialId: "cred_openai", upstreamModel: "gpt-4o-mini" }],
        },
        {
          alias: ROUTES.openaiAliased,
          deployments: [{ credentialId: "cred_openai", upstreamModel: "gpt-4o" }],
        },
        {
          alias: ROUTES.anthropic,
          deployments: [
            { credentialId: "cred_anthropic", upstreamModel: ANTHROPIC_UPSTREAM_MODEL },
          ],
        },
        {
          alias: ROUTES.embeddings,
          deployments: [{ credentialId: "cred_openai", upstreamModel: "text-embedding-3-small" }],
        },
        {
          alias: ROUTES.dead,
          deployments: [{ credentialId: "cred_dead", upstreamModel: "llama-3" }],
        },
      ],
    ),
  );
  const { secret } = await publishNewKey(redis, workspaceId);
  await writeGenerationMarker(redis);
  const app = await startApp({
    redisUrl: REDIS_URL,
    encryptionKeys: ENCRYPTION_KEYS,
    cacheSize: 1000,
    usageBufferMax: 10_000,
    settings: {},
    log: createLogger(process.env.GATEHOUSE_TEST_LOG === "1" ? "debug" : "silent"),
    ...options,
  });
  const { url } = await app.proxy.listen(0, "127.0.0.1");
  const queueConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const usageQueue = new Queue<UsageBatchJob>(QueueName.usage, {
    connection: queueConnection,
    prefix: QUEUE_PREFIX,
  });
  return {
    redis,
    fake,
    app,
    url,
    workspaceId,
    key: secret,
    usageQueue,
    async close() {
      await app.close(2_000);
      await fake.close();
      await usageQueue.close();
      queueConnection.disconnect();
      redis.disconnect();
    },
  };
}

/** The usage events of the newest jobs in the queue (no worker runs in these tests). */
export async function queuedEvents(queue: Queue<UsageBatchJob>): Promise<UsageEvent[]> {
  const jobs = await queue.getJobs(
    ["waiting", "prioritized", "delayed", "active", "completed"],
    0,
    499,
  );
  return jobs.flatMap((job) => job.data.events);
}

/** Waits until the usage event with this id has been enqueued. */
export async function waitForEvent(
  queue: Queue<UsageBatchJob>,
  id: string,
  timeoutMs = 5_000,
): Promise<UsageEvent> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const event = (await queuedEvents(queue)).find((e) => e.id === id);
    if (event) return event;
    if (Date.now() > until)
      throw new Error(`usage event ${id} was not enqueued within ${timeoutMs} ms`);
    await sleep(25);
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A port nothing listens on (bound, then released). */
export async function findClosedPort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}
