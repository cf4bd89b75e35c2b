import {
  ConfigInvalidationSchema,
  KeySnapshotSchema,
  RedisKeys,
  WorkspaceSnapshotSchema,
} from "@gatehouse/shared";
import type { Redis } from "ioredis";
import { GatewayError } from "../errors";
import type { Logger } from "../log";
import type { ProxyMetrics } from "../metrics";
import { Lru } from "./lru";
import {
  compileKey,
  compileWorkspace,
  type Decrypt,
  type KeyEntry,
  type WorkspaceEntry,
} from "./workspace-plan";

/**
 * Key and workspace snapshots, read from Redis and cached in process.
 *
 * - A fresh cache hit is synchronous (no promise, no await).
 * - Unknown key hashes are cached too (negative entries, their own LRU, so a flood of bad keys
 *   neither hammers Redis nor evicts good entries).
 * - Every message on the invalidation channel drops what it names ("all" drops everything);
 *   a load that raced with an invalidation is used once but cached as stale.
 * - When a Redis connection comes back after a drop, invalidations may have been missed: every
 *   entry becomes stale (one counter bump) and is revalidated on its next use; if Redis is
 *   unreachable then, the stale entry is served.
 * - Concurrent misses for the same key share one Redis GET.
 */

interface Cached<T> {
  readonly value: T;
  /** the freshness epoch the value was read in; older than `freshEpoch` = stale */
  readonly epoch: number;
}

export interface ConfigStoreOptions {
  /** command connection (GET) */
  redis: Redis;
  /** dedicated subscriber connection */
  subscriber: Redis;
  decrypt: Decrypt;
  cacheSize: number;
  metrics: ProxyMetrics;
  log: Logger;
}

const STALE = -1;

export class ConfigStore {
  private readonly redis: Redis;
  private readonly subscriber: Redis;
  private readonly decrypt: Decrypt;
  private readonly metrics: ProxyMetrics;
  private readonly log: Logger;
  private readonly keys: Lru<string, Cached<KeyEntry>>;
  private readonly unknownKeys: Lru<string, Cached<null>>;
  private readonly workspaces: Lru<string, Cached<WorkspaceEntry | null>>;
  private readonly keyLoads = new Map<string, Promise<KeyEntry | null>>();
  private readonly workspaceLoads = new Map<string, Promise<WorkspaceEntry | null>>();
  private freshEpoch = 1;
  private invalidations = 0;
  private subscribed = false;
  private started = false;
  private readonly onMessage: (channel: string, message: string) => void;
  private readonly onSubscriberClose: () => void;

  constructor(options: ConfigStoreOptions) {
    this.redis = options.redis;
    this.subscriber = options.subscriber;
    this.decrypt = options.decrypt;
    this.metrics = options.metrics;
    this.log = options.log;
    this.keys = new Lru(options.cacheSize);
    this.unknownKeys = new Lru(options.cacheSize);
    this.workspaces = new Lru(options.cacheSize);
    // a connection that becomes ready again after a drop may have missed invalidations
    const onReconnect = (conn: Redis) => {
      let seenReady = conn.status === "ready";
      return () => {
        if (seenReady) this.freshEpoch++;
        seenReady = true;
      };
    };
    this.redis.on("ready", onReconnect(this.redis));
    const subscriberReconnect = onReconnect(this.subscriber);
    this.subscriber.on("ready", () => {
      subscriberReconnect();
      // ioredis re-subscribes on reconnect before it reports ready
      if (this.started) this.subscribed = true;
    });
    this.onMessage = (channel, message) => {
      if (channel === RedisKeys.configChannel) this.handleInvalidation(message);
    };
    this.onSubscriberClose = () => {
      this.subscribed = false;
    };
    this.subscriber.on("message", this.onMessage);
    this.subscriber.on("close", this.onSubscriberClose);
  }

  /** Subscribes to the invalidation channel; resolves once subscribed. */
  async start(): Promise<void> {
    this.started = true;
    await this.subscriber.subscribe(RedisKeys.configChannel);
    this.subscribed = true;
  }

  /** Redis answers and invalidations are being received. */
  get ready(): boolean {
    return this.redis.status === "ready" && this.subscribed;
  }

  async stop(): Promise<void> {
    this.started = false;
    this.subscriber.off("message", this.onMessage);
    this.subscriber.off("close", this.onSubscriberClose);
    if (this.subscriber.status === "ready") {
      await this.subscriber.unsubscribe(RedisKeys.configChannel).catch(() => undefined);
    }
    this.subscribed = false;
  }

  /** The key for a hash, null for an unknown key; synchronous on a fresh cache hit. */
  getKey(keyHash: string): KeyEntry | null | Promise<KeyEntry | null> {
    const hit = this.keys.get(keyHash) ?? this.unknownKeys.get(keyHash);
    if (hit !== undefined && hit.epoch === this.freshEpoch) {
      this.metrics.configCacheHits++;
      return hit.value;
    }
    this.metrics.configCacheMisses++;
    return this.loadShared(this.keyLoads, keyHash, () => this.loadKey(keyHash, hit));
  }

  /** The workspace, null when it has no snapshot; synchronous on a fresh cache hit. */
  getWorkspace(workspaceId: string): WorkspaceEntry | null | Promise<WorkspaceEntry | null> {
    const hit = this.workspaces.get(workspaceId);
    if (hit !== undefined && hit.epoch === this.freshEpoch) {
      this.metrics.configCacheHits++;
      return hit.value;
    }
    this.metrics.configCacheMisses++;
    return this.loadShared(this.workspaceLoads, workspaceId, () =>
      this.loadWorkspace(workspaceId, hit),
    );
  }

  /** Drops every cached entry (tests, and the "all" invalidation). */
  clear(): void {
    this.invalidations++;
    this.keys.clear();
    this.unknownKeys.clear();
    this.workspaces.clear();
  }

  private loadShared<T>(
    loads: Map<string, Promise<T>>,
    id: string,
    load: () => Promise<T>,
  ): Promise<T> {
    let pending = loads.get(id);
    if (pending === undefined) {
      pending = load().finally(() => loads.delete(id));
      loads.set(id, pending);
    }
    return pending;
  }

  private async loadKey(
    keyHash: string,
    stale: Cached<KeyEntry | null> | undefined,
  ): Promise<KeyEntry | null> {
    const epoch = this.freshEpoch;
    const invalidations = this.invalidations;
    const raw = await this.read(RedisKeys.keySnapshot(keyHash), stale !== undefined);
    if (raw === undefined) return stale!.value; // Redis unreachable: serve the stale entry
    let value: KeyEntry | null = null;
    if (raw !== null) {
      const parsed = KeySnapshotSchema.safeParse(safeJson(raw));
      if (!parsed.success) {
        this.log.error("invalid key snapshot in Redis", { keyHashPrefix: keyHash.slice(0, 12) });
        throw new GatewayError(
          "internal",
          "The configuration of this API key is invalid; contact the workspace admin.",
        );
      }
      value = compileKey(keyHash, parsed.data);
    }
    const cached = { value, epoch: invalidations === this.invalidations ? epoch : STALE };
    if (value === null) {
      this.keys.delete(keyHash);
      this.unknownKeys.set(keyHash, cached as Cached<null>);
    } else {
      this.unknownKeys.delete(keyHash);
      this.keys.set(keyHash, cached as Cached<KeyEntry>);
    }
    return value;
  }

  private async loadWorkspace(
    workspaceId: string,
    stale: Cached<WorkspaceEntry | null> | undefined,
  ): Promise<WorkspaceEntry | null> {
    const epoch = this.freshEpoch;
    const invalidations = this.invalidations;
    const raw = await this.read(RedisKeys.workspaceSnapshot(workspaceId), stale !== undefined);
    if (raw === undefined) return stale!.value;
    let value: WorkspaceEntry | null = null;
    if (raw !== null) {
      const parsed = WorkspaceSnapshotSchema.safeParse(safeJson(raw));
      if (!parsed.success) {
        this.log.error("invalid workspace snapshot in Redis", { workspaceId });
        throw new GatewayError(
          "internal",
          "The workspace configuration is invalid; contact the workspace admin.",
        );
      }
      const previous = stale?.value;
      // credentials are decrypted once per snapshot version
      value =
        previous && previous.snapshot.version === parsed.data.version
          ? previous
          : compileWorkspace(parsed.data, this.decrypt, (credentialId, error) =>
              this.log.error("cannot decrypt provider credential", {
                workspaceId,
                credentialId,
                reason: error instanceof Error ? error.name : "unknown",
              }),
            );
    }
    this.workspaces.set(workspaceId, {
      value,
      epoch: invalidations === this.invalidations ? epoch : STALE,
    });
    return value;
  }

  /**
   * GET a key. undefined = Redis unreachable and the caller has a stale value to serve;
   * with nothing to fall back on, a 503.
   */
  private async read(redisKey: string, haveStale: boolean): Promise<string | null | undefined> {
    try {
      this.metrics.configRedisReads++;
      return await this.redis.get(redisKey);
    } catch (error) {
      if (haveStale) {
        this.log.debug("config read failed; serving the stale entry", { error });
        return undefined;
      }
      this.log.warn("config read failed", { error });
      throw new GatewayError(
        "unavailable",
        "The gateway cannot reach its configuration store; try again shortly.",
      );
    }
  }

  private handleInvalidation(message: string): void {
    const parsed = ConfigInvalidationSchema.safeParse(safeJson(message));
    if (!parsed.success) {
      this.log.warn("ignored malformed config invalidation");
      return;
    }
    const msg = parsed.data;
    this.invalidations++;
    switch (msg.kind) {
      case "key":
        this.keys.delete(msg.keyHash);
        this.unknownKeys.delete(msg.keyHash);
        break;
      case "workspace":
        this.workspaces.delete(msg.workspaceId);
        break;
      case "all":
        this.clear();
        break;
    }
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
