/**
 * The routing tests' world: several fake providers (one per deployment, each with its own
 * fault queue, as separate providers would be), one workspace whose routes the test describes,
 * the real proxy (startApp: Redis, config store, limits, shared health) and the official SDKs
 * with their own retries off, so every retry seen is the proxy's.
 */
import Anthropic from "@anthropic-ai/sdk";
import { QUEUE_PREFIX, QueueName, type UsageBatchJob, type UsageEvent } from "@gatehouse/shared";
import { startFakeProvider, type FakeProvider, type FakeProviderOptions } from "@gatehouse/testkit";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import OpenAI from "openai";
import { startApp, type App, type AppOptions } from "../src/app";
import { createLogger } from "../src/log";
import {
  ENCRYPTION_KEYS,
  PROVIDER_KEY,
  publishNewKey,
  publishWorkspace,
  REDIS_URL,
  uniqueId,
  waitForEvent,
  workspaceSnapshot,
  writeGenerationMarker,
  type CredentialSpec,
  type RouteSpec,
} from "./fixtures";

/** A route policy that keeps tests fast: short backoff, the default retries and budget. */
export const FAST_RETRIES = { backoffBaseMs: 10, maxDelayMs: 2_000 } as const;

export interface RoutingWorld {
  redis: Redis;
  app: App;
  url: string;
  workspaceId: string;
  key: string;
  providers: Record<string, FakeProvider>;
  openai: OpenAI;
  anthropic: Anthropic;
  usageQueue: Queue<UsageBatchJob>;
  /** the usage event of a response (by its x-request-id) */
  eventOf(requestId: string | null | undefined): Promise<UsageEvent>;
  close(): Promise<void>;
}

export interface RoutingWorldSpec {
  /** fake providers by name: openai ones serve OpenAI credentials, anthropic ones Anthropic */
  providers: Record<string, { kind: "openai" | "anthropic"; options?: FakeProviderOptions }>;
  routes: RouteSpec[];
  app?: Partial<AppOptions>;
}

export async function startRoutingWorld(spec: RoutingWorldSpec): Promise<RoutingWorld> {
  const redis = new Redis(REDIS_URL);
  // db 2 belongs to this package's tests, which run one file at a time: start clean
  await redis.flushdb();
  const providers: Record<string, FakeProvider> = {};
  const credentials: CredentialSpec[] = [];
  for (const [name, p] of Object.entries(spec.providers)) {
    const fake = await startFakeProvider({ apiKey: PROVIDER_KEY, ...p.options });
    providers[name] = fake;
    credentials.push({
      id: name,
      provider: p.kind,
      baseUrl: p.kind === "openai" ? fake.openaiBaseUrl : fake.anthropicBaseUrl,
    });
  }
  const workspaceId = uniqueId("ws");
  await publishWorkspace(redis, workspaceSnapshot(workspaceId, credentials, spec.routes));
  const { secret } = await publishNewKey(redis, workspaceId);
  await writeGenerationMarker(redis);
  const app = await startApp({
    redisUrl: REDIS_URL,
    encryptionKeys: ENCRYPTION_KEYS,
    cacheSize: 1000,
    usageBufferMax: 10_000,
    settings: {},
    log: createLogger(process.env.GATEHOUSE_TEST_LOG === "1" ? "debug" : "silent"),
    budgetAlerts: false,
    ...spec.app,
  });
  const { url } = await app.proxy.listen(0, "127.0.0.1");
  const queueConnection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  const usageQueue = new Queue<UsageBatchJob>(QueueName.usage, {
    connection: queueConnection,
    prefix: QUEUE_PREFIX,
  });
  return {
    redis,
    app,
    url,
    workspaceId,
    key: secret,
    providers,
    openai: new OpenAI({ baseURL: `${url}/v1`, apiKey: secret, maxRetries: 0 }),
    anthropic: new Anthropic({ baseURL: url, apiKey: secret, maxRetries: 0 }),
    usageQueue,
    eventOf(requestId) {
      if (!requestId) throw new Error("the response has no x-request-id");
      return waitForEvent(usageQueue, requestId);
    },
    async close() {
      await app.close(2_000);
      for (const fake of Object.values(providers)) await fake.close();
      await usageQueue.close();
      queueConnection.disconnect();
      redis.disconnect();
    },
  };
}

/** The attempts of an event as [deployment credential, kind, status, errorType]. */
export function attemptsOf(event: UsageEvent): [string, string, number | null, string | null][] {
  return event.attempts.map((a) => [a.credentialId, a.kind, a.status, a.errorType]);
}

/** The requests a fake provider got for a model endpoint (not the control ones). */
export function apiRequests(fake: FakeProvider): number {
  return fake.requests.filter((r) => r.path.startsWith("/v1/")).length;
}

export const user = (content: string) => [{ role: "user" as const, content }];
