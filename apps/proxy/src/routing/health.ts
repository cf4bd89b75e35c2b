import type { CooldownPolicy } from "@gatehouse/shared";

/**
 * Per-deployment health as this proxy sees it: in-flight attempts and time-to-first-token
 * (for load balancing), and cooldowns. A cooldown comes from the shared state in Redis (every
 * proxy's failures, shared-health.ts) or, when Redis is away, from this process' own failures
 * alone: the same threshold, counted locally, so an outage degrades to per-process health.
 *
 * Half-open: when a cooldown has run out, the first attempt that reaches the deployment is its
 * probe (one per proxy); until it answers, others treat the deployment as still cooling. A
 * successful probe ends the cooldown, a failed one starts the next at once.
 */

/** How long a probe may stay unanswered before another attempt may probe instead. */
export const PROBE_LEASE_MS = 15_000;
/** EWMA weight of a new time-to-first-token sample */
const EWMA_ALPHA = 0.2;

export class DeploymentState {
  /** attempts of this process in flight to the deployment */
  inFlight = 0;
  /** EWMA of the time to the first content event (streams) / to the answer (JSON), ms; -1 = none yet */
  ttftStreamMs = -1;
  ttftJsonMs = -1;
  /** end of the cooldown every proxy sees (from Redis), epoch ms; 0 = none */
  sharedUntil = 0;
  /** end of a cooldown from this process' own failures, epoch ms; 0 = none */
  localUntil = 0;
  /** this process' recent failures (epoch ms), oldest first */
  failures: number[] = [];
  /** the lease of the half-open probe in flight, epoch ms; 0 = none */
  probeUntil = 0;
  /** last time a request looked at it (the poll reads the shared state of recent ones only) */
  lastUsed = 0;

  constructor(
    readonly workspaceId: string,
    readonly deploymentId: string,
  ) {}

  /** the cooldown's end, or 0 when the deployment never cooled down (or recovered) */
  get until(): number {
    return this.sharedUntil > this.localUntil ? this.sharedUntil : this.localUntil;
  }
}

/** What a failure did to a deployment's cooldown. */
export interface FailureRecord {
  /** this process' own count reached the threshold (or a probe failed): it cooled it down */
  readonly localStarted: boolean;
}

/** Shared (Redis) side of the health state: writes never awaited by a request. */
export interface SharedHealthWriter {
  failure(
    state: DeploymentState,
    policy: CooldownPolicy,
    probe: boolean,
    localStarted: boolean,
  ): void;
  recovered(state: DeploymentState): void;
}

export class DeploymentHealth {
  private readonly states = new Map<string, DeploymentState>();
  private shared: SharedHealthWriter | null = null;

  constructor(
    private readonly now: () => number = Date.now,
    /** the states kept at most (deployments of every workspace this proxy serves) */
    private readonly maxStates = 100_000,
  ) {}

  /** Connects the shared (Redis) state; without it health is per process. */
  share(writer: SharedHealthWriter | null): void {
    this.shared = writer;
  }

  /** The state of a deployment (`key` = healthKey(workspaceId, deploymentId), compiled once). */
  state(key: string, workspaceId: string, deploymentId: string): DeploymentState {
    let state = this.states.get(key);
    if (state === undefined) {
      if (this.states.size >= this.maxStates) this.evictIdle();
      state = new DeploymentState(workspaceId, deploymentId);
      this.states.set(key, state);
    }
    return state;
  }

  /** An existing state, or undefined (the shared side updates only what it knows of). */
  peek(key: string): DeploymentState | undefined {
    return this.states.get(key);
  }

  /** States looked at since `since` (epoch ms). */
  *recent(since: number): IterableIterator<DeploymentState> {
    for (const state of this.states.values()) if (state.lastUsed >= since) yield state;
  }

  /**
   * Cooling down now: within a cooldown, or past it with its probe in flight. A deployment
   * past its cooldown and without a probe is not cooling: the next attempt probes it.
   */
  cooling(state: DeploymentState, now: number = this.now()): boolean {
    const until = state.until;
    if (until === 0) return false;
    if (now < until) return true;
    return state.probeUntil > now;
  }

  /**
   * An attempt to the deployment starts. Returns true when it is the half-open probe (the
   * first attempt after a cooldown ran out), which the caller reports back with `succeeded`
   * or `failed`.
   */
  begin(state: DeploymentState, now: number = this.now()): boolean {
    state.inFlight++;
    const until = state.until;
    if (until === 0 || now < until || state.probeUntil > now) return false;
    state.probeUntil = now + PROBE_LEASE_MS;
    return true;
  }

  /** The attempt is over (whatever its outcome); a probe without a verdict (the client left)
   * frees its lease for the next attempt. */
  end(state: DeploymentState, probe: boolean): void {
    if (state.inFlight > 0) state.inFlight--;
    if (probe) state.probeUntil = 0;
  }

  /** A time-to-first-token sample (ms): streams and JSON answers are kept apart. */
  observeLatency(state: DeploymentState, stream: boolean, ms: number): void {
    if (stream) {
      state.ttftStreamMs =
        state.ttftStreamMs < 0 ? ms : state.ttftStreamMs + EWMA_ALPHA * (ms - state.ttftStreamMs);
    } else {
      state.ttftJsonMs =
        state.ttftJsonMs < 0 ? ms : state.ttftJsonMs + EWMA_ALPHA * (ms - state.ttftJsonMs);
    }
  }

  /** The attempt succeeded: a probe's success ends the cooldown. */
  succeeded(state: DeploymentState, probe: boolean): void {
    if (!probe) return;
    state.probeUntil = 0;
    state.sharedUntil = 0;
    state.localUntil = 0;
    state.failures = [];
    this.shared?.recovered(state);
  }

  /**
   * A failure that counts against health (connection error, time-out, retryable status). A
   * failed probe cools the deployment down again at once; otherwise `policy.failures` within
   * `policy.windowMs` do. Counted here and, not awaited, in Redis.
   */
  failed(state: DeploymentState, policy: CooldownPolicy, probe: boolean): FailureRecord {
    const now = this.now();
    if (probe) state.probeUntil = 0;
    const failures = state.failures;
    const from = now - policy.windowMs;
    let stale = 0;
    while (stale < failures.length && failures[stale]! <= from) stale++;
    if (stale > 0) failures.splice(0, stale);
    failures.push(now);
    let localStarted = false;
    if (now >= state.localUntil && (probe || failures.length >= policy.failures)) {
      state.localUntil = now + policy.cooldownMs;
      state.failures = [];
      localStarted = true;
    }
    this.shared?.failure(state, policy, probe, localStarted);
    return { localStarted };
  }

  /** The shared cooldown of a deployment (from Redis: the poll, or another proxy's message). */
  sharedCooldown(state: DeploymentState, untilMs: number): void {
    // only a later end counts: an expired key (null) must not end the half-open state
    if (untilMs > state.sharedUntil) state.sharedUntil = untilMs;
  }

  private evictIdle(): void {
    const cutoff = this.now() - 3_600_000;
    for (const [key, state] of this.states) {
      if (state.lastUsed < cutoff && state.inFlight === 0) this.states.delete(key);
    }
  }
}
