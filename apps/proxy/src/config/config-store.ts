import {
  CONFIG_GENERATION_FIELD,
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
 * - "No such key" is only believed while the control plane's generation marker
 *   (RedisKeys.configGeneration, written after a complete republish) is in Redis. Every miss
 *   reads it in the same round trip as the snapshot, and a poll (every `markerPollMs`), a
 *   reconnect and an "all" message read it too; never a request served from the cache.
 *   Marker missing (Redis flushed or restarted empty): negative entries are dropped and none
 *   are cached, a snapshot that is not there answers 503 (never 401), warm entries keep being
 *   served, and `ready` is false. A new generation: every entry is revalidated on next use.
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
  /** how often the generation marker is read (default 1 s): one HGET per proxy, not per request */
  markerPollMs?: number;
}

const STALE = -1;
const DEFAULT_MARKER_POLL_MS = 1_000;

/** what the last read of the generation marker said */
type MarkerState = "unknown" | "present" | "missing";

interface Read {
  /** the snapshot JSON, null when absent */
  raw: string | null;
  /** the marker's generation, null when the marker is absent */
  generation: string | null;
}

const configUnpublished = () =>
  new GatewayError(
    "unavailable",
    "The gateway's configuration is being restored (its Redis store lost its data and is " +
      "being republished from the database), so this API key cannot be checked yet. Retry in " +
      "a few seconds.",
    null,
    { "retry-after": "2" },
  );

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
  private markerState: MarkerState = "unknown";
  private generation: string | null = null;
  private markerCheck: Promise<void> | null = null;
  private markerTimer: NodeJS.Timeout | null = null;
  private readonly markerPollMs: number;
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
    this.markerPollMs = options.markerPollMs ?? DEFAULT_MARKER_POLL_MS;
    // a connection that becomes ready again after a drop may have missed invalidations
    const onReconnect = (conn: Redis) => {
      let seenReady = conn.status === "ready";
      return () => {
        if (seenReady) this.freshEpoch++;
        seenReady = true;
      };
    };
    const configReconnect = onReconnect(this.redis);
    this.redis.on("ready", () => {
      configReconnect();
      // a Redis that restarted empty is noticed now, not at the next poll
      if (this.started) void this.checkMarker();
    });
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

  /** Subscribes to the invalidation channel and reads the generation marker; resolves once
   * subscribed (a missing marker does not fail the start: it is what `ready` reports). */
  async start(): Promise<void> {
    this.started = true;
    await this.subscriber.subscribe(RedisKeys.configChannel);
    this.subscribed = true;
    await this.checkMarker();
    this.markerTimer = setInterval(() => void this.checkMarker(), this.markerPollMs);
    this.markerTimer.unref();
  }

  /** Redis answers, invalidations are being received and the whole config is published. */
  get ready(): boolean {
    return this.redis.status === "ready" && this.subscribed && this.markerState === "present";
  }

  /** The control plane's generation marker was in Redis at the last look. */
  get published(): boolean {
    return this.markerState === "present";
  }

  async stop(): Promise<void> {
    this.started = false;
    if (this.markerTimer) clearInterval(this.markerTimer);
    this.markerTimer = null;
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
    for (let attempt = 0; ; attempt++) {
      const epoch = this.freshEpoch;
      const invalidations = this.invalidations;
      const read = await this.read(RedisKeys.keySnapshot(keyHash), stale !== undefined);
      if (read === undefined) return stale!.value; // Redis unreachable: serve the stale entry
      const markerChanged = this.observeMarker(read.generation);
      if (read.raw === null) {
        if (this.markerState !== "present") {
          const kept = this.keepWhileUnpublished(this.keys, keyHash, stale, epoch, invalidations);
          if (kept === null) throw configUnpublished();
          return kept;
        }
        // a new generation landed between the two reads: the GET may predate its snapshots
        if (markerChanged && attempt === 0) continue;
      }
      return this.cacheKey(keyHash, read.raw, epoch, invalidations);
    }
  }

  private cacheKey(
    keyHash: string,
    raw: string | null,
    epoch: number,
    invalidations: number,
  ): KeyEntry | null {
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
    for (let attempt = 0; ; attempt++) {
      const epoch = this.freshEpoch;
      const invalidations = this.invalidations;
      const read = await this.read(RedisKeys.workspaceSnapshot(workspaceId), stale !== undefined);
      if (read === undefined) return stale!.value;
      const markerChanged = this.observeMarker(read.generation);
      if (read.raw === null) {
        if (this.markerState !== "present") {
          const kept = this.keepWhileUnpublished(
            this.workspaces,
            workspaceId,
            stale,
            epoch,
            invalidations,
          );
          if (kept === null) throw configUnpublished();
          return kept;
        }
        if (markerChanged && attempt === 0) continue;
      }
      return this.cacheWorkspace(workspaceId, read.raw, stale, epoch, invalidations);
    }
  }

  private cacheWorkspace(
    workspaceId: string,
    raw: string | null,
    stale: Cached<WorkspaceEntry | null> | undefined,
    epoch: number,
    invalidations: number,
  ): WorkspaceEntry | null {
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
   * GETs a snapshot and the generation marker in one round trip (a pipeline: the snapshot
   * first, so a marker seen after it vouches for the GET). undefined = Redis unreachable and
   * the caller has a stale value to serve; with nothing to fall back on, a 503.
   */
  private async read(redisKey: string, haveStale: boolean): Promise<Read | undefined> {
    let failure: unknown = null;
    try {
      this.metrics.configRedisReads++;
      const replies = await this.redis
        .pipeline()
        .get(redisKey)
        .hget(RedisKeys.configGeneration, CONFIG_GENERATION_FIELD)
        .exec();
      const snapshot = replies?.[0];
      const marker = replies?.[1];
      failure = snapshot?.[0] ?? marker?.[0] ?? (replies ? null : "no reply");
      if (failure === null) {
        return { raw: snapshot![1] as string | null, generation: marker![1] as string | null };
      }
    } catch (error) {
      failure = error;
    }
    if (haveStale) {
      this.log.debug("config read failed; serving the stale entry", { error: failure });
      return undefined;
    }
    this.log.warn("config read failed", { error: failure });
    throw new GatewayError(
      "unavailable",
      "The gateway cannot reach its configuration store; try again shortly.",
    );
  }

  /**
   * While the marker is missing a snapshot's absence proves nothing: the warm entry (if any)
   * is kept and served until the marker is back. null = nothing to serve (the caller's 503).
   */
  private keepWhileUnpublished<T>(
    cache: Lru<string, Cached<T | null>>,
    id: string,
    stale: Cached<T | null> | undefined,
    epoch: number,
    invalidations: number,
  ): T | null {
    if (stale === undefined || stale.value === null) return null;
    cache.set(id, {
      value: stale.value,
      epoch: invalidations === this.invalidations ? epoch : STALE,
    });
    return stale.value;
  }

  /** Reads the marker (poll, reconnect, "all" message); one at a time. */
  private checkMarker(): Promise<void> {
    if (this.markerCheck !== null) return this.markerCheck;
    if (this.redis.status !== "ready") return Promise.resolve(); // `ready` is false anyway
    this.markerCheck = this.redis
      .hget(RedisKeys.configGeneration, CONFIG_GENERATION_FIELD)
      .then(
        (generation) => void this.observeMarker(generation),
        (error: unknown) => this.log.debug("config generation marker read failed", { error }),
      )
      .finally(() => {
        this.markerCheck = null;
      });
    return this.markerCheck;
  }

  /**
   * Records what Redis said about the marker; true when that changes what the cache may trust.
   * Missing: negative entries go (and in-flight loads are cached as stale). A new generation:
   * every entry is revalidated on its next use (served stale if Redis is unreachable then).
   */
  private observeMarker(generation: string | null): boolean {
    if (generation === null) {
      if (this.markerState === "missing") return false;
      const known = this.markerState === "present";
      this.markerState = "missing";
      this.dropNegatives();
      if (known) {
        this.log.warn(
          "config generation marker missing: Redis lost the config; serving cached keys, " +
            "503 for the rest until the control plane republishes",
          { lastGeneration: this.generation },
        );
      } else {
        this.log.warn("config generation marker missing: waiting for the control plane to publish");
      }
      return true;
    }
    if (this.markerState === "present" && generation === this.generation) return false;
    const previous = this.generation;
    const wasMissing = this.markerState === "missing";
    this.markerState = "present";
    this.generation = generation;
    this.freshEpoch++;
    this.dropNegatives();
    if (previous !== null || wasMissing) {
      this.log.info("config generation changed: revalidating cached config", {
        generation,
        previous,
      });
    }
    return true;
  }

  /** Forgets every "no such key / workspace" answer. */
  private dropNegatives(): void {
    this.invalidations++;
    this.unknownKeys.clear();
    this.workspaces.deleteWhere((entry) => entry.value === null);
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
        // a complete republish announces itself after writing a new marker
        void this.checkMarker();
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
