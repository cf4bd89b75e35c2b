import { decryptSecret, parseEncryptionKeys, type Keyring } from "@gatehouse/shared/server";
import { Redis, type RedisOptions } from "ioredis";
import { ConfigStore } from "./config/config-store";
import type { Decrypt } from "./config/workspace-plan";
import type { Logger } from "./log";
import { ProxyMetrics } from "./metrics";
import type { ProxySettings } from "./pipeline/context";
import { createProxy, DEFAULT_SETTINGS, type Proxy } from "./server";
import { LimitEnforcer } from "./limits/enforcer";
import { DeploymentHealth, SharedHealth } from "./routing";
import { preloadTokenizer } from "./tokens/estimate";
import { UsageEmitter } from "./usage/emitter";

export interface AppOptions {
  redisUrl: string;
  /** GATEHOUSE_ENCRYPTION_KEYS */
  encryptionKeys: string;
  cacheSize: number;
  usageBufferMax: number;
  settings: Partial<ProxySettings>;
  log: Logger;
  /** per-connection Redis URLs (tests point one connection elsewhere to simulate an outage) */
  redisUrls?: {
    config?: string;
    subscriber?: string;
    usage?: string;
    limits?: string;
    health?: string;
  };
  /** enqueue budget alert jobs (default true) */
  budgetAlerts?: boolean;
  /** how long to wait for Redis at start */
  connectTimeoutMs?: number;
  /** how often the config generation marker is read (default 1 s; tests go faster) */
  configMarkerPollMs?: number;
  /** how often deployment cooldowns are read from Redis (default 1 s; they also come by pub/sub) */
  healthPollMs?: number;
}

export interface App {
  readonly proxy: Proxy;
  readonly config: ConfigStore;
  readonly usage: UsageEmitter;
  readonly metrics: ProxyMetrics;
  readonly limits: LimitEnforcer;
  readonly health: DeploymentHealth;
  readonly connections: {
    readonly config: Redis;
    readonly subscriber: Redis;
    readonly usage: Redis;
    readonly limits: Redis;
    readonly health: Redis;
  };
  /** Graceful: stop accepting, drain in-flight requests (up to the deadline), flush usage, close Redis. */
  close(deadlineMs?: number): Promise<void>;
}

/** The control plane encrypts each credential with its credential id as AAD (packages/db seed,
 * apps/web), which binds the envelope to that credential. */
export function credentialDecrypter(keyring: Keyring): Decrypt {
  return (envelope, credentialId) => decryptSecret(envelope, keyring, credentialId);
}

function redisOptions(name: string, extra: RedisOptions): RedisOptions {
  return {
    connectionName: name,
    lazyConnect: true,
    // reconnect quickly: a Redis blip should heal within a couple of seconds
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    ...extra,
  };
}

/** Wires the real proxy: Redis connections → config store → usage emitter → HTTP server. */
export async function startApp(options: AppOptions): Promise<App> {
  const { log } = options;
  const keyring = parseEncryptionKeys(options.encryptionKeys);
  const metrics = new ProxyMetrics();
  const urls = options.redisUrls ?? {};

  // GETs fail fast while disconnected (the store then serves its cache)
  const config = new Redis(
    urls.config ?? options.redisUrl,
    redisOptions("gatehouse-proxy", {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 1,
      commandTimeout: 2_000,
    }),
  );
  const subscriber = new Redis(
    urls.subscriber ?? options.redisUrl,
    redisOptions("gatehouse-proxy-sub", {}),
  );
  // usage enqueueing fails fast during an outage; the emitter keeps the events buffered
  const usageConnection = new Redis(
    urls.usage ?? options.redisUrl,
    redisOptions("gatehouse-proxy-usage", {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 5_000,
    }),
  );
  // limit checks fail fast during an outage, into the workspace's fail mode (open or closed)
  const limitsConnection = new Redis(
    urls.limits ?? options.redisUrl,
    redisOptions("gatehouse-proxy-limits", {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1_000,
      // no auto-pipelining: it runs one pipeline at a time, so a request's admit waited for the
      // previous request's settle to come back (an extra round trip, +0.1–0.2 ms at 1
      // connection). LimitEnforcer batches the writes of one event-loop turn itself (cork).
      enableAutoPipelining: false,
    }),
  );
  // deployment health writes and polls fail fast too: an outage leaves health per process
  const healthConnection = new Redis(
    urls.health ?? options.redisUrl,
    redisOptions("gatehouse-proxy-health", {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: 1_000,
    }),
  );
  const connections = [config, subscriber, usageConnection, limitsConnection, healthConnection];
  let lastRedisError = 0;
  for (const conn of connections) {
    conn.on("error", (error: Error) => {
      const now = Date.now();
      if (now - lastRedisError > 5_000) {
        lastRedisError = now;
        log.warn("redis connection error", {
          connection: conn.options.connectionName,
          error: error.message,
        });
      }
    });
  }
  // the tokenizer's tables load while Redis connects, not on the first request
  const tokenizer = preloadTokenizer();
  await connectAll(connections, options.connectTimeoutMs ?? 30_000, log);
  await tokenizer;

  const store = new ConfigStore({
    redis: config,
    subscriber,
    decrypt: credentialDecrypter(keyring),
    cacheSize: options.cacheSize,
    metrics,
    log,
    ...(options.configMarkerPollMs !== undefined
      ? { markerPollMs: options.configMarkerPollMs }
      : {}),
  });
  await store.start();
  const usage = new UsageEmitter({
    connection: usageConnection,
    bufferMax: options.usageBufferMax,
    metrics,
    log,
  });
  const settings = { ...DEFAULT_SETTINGS, ...options.settings };
  const limits = new LimitEnforcer({
    redis: limitsConnection,
    log,
    reservationTtlMs: settings.reservationTtlMs,
    defaultMaxTokens: settings.defaultMaxTokens,
    alerts: options.budgetAlerts ?? true,
  });
  const health = new DeploymentHealth();
  const sharedHealth = new SharedHealth({
    redis: healthConnection,
    subscriber,
    health,
    log,
    onCooldownStarted: () => metrics.cooldownsStarted++,
    ...(options.healthPollMs !== undefined ? { pollMs: options.healthPollMs } : {}),
  });
  await sharedHealth.start();
  const proxy = createProxy({ config: store, usage, settings, metrics, log, limits, health });

  let closing: Promise<void> | null = null;
  const shutdown = async (deadlineMs: number) => {
    await proxy.close(deadlineMs);
    await sharedHealth.stop();
    await store.stop();
    await usage.close(5_000);
    await limits.close();
    for (const conn of connections) {
      await conn.quit().catch(() => conn.disconnect());
    }
  };
  return {
    proxy,
    config: store,
    usage,
    metrics,
    limits,
    health,
    connections: {
      config,
      subscriber,
      usage: usageConnection,
      limits: limitsConnection,
      health: healthConnection,
    },
    close(deadlineMs = 25_000) {
      closing ??= shutdown(deadlineMs);
      return closing;
    },
  };
}

async function connectAll(connections: Redis[], timeoutMs: number, log: Logger): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const conn of connections) {
    // lazyConnect: connect() starts connecting; ioredis keeps retrying until ready
    conn.connect().catch(() => undefined);
  }
  const isReady = (conn: Redis): boolean => conn.status === "ready";
  for (const conn of connections) {
    while (!isReady(conn)) {
      if (Date.now() > deadline) {
        for (const c of connections) c.disconnect();
        throw new Error(
          `cannot reach Redis (${describe(conn)}) within ${Math.round(timeoutMs / 1000)} s; is it running? ` +
            `Set REDIS_URL, or start one with: redis-server --port 6379`,
        );
      }
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          conn.off("ready", done);
          resolve();
        };
        const timer = setTimeout(done, 1_000);
        conn.on("ready", done);
      });
      if (!isReady(conn)) log.info("waiting for Redis", { redis: describe(conn) });
    }
  }
}

/** host:port/db of a connection, never its password */
function describe(conn: Redis): string {
  const o = conn.options;
  return `${o.host ?? "?"}:${o.port ?? "?"}/${o.db ?? 0}`;
}
