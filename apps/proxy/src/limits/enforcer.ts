import {
  estimateMaxCostNanoUsd,
  findModelPrice,
  formatUsd,
  JobName,
  periodEnd,
  periodStart,
  QUEUE_PREFIX,
  QueueName,
  RedisKeys,
  type Budget,
  type BudgetPeriod,
  type Limits,
} from "@gatehouse/shared";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { GatewayError } from "../errors";
import type { Logger } from "../log";
import type { RequestContext } from "../pipeline/context";
import { estimateRequestTokens } from "../tokens/estimate";
import { formatResetDuration, retryAfterHeaders } from "./format";
import { ADMIT_LUA, SETTLE_LUA } from "./scripts";

type ScopeKind = "key" | "ws";

interface Scope {
  readonly kind: ScopeKind;
  readonly id: string;
  readonly limits: Limits;
  readonly budget: Budget | null;
  /** the budget period of this request (0 when no budget) */
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  readonly budgetTtlMs: number;
  readonly tokens: number;
  readonly cost: number;
}

/** What a request holds between admit and settle. */
export interface Reservation {
  readonly id: string;
  readonly workspaceId: string;
  readonly keys: readonly string[];
  readonly scopes: readonly Scope[];
  /** admitted without Redis (fail-open): settle only adds the spend */
  readonly local: boolean;
}

/** Actual usage of a finished request. */
export interface Settlement {
  tokens: number;
  costNanoUsd: number;
}

export interface LimitEnforcerOptions {
  /** a dedicated connection: enableOfflineQueue false and a short command timeout, so an
   * outage fails fast into the workspace's fail mode */
  redis: Redis;
  log: Logger;
  /** concurrency leases and budget reservations of a crashed proxy expire after this */
  reservationTtlMs: number;
  defaultMaxTokens: number;
  /** enqueue budget alerts (BullMQ "alerts" queue); false in tests that do not want them */
  alerts?: boolean;
  /** pending settles kept while Redis is unreachable (oldest dropped beyond it) */
  pendingMax?: number;
}

interface LimitCommands {
  ghAdmit(...args: (string | number)[]): Promise<(number | string)[]>;
  ghSettle(...args: (string | number)[]): Promise<number[]>;
}

const NOTHING_USED: Settlement = { tokens: 0, costNanoUsd: 0 };

/** budget keys outlive their period by a week (the dashboard still shows the last one) */
const BUDGET_KEY_GRACE_MS = 7 * 86_400_000;

const EMPTY_LIMITS: Limits = { rpm: null, tpm: null, parallel: null };

/**
 * Rate limits (RPM, TPM, concurrent) and budgets of a key and its workspace, enforced in Redis
 * for every proxy at once (see scripts.ts for the algorithm). `admit` runs before the upstream
 * call and refuses with 429 (or 503 when Redis is down and the workspace fails closed);
 * `settle` runs when the request is over, whatever its outcome.
 */
export class LimitEnforcer {
  private readonly redis: Redis & LimitCommands;
  private readonly log: Logger;
  private readonly reservationTtlMs: number;
  private readonly defaultMaxTokens: number;
  private readonly alertQueue: Queue | null;
  private readonly pendingMax: number;
  /** settles that could not reach Redis: replayed when it is back (fail-open reconciliation) */
  private pending: (string | number)[][] = [];
  private replaying = false;
  private lastFailureLog = 0;
  private readonly periodIso = new Map<number, string>();
  private readonly onReady = () => void this.replay();
  /** the socket corked for this event-loop turn (batchWrites) */
  private corked: { uncork(): void } | null = null;
  private readonly uncork = () => {
    const stream = this.corked;
    this.corked = null;
    stream?.uncork();
  };

  constructor(options: LimitEnforcerOptions) {
    this.redis = options.redis as Redis & LimitCommands;
    this.redis.defineCommand("ghAdmit", { lua: ADMIT_LUA });
    this.redis.defineCommand("ghSettle", { lua: SETTLE_LUA });
    this.log = options.log;
    this.reservationTtlMs = options.reservationTtlMs;
    this.defaultMaxTokens = options.defaultMaxTokens;
    this.pendingMax = options.pendingMax ?? 100_000;
    this.redis.on("ready", this.onReady);
    if (options.alerts === false) {
      this.alertQueue = null;
    } else {
      this.alertQueue = new Queue(QueueName.alerts, {
        connection: options.redis,
        prefix: QUEUE_PREFIX,
      });
      this.alertQueue.on("error", () => undefined);
    }
  }

  /** settles waiting for Redis (fail-open accounting not yet reconciled) */
  get pendingSettles(): number {
    return this.pending.length;
  }

  async close(): Promise<void> {
    this.redis.off("ready", this.onReady);
    if (this.pending.length > 0 && this.redis.status === "ready") await this.replay();
    await this.alertQueue?.close().catch(() => undefined);
  }

  /** The pipeline stage's work: reserve or refuse. Sync (undefined) when nothing applies. */
  admit(ctx: RequestContext): void | Promise<void> {
    const key = ctx.key!.snapshot;
    const workspace = ctx.workspace!.snapshot;
    const keyActive = hasLimits(key.limits) || key.budget !== null;
    const wsActive = hasLimits(workspace.limits) || workspace.budget !== null;
    if (!keyActive && !wsActive) return;
    const needsTokens =
      key.limits.tpm !== null ||
      workspace.limits.tpm !== null ||
      key.budget !== null ||
      workspace.budget !== null;
    if (!needsTokens || ctx.spec.endpoint === "messages.count_tokens") {
      return this.reserve(ctx, keyActive, wsActive, 0, 0);
    }
    const prompt = estimateRequestTokens(ctx.spec.endpoint!, ctx.body!);
    if (typeof prompt === "number") return this.withPrompt(ctx, keyActive, wsActive, prompt);
    return prompt.then((p) => this.withPrompt(ctx, keyActive, wsActive, p));
  }

  private withPrompt(
    ctx: RequestContext,
    keyActive: boolean,
    wsActive: boolean,
    promptTokens: number,
  ): Promise<void> {
    const maxOutput = ctx.spec.endpoint === "embeddings" ? 0 : this.maxOutputTokens(ctx.body!);
    let cost = 0;
    const overrides = ctx.workspace!.priceOverrides;
    const price =
      findModelPrice(ctx.deployment!.deployment.upstreamModel, overrides) ??
      findModelPrice(ctx.model, overrides);
    if (price !== null) cost = estimateMaxCostNanoUsd(price, promptTokens, maxOutput);
    return this.reserve(ctx, keyActive, wsActive, promptTokens + maxOutput, cost);
  }

  /** max_tokens (or its newer names) times n choices; the configured ceiling when absent */
  private maxOutputTokens(body: Record<string, unknown>): number {
    const value = body.max_tokens ?? body.max_completion_tokens ?? body.max_output_tokens;
    const max =
      typeof value === "number" && Number.isSafeInteger(value) && value >= 0
        ? value
        : this.defaultMaxTokens;
    const n = body.n;
    return typeof n === "number" && Number.isSafeInteger(n) && n > 1 ? max * n : max;
  }

  private async reserve(
    ctx: RequestContext,
    keyActive: boolean,
    wsActive: boolean,
    tokens: number,
    cost: number,
  ): Promise<void> {
    const key = ctx.key!.snapshot;
    const workspace = ctx.workspace!.snapshot;
    const workspaceId = workspace.workspaceId;
    const now = Date.now();
    const scopes: Scope[] = [];
    if (keyActive) {
      scopes.push(
        this.scope("key", key.keyId, key.limits, key.budget, workspace.timeZone, now, tokens, cost),
      );
    }
    if (wsActive) {
      scopes.push(
        this.scope(
          "ws",
          workspaceId,
          workspace.limits,
          workspace.budget,
          workspace.timeZone,
          now,
          tokens,
          cost,
        ),
      );
    }
    const keys: string[] = [];
    const args: (string | number)[] = [now, ctx.id, scopes.length];
    const leaseExpiry = now + this.reservationTtlMs;
    for (const s of scopes) {
      keys.push(
        RedisKeys.rateLimit(workspaceId, s.kind, s.id, "rpm"),
        RedisKeys.rateLimit(workspaceId, s.kind, s.id, "tpm"),
        RedisKeys.rateLimitTokenSum(workspaceId, s.kind, s.id),
        RedisKeys.inFlight(workspaceId, s.kind, s.id),
        RedisKeys.budget(workspaceId, s.kind, s.id, this.isoOf(s.periodStartMs)),
        RedisKeys.budgetReservations(workspaceId, s.kind, s.id),
      );
      args.push(
        s.limits.rpm ?? 0,
        s.limits.tpm ?? 0,
        s.limits.parallel ?? 0,
        s.budget === null ? -1 : s.budget.amountNanoUsd,
        s.tokens,
        s.cost,
        leaseExpiry,
        s.periodStartMs,
        s.budgetTtlMs,
        this.reservationTtlMs,
      );
    }
    let reply: (number | string)[];
    try {
      this.batchWrites();
      reply = await this.redis.ghAdmit(keys.length, ...keys, ...args);
    } catch (error) {
      this.failure("admit", error);
      // a timed-out admit may still have run in Redis: give back whatever it took (a no-op
      // for anything it did not take), now or when Redis is back
      this.settle({ id: ctx.id, workspaceId, keys, scopes, local: false }, NOTHING_USED);
      if (workspace.failMode === "closed") {
        throw new GatewayError(
          "unavailable",
          "Gatehouse cannot check this key's rate limits and budget right now (its limit store is unreachable), and the workspace is set to fail closed. Retry in a few seconds.",
          null,
          retryAfterHeaders(1000),
        );
      }
      // fail open: serve, and count the spend locally until Redis is back (settle → pending)
      ctx.limits = { id: ctx.id, workspaceId, keys, scopes, local: true };
      return;
    }
    if (reply[0] !== 1) throw this.refusal(scopes, reply);
    ctx.limits = { id: ctx.id, workspaceId, keys, scopes, local: false };
    ctx.limitHeaders = allowedHeaders(scopes, reply);
  }

  private scope(
    kind: ScopeKind,
    id: string,
    limits: Limits | null,
    budget: Budget | null,
    timeZone: string,
    now: number,
    tokens: number,
    cost: number,
  ): Scope {
    let start = 0;
    let end = 0;
    let ttl = 0;
    if (budget !== null) {
      const bounds = budgetBounds(budget.period, now, timeZone);
      start = bounds.start;
      end = bounds.end;
      ttl = budget.period === "lifetime" ? 0 : end - now + BUDGET_KEY_GRACE_MS;
    }
    return {
      kind,
      id,
      limits: limits ?? EMPTY_LIMITS,
      budget,
      periodStartMs: start,
      periodEndMs: end,
      budgetTtlMs: ttl,
      tokens: limits?.tpm != null ? tokens : 0,
      cost: budget !== null ? cost : 0,
    };
  }

  private isoOf(ms: number): string {
    let iso = this.periodIso.get(ms);
    if (iso === undefined) {
      if (this.periodIso.size > 1000) this.periodIso.clear();
      iso = new Date(ms).toISOString();
      this.periodIso.set(ms, iso);
    }
    return iso;
  }

  private refusal(scopes: readonly Scope[], reply: (number | string)[]): GatewayError {
    const scope = scopes[Number(reply[1])]!;
    const kind = String(reply[2]);
    const retryMs = Number(reply[3]);
    const limit = Number(reply[4]);
    const used = Number(reply[5]);
    const who = scope.kind === "key" ? "this key" : "this workspace";
    const reset = formatResetDuration(retryMs);
    switch (kind) {
      case "parallel":
        return new GatewayError(
          "rate_limited",
          `Too many concurrent requests for ${who}: at most ${limit} may be in flight at once. Retry when one finishes.`,
          null,
          retryAfterHeaders(retryMs),
        );
      case "rpm":
        return new GatewayError(
          "rate_limited",
          `Rate limit reached for ${who}: ${limit} requests per minute. Retry in ${reset}.`,
          null,
          {
            ...retryAfterHeaders(retryMs),
            "x-ratelimit-limit-requests": String(limit),
            "x-ratelimit-remaining-requests": "0",
            "x-ratelimit-reset-requests": reset,
          },
        );
      case "tpm":
        return new GatewayError(
          "rate_limited",
          `Rate limit reached for ${who}: ${limit} tokens per minute (${used} used, this request may need up to ${scope.tokens}). Retry in ${reset}.`,
          null,
          {
            ...retryAfterHeaders(retryMs),
            "x-ratelimit-limit-tokens": String(limit),
            "x-ratelimit-remaining-tokens": String(Math.max(0, limit - used)),
            "x-ratelimit-reset-tokens": reset,
          },
        );
      case "tpm_request":
        return new GatewayError(
          "rate_limited",
          `This request may need up to ${scope.tokens} tokens (prompt + max_tokens), more than ${who}'s limit of ${limit} tokens per minute. Lower max_tokens or shorten the prompt.`,
          null,
          {
            "x-should-retry": "false",
            "x-ratelimit-limit-tokens": String(limit),
            "x-ratelimit-remaining-tokens": String(Math.max(0, limit - used)),
          },
        );
      default: {
        const budget = scope.budget!;
        const resets =
          budget.period === "lifetime"
            ? "It is a lifetime budget and does not reset."
            : `It resets at ${this.isoOf(scope.periodEndMs)}.`;
        const label =
          scope.kind === "key"
            ? `The ${budget.period} budget of this key`
            : `The ${budget.period} budget of this workspace`;
        return new GatewayError(
          "budget_exceeded",
          `${label} (${formatUsd(limit)}) would be exceeded: ${formatUsd(used)} is spent or reserved and this request may cost up to ${formatUsd(scope.cost)}. ${resets}`,
          null,
          // the SDKs would otherwise retry a 429; waiting does not help before the reset
          { "x-should-retry": "false" },
        );
      }
    }
  }

  /** Releases the request's slot and reservation and records its actual usage. Never throws. */
  settle(reservation: Reservation, actual: Settlement): void {
    const args: (string | number)[] = [Date.now(), reservation.id, reservation.scopes.length];
    let anything = false;
    for (const s of reservation.scopes) {
      const local = reservation.local;
      const hasBudget = s.budget !== null;
      const holdsSlot = !local && s.limits.parallel !== null;
      const tpm = !local && s.limits.tpm !== null;
      const alertPct = s.budget?.alertThresholdPct ?? null;
      args.push(
        holdsSlot ? 1 : 0,
        tpm ? s.tokens : -1,
        actual.tokens,
        hasBudget ? 1 : 0,
        local ? 0 : s.cost,
        hasBudget ? actual.costNanoUsd : 0,
        s.periodStartMs,
        hasBudget && alertPct !== null ? alertAt(s.budget!.amountNanoUsd, alertPct) : 0,
        s.budgetTtlMs,
      );
      if (holdsSlot || tpm || (hasBudget && (s.cost > 0 || actual.costNanoUsd > 0)))
        anything = true;
    }
    if (!anything) return;
    const command = [reservation.keys.length, ...reservation.keys, ...args];
    this.send(command, reservation);
  }

  private send(command: (string | number)[], reservation: Reservation | null): void {
    if (this.redis.status !== "ready") {
      this.keep(command);
      return;
    }
    this.batchWrites();
    this.redis.ghSettle(...command).then(
      (alerts) => {
        if (alerts.length > 0 && reservation !== null) this.enqueueAlerts(reservation, alerts);
      },
      (error: unknown) => {
        this.failure("settle", error);
        this.keep(command);
      },
    );
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

  private enqueueAlerts(reservation: Reservation, alerts: number[]): void {
    if (this.alertQueue === null) return;
    for (let i = 0; i < alerts.length; i += 2) {
      const scope = reservation.scopes[alerts[i]!]!;
      const budget = scope.budget!;
      const periodStartIso = this.isoOf(scope.periodStartMs);
      const data = {
        workspaceId: reservation.workspaceId,
        scope: scope.kind === "key" ? ("key" as const) : ("workspace" as const),
        scopeId: scope.id,
        periodStart: periodStartIso,
        thresholdPct: budget.alertThresholdPct!,
        spentNanoUsd: Number(alerts[i + 1]),
        budgetNanoUsd: budget.amountNanoUsd,
      };
      this.alertQueue
        .add(JobName.budgetAlert, data, {
          // the worker records the alert once per (budget, period, threshold) anyway
          jobId: `budget-alert_${scope.kind}_${scope.id}_${scope.periodStartMs}_${data.thresholdPct}`,
          attempts: 8,
          backoff: { type: "exponential", delay: 2_000 },
          removeOnComplete: { count: 1000 },
          removeOnFail: { count: 1000 },
        })
        .catch((error: unknown) => this.failure("alert enqueue", error));
    }
  }

  private failure(what: string, error: unknown): void {
    const now = Date.now();
    if (now - this.lastFailureLog > 5_000) {
      this.lastFailureLog = now;
      this.log.warn(`limits: ${what} failed`, {
        error: error instanceof Error ? error.message : String(error),
        pendingSettles: this.pending.length,
      });
    }
  }
}

function hasLimits(limits: Limits): boolean {
  return limits.rpm !== null || limits.tpm !== null || limits.parallel !== null;
}

/** the spend at which a budget's alert fires: ceil(amount × pct / 100) */
export function alertAt(amountNanoUsd: number, pct: number): number {
  const big = BigInt(amountNanoUsd) * BigInt(pct);
  return Math.max(1, Number((big + 99n) / 100n));
}

function budgetBounds(
  period: BudgetPeriod,
  now: number,
  timeZone: string,
): { start: number; end: number } {
  const date = new Date(now);
  try {
    return {
      start: periodStart(period, date, timeZone).getTime(),
      end: periodEnd(period, date, timeZone).getTime(),
    };
  } catch {
    // an unknown time zone in a snapshot: UTC rather than no budget at all
    return {
      start: periodStart(period, date, "UTC").getTime(),
      end: periodEnd(period, date, "UTC").getTime(),
    };
  }
}

/**
 * x-ratelimit-* for an admitted request, as OpenAI sends them: the tighter of the key's and
 * the workspace's limits (fewest remaining). Reset = OpenAI's "time until the rate limit resets
 * to its initial state": in a sliding window that is the whole window after this request (a
 * refusal's Retry-After is the precise time until capacity frees up).
 */
function allowedHeaders(
  scopes: readonly Scope[],
  reply: (number | string)[],
): Record<string, string> | null {
  let headers: Record<string, string> | null = null;
  let bestRequests = Infinity;
  let bestTokens = Infinity;
  for (let i = 0; i < scopes.length; i++) {
    const s = scopes[i]!;
    const base = 1 + i * 4;
    const rpmRemaining = Number(reply[base]);
    const tpmRemaining = Number(reply[base + 2]);
    if (s.limits.rpm !== null && rpmRemaining >= 0 && rpmRemaining < bestRequests) {
      bestRequests = rpmRemaining;
      headers ??= {};
      headers["x-ratelimit-limit-requests"] = String(s.limits.rpm);
      headers["x-ratelimit-remaining-requests"] = String(rpmRemaining);
      headers["x-ratelimit-reset-requests"] = formatResetDuration(Number(reply[base + 1]));
    }
    if (s.limits.tpm !== null && tpmRemaining < bestTokens) {
      bestTokens = tpmRemaining;
      headers ??= {};
      headers["x-ratelimit-limit-tokens"] = String(s.limits.tpm);
      headers["x-ratelimit-remaining-tokens"] = String(Math.max(0, tpmRemaining));
      headers["x-ratelimit-reset-tokens"] = formatResetDuration(Number(reply[base + 3]));
    }
  }
  return headers;
}
