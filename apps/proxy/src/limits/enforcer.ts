import { RedisKeys, type Budget, type Limits } from "@gatehouse/shared";
import type { Redis } from "ioredis";
import { GatewayError } from "../errors";
import type { Logger } from "../log";
import { estimateRequestTokens } from "../tokens/estimate";
import { BudgetAlerts } from "./alerts";
import { alertAt, budgetRefusal, budgetSpendMissing, budgetWindow } from "./budgets";
import { concurrencyRefusal, leaseExpiry } from "./concurrency";
import { MIN_ANSWER_TOKENS, NO_DEMAND, worstDemandOf, type Demand } from "./demand";
import { retryAfterHeaders } from "./format";
import { LimitStore } from "./limit-store";
import {
  allowedHeaders,
  hasLimits,
  rpmRefusal,
  tpmRefusal,
  tpmRequestRefusal,
} from "./rate-limits";
import type {
  Admission,
  AdmitReply,
  LimitRequest,
  Reservation,
  Scope,
  ScopeKind,
  Settlement,
} from "./types";

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

const NOTHING_USED: Settlement = { tokens: 0, costNanoUsd: 0 };

const EMPTY_LIMITS: Limits = { rpm: null, tpm: null, parallel: null };

/**
 * Rate limits (RPM, TPM: rate-limits.ts), concurrency leases (concurrency.ts) and budget
 * reservations (budgets.ts) of a key and its workspace, enforced in Redis for every proxy at
 * once by one script per request (scripts.ts). `admit` runs before the upstream call and
 * refuses with 429 (or 503 when Redis is down and the workspace fails closed, or has lost the
 * budget spend); `settle` runs when the request is over, whatever its outcome. Takes explicit
 * inputs (LimitRequest) and returns results; the pipeline adapts its request context to them.
 */
export class LimitEnforcer {
  private readonly store: LimitStore;
  private readonly reservationTtlMs: number;
  private readonly defaultMaxTokens: number;
  private readonly alerts: BudgetAlerts | null;
  private readonly periodIso = new Map<number, string>();
  private readonly isoOfMs = (ms: number) => this.isoOf(ms);

  constructor(options: LimitEnforcerOptions) {
    const alerts =
      options.alerts === false
        ? null
        : new BudgetAlerts(options.redis, (error) => this.store.failure("alert enqueue", error));
    this.alerts = alerts;
    this.store = new LimitStore(
      options.redis,
      options.log,
      options.pendingMax ?? 100_000,
      alerts === null
        ? null
        : (reservation, reply) => alerts.enqueue(reservation, reply, this.isoOfMs),
    );
    this.reservationTtlMs = options.reservationTtlMs;
    this.defaultMaxTokens = options.defaultMaxTokens;
  }

  /** settles waiting for Redis (fail-open accounting not yet reconciled) */
  get pendingSettles(): number {
    return this.store.pendingSettles;
  }

  async close(): Promise<void> {
    await this.store.close();
    await this.alerts?.close();
  }

  /** Whether any limit or budget applies: without one a request costs no Redis call at all. */
  applies(key: LimitRequest["key"], workspace: LimitRequest["workspace"]): boolean {
    return (
      hasLimits(key.limits) ||
      key.budget !== null ||
      hasLimits(workspace.limits) ||
      workspace.budget !== null
    );
  }

  /**
   * Reserves what the request may take, or throws the refusal (GatewayError). Null when no limit
   * or budget applies to the key or its workspace (no Redis call at all).
   */
  admit(request: LimitRequest): Promise<Admission> | null {
    const { key, workspace } = request;
    const keyActive = hasLimits(key.limits) || key.budget !== null;
    const wsActive = hasLimits(workspace.limits) || workspace.budget !== null;
    if (!keyActive && !wsActive) return null;
    const needsTokens =
      key.limits.tpm !== null ||
      workspace.limits.tpm !== null ||
      key.budget !== null ||
      workspace.budget !== null;
    if (!needsTokens || request.endpoint === "messages.count_tokens") {
      return this.reserve(request, keyActive, wsActive, NO_DEMAND);
    }
    const prompt = estimateRequestTokens(request.endpoint, request.body);
    if (typeof prompt === "number") {
      return this.reserve(request, keyActive, wsActive, this.demand(request, prompt));
    }
    return prompt.then((p) => this.reserve(request, keyActive, wsActive, this.demand(request, p)));
  }

  private demand(request: LimitRequest, promptTokens: number): Demand {
    return worstDemandOf(
      request.endpoint,
      request.body,
      promptTokens,
      request.prices,
      this.defaultMaxTokens,
    );
  }

  private async reserve(
    request: LimitRequest,
    keyActive: boolean,
    wsActive: boolean,
    demand: Demand,
  ): Promise<Admission> {
    const { key, workspace } = request;
    const workspaceId = workspace.workspaceId;
    const tz = workspace.timeZone;
    const now = Date.now();
    let scopes: Scope[] = [];
    if (keyActive)
      scopes.push(this.scope("key", key.keyId, key.limits, key.budget, tz, now, demand));
    if (wsActive) {
      scopes.push(
        this.scope("ws", workspaceId, workspace.limits, workspace.budget, tz, now, demand),
      );
    }
    const keys: string[] = [];
    const args: (string | number)[] = [
      now,
      request.id,
      scopes.length,
      demand.maxOut,
      demand.choices,
      demand.promptCost,
      demand.outputPrice,
      MIN_ANSWER_TOKENS,
    ];
    const expiry = leaseExpiry(now, this.reservationTtlMs);
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
        expiry,
        s.periodStartMs,
        s.budgetTtlMs,
        this.reservationTtlMs,
      );
    }
    keys.push(RedisKeys.budgetSpendRestored(workspaceId));
    let reply: AdmitReply;
    try {
      reply = await this.store.admit(keys, args);
    } catch (error) {
      this.store.failure("admit", error);
      // a timed-out admit may still have run in Redis: give back whatever it took (a no-op
      // for anything it did not take), now or when Redis is back
      this.settle({ id: request.id, workspaceId, keys, scopes, local: false }, NOTHING_USED);
      if (workspace.failMode === "closed") {
        throw new GatewayError(
          "unavailable",
          "Gatehouse cannot check this key's rate limits and budget right now (its limit store is unreachable), and the workspace is set to fail closed. Retry in a few seconds.",
          null,
          retryAfterHeaders(1000),
        );
      }
      // fail open: serve, and count the spend locally until Redis is back (settle → pending)
      return {
        reservation: { id: request.id, workspaceId, keys, scopes, local: true },
        headers: null,
        maxOutputTokens: null,
      };
    }
    if (reply[0] !== 1) throw this.refusal(scopes, reply, demand);

    const tail = 1 + scopes.length * 4;
    const cap = Number(reply[tail]);
    let perAnswer = demand.maxOut;
    if (cap >= 0) {
      // the script lowered the max output: the reservation holds the smaller tokens and cost
      perAnswer = cap;
      const cut = (demand.maxOut - cap) * demand.choices;
      const cost = Number(reply[tail + 1]);
      scopes = scopes.map((s) => ({
        ...s,
        tokens: s.limits.tpm !== null ? s.tokens - cut : 0,
        cost: s.budget !== null ? cost : 0,
      }));
    }
    let bounded = false;
    if (demand.outputPrice > 0 && demand.maxOut > 0) {
      for (const s of scopes) if (s.cost > 0) bounded = true;
    }
    return {
      reservation: { id: request.id, workspaceId, keys, scopes, local: false },
      headers: allowedHeaders(scopes, reply),
      maxOutputTokens: bounded ? perAnswer * demand.choices : null,
    };
  }

  private scope(
    kind: ScopeKind,
    id: string,
    limits: Limits | null,
    budget: Budget | null,
    timeZone: string,
    now: number,
    demand: Demand,
  ): Scope {
    const window = budgetWindow(budget, now, timeZone);
    return {
      kind,
      id,
      limits: limits ?? EMPTY_LIMITS,
      budget,
      periodStartMs: window.periodStartMs,
      periodEndMs: window.periodEndMs,
      budgetTtlMs: window.budgetTtlMs,
      tokens: limits?.tpm != null ? demand.tokens : 0,
      cost: budget !== null ? demand.cost : 0,
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

  private refusal(scopes: readonly Scope[], reply: AdmitReply, demand: Demand): GatewayError {
    const kind = String(reply[2]);
    const retryMs = Number(reply[3]);
    if (kind === "unrestored") return budgetSpendMissing(retryMs);
    const scope = scopes[Number(reply[1])]!;
    const limit = Number(reply[4]);
    const used = Number(reply[5]);
    switch (kind) {
      case "parallel":
        return concurrencyRefusal(scope, retryMs, limit);
      case "rpm":
        return rpmRefusal(scope, retryMs, limit);
      case "tpm":
        return tpmRefusal(scope, retryMs, limit, used);
      case "tpm_request":
        return tpmRequestRefusal(scope, limit, used);
      default:
        return budgetRefusal(scope, limit, used, demand, this.isoOf(scope.periodEndMs));
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
    this.store.settle([reservation.keys.length, ...reservation.keys, ...args], reservation);
  }
}
