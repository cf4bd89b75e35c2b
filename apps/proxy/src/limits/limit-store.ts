import type { Redis } from "ioredis";
import type { Logger } from "../log";
import { ADMIT_LUA, SETTLE_LUA } from "./scripts";
import type { AdmitReply, Reservation } from "./types";

/** Called with the settle script's alert reply (scope index, spent, ...) of a reservation. */
export type AlertHandler = (reservation: Reservation, alerts: number[]) => void;

interface LimitCommands {
  ghAdmit(...args: (string | number)[]): Promise<AdmitReply>;
  ghSettle(...args: (string | number)[]): Promise<number[]>;
}

/**
 * The Redis side of limits: the two scripts (EVALSHA through ioredis' defineCommand), the
 * writes of one event-loop turn sent together, and the settles of an outage kept and replayed
 * when Redis is back (fail-open accounting).
 */
export class LimitStore {
  private readonly redis: Redis & LimitCommands;
  private readonly log: Logger;
  private readonly pendingMax: number;
  /** settles that could not reach Redis: replayed when it is back (fail-open reconciliation) */
  private pending: (string | number)[][] = [];
  private replaying = false;
  private lastFailureLog = 0;
  private readonly onReady = () => void this.replay();
  /** the socket corked for this event-loop turn (batchWrites) */
  private corked: { uncork(): void } | null = null;
  private readonly uncork = () => {
    const stream = this.corked;
    this.corked = null;
    stream?.uncork();
  };

  /**
   * `redis`: a dedicated connection, enableOfflineQueue false and a short command timeout, so
   * an outage fails fast into the workspace's fail mode.
   */
  constructor(
    redis: Redis,
    log: Logger,
    pendingMax: number,
    private readonly onAlerts: AlertHandler | null,
  ) {
    this.redis = redis as Redis & LimitCommands;
    this.redis.defineCommand("ghAdmit", { lua: ADMIT_LUA });
    this.redis.defineCommand("ghSettle", { lua: SETTLE_LUA });
    this.log = log;
    this.pendingMax = pendingMax;
    this.redis.on("ready", this.onReady);
  }

  /** settles waiting for Redis (fail-open accounting not yet reconciled) */
  get pendingSettles(): number {
    return this.pending.length;
  }

  admit(keys: readonly string[], args: readonly (string | number)[]): Promise<AdmitReply> {
    this.batchWrites();
    return this.redis.ghAdmit(keys.length, ...keys, ...args);
  }

  /** Sends a settle (KEYS count, KEYS, ARGV), or keeps it for later when Redis is away. */
  settle(command: (string | number)[], reservation: Reservation): void {
    if (this.redis.status !== "ready") {
      this.keep(command);
      return;
    }
    this.batchWrites();
    this.redis.ghSettle(...command).then(
      (alerts) => {
        if (alerts.length > 0 && this.onAlerts !== null) this.onAlerts(reservation, alerts);
      },
      (error: unknown) => {
        this.failure("settle", error);
        this.keep(command);
      },
    );
  }

  async close(): Promise<void> {
    this.redis.off("ready", this.onReady);
    if (this.pending.length > 0 && this.redis.status === "ready") await this.replay();
  }

  /** Logs a failed Redis call, at most every 5 s. */
  failure(what: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLog > 5_000) {
      this.lastFailureLog = now;
      this.log.warn(`limits: ${what} failed`, {
        error: error instanceof Error ? error.message : String(error),
        pendingSettles: this.pending.length,
      });
    }
  }

  /**
   * The admits and settles issued during one event-loop turn leave in one socket write: the
   * socket is corked until setImmediate (the end of the current poll phase). Unlike ioredis'
   * enableAutoPipelining, a batch never waits for the replies of the previous one, which put a
   * request's admit behind the previous request's settle (a whole extra round trip).
   */
  private batchWrites(): void {
    if (this.corked !== null) return;
    const stream = this.redis.stream;
    if (stream === undefined || typeof stream.cork !== "function") return;
    stream.cork();
    this.corked = stream;
    setImmediate(this.uncork);
  }

  private keep(command: (string | number)[]): void {
    if (this.pending.length >= this.pendingMax) this.pending.shift();
    this.pending.push(command);
  }

  /** Replays the settles of the outage, oldest first (fail-open spend and released slots). */
  private async replay(): Promise<void> {
    if (this.replaying) return;
    this.replaying = true;
    try {
      while (this.pending.length > 0 && this.redis.status === "ready") {
        const batch = this.pending.splice(0, 500);
        const results = await Promise.allSettled(batch.map((c) => this.redis.ghSettle(...c)));
        const failed = batch.filter((_, i) => results[i]!.status === "rejected");
        if (failed.length > 0) {
          this.pending.unshift(...failed);
          break;
        }
      }
      if (this.pending.length === 0) this.log.info("limit and budget accounting reconciled");
    } finally {
      this.replaying = false;
    }
  }
}
