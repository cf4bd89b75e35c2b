import { RedisKeys, type CooldownPolicy } from "@gatehouse/shared";
import type { Redis } from "ioredis";
import { healthKey } from "../config/workspace-plan";
import type { Logger } from "../log";
import type { DeploymentHealth, DeploymentState, SharedHealthWriter } from "./health";

/**
 * Counts a failure in the deployment's window and cools it down for every proxy when the
 * window holds `failures` of them (or the failure was a half-open probe's). Already cooling:
 * nothing is counted. Announces a new cooldown on the health channel, so every proxy avoids
 * the deployment at once rather than at its next poll.
 *   KEYS: failures (sorted set), cooldown (string: the epoch ms it ends, PX)
 *   ARGV: now, windowMs, failures, cooldownMs, member, probe (1/0), channel, message prefix
 *   → { started (1/0), the cooldown's end (0 = none) }
 */
const FAILURE_LUA = `
local now = tonumber(ARGV[1])
local current = redis.call('GET', KEYS[2])
if current then return {0, tonumber(current)} end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], ARGV[2])
if ARGV[6] == '1' or redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  local ends = now + tonumber(ARGV[4])
  redis.call('SET', KEYS[2], ends, 'PX', ARGV[4])
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[7], ARGV[8] .. ends .. '}')
  return {1, ends}
end
return {0, 0}
`;

interface HealthCommands {
  ghDeploymentFailure(...args: (string | number)[]): Promise<[number, number]>;
}

export interface SharedHealthOptions {
  /** a dedicated connection: enableOfflineQueue false, a short command timeout (fail fast) */
  redis: Redis;
  /** the proxy's subscriber connection (it also carries config invalidations) */
  subscriber: Redis | null;
  health: DeploymentHealth;
  log: Logger;
  /** a cooldown this proxy started (for /metrics) */
  onCooldownStarted(): void;
  /** how often the cooldowns of recently used deployments are read (default 1 s) */
  pollMs?: number;
}

/** Deployments looked at within this long are polled. */
const POLL_RECENT_MS = 10 * 60_000;
const POLL_MAX_KEYS = 5_000;

/**
 * The Redis side of deployment health. Never on a request's path: failures are written
 * without waiting (a request only updates the in-process state), and cooldowns reach this
 * proxy by the health channel (at once) and by a poll of the deployments it used recently
 * (catching up after a reconnect, or with cooldowns started before it subscribed). Any Redis
 * error is logged (at most every 5 s) and ignored: health is then this process' own.
 */
export class SharedHealth implements SharedHealthWriter {
  private readonly redis: Redis & HealthCommands;
  private readonly timer: ReturnType<typeof setInterval>;
  private seq = 0;
  private readonly memberPrefix = `${process.pid}-${Math.random().toString(36).slice(2, 8)}-`;
  private lastFailureLog = 0;
  private polling = false;
  private readonly onMessage = (channel: string, message: string) => {
    if (channel === RedisKeys.deploymentHealthChannel) this.announced(message);
  };

  constructor(private readonly options: SharedHealthOptions) {
    this.redis = options.redis as Redis & HealthCommands;
    this.redis.defineCommand("ghDeploymentFailure", { numberOfKeys: 2, lua: FAILURE_LUA });
    this.timer = setInterval(() => void this.poll(), options.pollMs ?? 1_000);
    this.timer.unref?.();
    options.health.share(this);
  }

  async start(): Promise<void> {
    const subscriber = this.options.subscriber;
    if (subscriber === null) return;
    subscriber.on("message", this.onMessage);
    await subscriber.subscribe(RedisKeys.deploymentHealthChannel).catch((error: unknown) => {
      this.logFailure("subscribe", error);
    });
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.options.health.share(null);
    const subscriber = this.options.subscriber;
    if (subscriber === null) return;
    subscriber.off("message", this.onMessage);
    if (subscriber.status === "ready") {
      await subscriber.unsubscribe(RedisKeys.deploymentHealthChannel).catch(() => undefined);
    }
  }

  failure(
    state: DeploymentState,
    policy: CooldownPolicy,
    probe: boolean,
    localStarted: boolean,
  ): void {
    const { workspaceId, deploymentId } = state;
    if (this.redis.status !== "ready") {
      if (localStarted) this.options.onCooldownStarted();
      return;
    }
    const now = Date.now();
    this.redis
      .ghDeploymentFailure(
        RedisKeys.deploymentFailures(workspaceId, deploymentId),
        RedisKeys.deploymentCooldown(workspaceId, deploymentId),
        now,
        policy.windowMs,
        policy.failures,
        policy.cooldownMs,
        this.memberPrefix + ++this.seq,
        probe ? 1 : 0,
        RedisKeys.deploymentHealthChannel,
        `{"ws":${JSON.stringify(workspaceId)},"dep":${JSON.stringify(deploymentId)},"until":`,
      )
      .then(
        ([started, ends]) => {
          if (started === 1) this.options.onCooldownStarted();
          if (ends > 0) this.options.health.sharedCooldown(state, ends);
        },
        (error: unknown) => {
          // Redis away: this process' own count decided
          if (localStarted) this.options.onCooldownStarted();
          this.logFailure("failure write", error);
        },
      );
  }

  recovered(state: DeploymentState): void {
    if (this.redis.status !== "ready") return;
    this.redis
      .del(RedisKeys.deploymentFailures(state.workspaceId, state.deploymentId))
      .catch((error: unknown) => this.logFailure("recovery write", error));
  }

  /** Reads the cooldowns of the deployments used recently (one pipeline). */
  async poll(): Promise<void> {
    if (this.polling || this.redis.status !== "ready") return;
    const states: DeploymentState[] = [];
    for (const state of this.options.health.recent(Date.now() - POLL_RECENT_MS)) {
      states.push(state);
      if (states.length >= POLL_MAX_KEYS) break;
    }
    if (states.length === 0) return;
    this.polling = true;
    try {
      const pipeline = this.redis.pipeline();
      for (const s of states)
        pipeline.get(RedisKeys.deploymentCooldown(s.workspaceId, s.deploymentId));
      const replies = (await pipeline.exec()) ?? [];
      for (let i = 0; i < replies.length; i++) {
        const [error, value] = replies[i]!;
        if (error === null && typeof value === "string") {
          this.options.health.sharedCooldown(states[i]!, Number(value));
        }
      }
    } catch (error) {
      this.logFailure("poll", error);
    } finally {
      this.polling = false;
    }
  }

  private announced(message: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch {
      return;
    }
    const { ws, dep, until } = parsed as { ws?: unknown; dep?: unknown; until?: unknown };
    if (typeof ws !== "string" || typeof dep !== "string" || typeof until !== "number") return;
    const state = this.options.health.state(healthKey(ws, dep), ws, dep);
    this.options.health.sharedCooldown(state, until);
  }

  private logFailure(what: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLog > 5_000) {
      this.lastFailureLog = now;
      this.options.log.warn(`deployment health: ${what} failed`, {
        error: error instanceof Error ? error.message : String(error),
      });
    }
  }
}
