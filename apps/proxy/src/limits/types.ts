import type {
  Budget,
  Endpoint,
  KeySnapshot,
  Limits,
  TokenPrice,
  WorkspaceSnapshot,
} from "@gatehouse/shared";

/** Who a limit or budget belongs to: the virtual key, or its whole workspace. */
export type ScopeKind = "key" | "ws";

/** One scope's share of a request, as admit reserved it (settle gives it back). */
export interface Scope {
  readonly kind: ScopeKind;
  readonly id: string;
  readonly limits: Limits;
  readonly budget: Budget | null;
  /** the budget period of this request (0 when no budget) */
  readonly periodStartMs: number;
  readonly periodEndMs: number;
  readonly budgetTtlMs: number;
  /** tokens entered in the TPM window (0 without a TPM limit) */
  readonly tokens: number;
  /** nano-USD reserved against the budget (0 without a budget) */
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

/** Everything admit needs to know about one request; nothing else is read. */
export interface LimitRequest {
  /** the request's id: its window entries, lease and reservation carry it */
  readonly id: string;
  readonly key: Pick<KeySnapshot, "keyId" | "limits" | "budget">;
  readonly workspace: Pick<
    WorkspaceSnapshot,
    "workspaceId" | "limits" | "budget" | "timeZone" | "failMode"
  >;
  /** the client's endpoint and body: prompt estimate, max output, n */
  readonly endpoint: Endpoint;
  readonly body: Record<string, unknown>;
  /** the prices of every deployment the request's plan may call (retries and fallbacks),
   * workspace overrides first, unpriced ones left out: the reservation is priced at the most
   * expensive. Empty = unpriced (budgets do not hold it back). */
  readonly prices: readonly TokenPrice[];
}

/** An admitted request. */
export interface Admission {
  readonly reservation: Reservation;
  /** x-ratelimit-* for the response; null when there are none */
  readonly headers: Record<string, string> | null;
  /**
   * The output tokens (all answers together) the budget reservation paid for: the upstream body
   * must not allow more (capMaxOutputTokens). Null when no budget bounds the answer.
   */
  readonly maxOutputTokens: number | null;
}

/** Redis replies: `admit` returns numbers and the refusal kind, `settle` numbers. */
export type AdmitReply = (number | string)[];
