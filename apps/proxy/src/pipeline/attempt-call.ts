import { costNanoUsd, type UpstreamAttempt } from "@gatehouse/shared";
import type { DeploymentState } from "../routing";
import type { TokenUsage } from "../translate/types";
import { UpstreamCall } from "../upstream/call";
import {
  isHealthFailure,
  retryAfterMs,
  upstreamErrorKind,
  type AttemptOutcome,
} from "../upstream/classify";
import { classifyUpstreamError } from "../upstream/errors";
import type { UpstreamRequest } from "../upstream/request";
import type { RequestContext } from "./context";
import { relayStreamed, sendJsonAnswer } from "./respond";

/** One attempt's outcome, with its call (to discard or answer from) and its error body. */
export interface AttemptResult {
  readonly outcome: AttemptOutcome;
  readonly call: UpstreamCall;
  /** the upstream's error body (status >= 400), read to tell its kind and to relay it */
  readonly errorBody: string | null;
}

/** the attempt answered the client (JSON sent, or a stream relayed to its end) */
export const ANSWERED: AttemptOutcome = Object.freeze({
  kind: "response",
  status: 200,
  retryAfterMs: null,
});
const CLIENT_GONE: AttemptOutcome = Object.freeze({ kind: "client_gone" });
const FAILED_AFTER_COMMIT: AttemptOutcome = Object.freeze({ kind: "failed_after_commit" });

/**
 * One upstream call, recorded as an attempt, up to what the attempt loop needs to decide:
 *  - an error status: its body is read (small) and its kind told (context window, content policy);
 *  - a JSON answer: its body is read whole, then sent; a failure while reading is a failed attempt;
 *  - a stream: relayed, held until its first content event; a failure before that is a failed
 *    attempt (nothing reached the client), after it an error event in the client's format.
 * Time limits: the route's `timeouts`, else the proxy's settings. A stream waits `ttfbMs` for
 * its headers and first content event, a JSON call `totalMs` for its headers (they come with
 * the answer); the body may then go silent for `idleMs` at most, and the whole call lasts
 * `totalMs` at most; `connectMs` picks the connection pool. Each ends in a typed 504 (an error
 * event once a stream has committed). Health: in-flight count, time to first token, failures
 * (cooldowns) and the half-open probe of the deployment.
 */
export async function callAttempt(
  ctx: RequestContext,
  request: UpstreamRequest,
  state: DeploymentState,
  kind: UpstreamAttempt["kind"],
): Promise<AttemptResult> {
  const services = ctx.services;
  const settings = services.settings;
  const health = services.health;
  const deployment = ctx.deployment!;
  const timeouts = ctx.route!.policy.timeouts;
  const ttfbMs = timeouts.ttfbMs ?? settings.upstreamTtfbTimeoutMs;
  const totalMs = timeouts.totalMs ?? settings.upstreamTotalTimeoutMs;
  const idleMs = timeouts.idleMs ?? settings.upstreamIdleTimeoutMs;
  const target = request.target!;
  let headers = target.headers;
  const beta = ctx.req.headers["anthropic-beta"];
  if (beta !== undefined && request.mode === "passthrough" && request.format === "anthropic") {
    // client-chosen beta features travel with its (Anthropic-format) request
    headers = { ...headers, "anthropic-beta": Array.isArray(beta) ? beta.join(",") : beta };
  }
  const call = new UpstreamCall();
  ctx.abort = call;
  const attempt: UpstreamAttempt = {
    deploymentId: deployment.deployment.id,
    credentialId: deployment.deployment.credentialId,
    provider: ctx.adapter!.type,
    upstreamModel: request.upstreamModel,
    status: null,
    errorType: null,
    startedAt: new Date().toISOString(),
    latencyMs: 0,
    kind,
  };
  ctx.attempts.push(attempt);
  const probe = health.begin(state);
  const t = performance.now();
  let outcome: AttemptOutcome | undefined;
  let errorBody: string | null = null;
  try {
    try {
      services.agents.for(timeouts.connectMs).dispatch(
        {
          origin: target.origin,
          path: target.path,
          method: "POST",
          headers,
          body: request.body,
          headersTimeout: ctx.stream ? Math.min(ttfbMs, totalMs) : totalMs,
          bodyTimeout: idleMs,
        },
        call,
      );
      await call.headersReceived;
    } catch (error) {
      attempt.latencyMs = performance.now() - t;
      outcome = failed(ctx, call, attempt, error);
      return { outcome, call, errorBody };
    }
    const headersMs = performance.now() - t;
    attempt.latencyMs = headersMs;
    attempt.status = call.statusCode;
    services.metrics.upstreamDuration.observe(headersMs / 1000);
    // until the headers, undici's headersTimeout bounded the wait; from here the rest of the total
    call.limitTotalTime(Math.max(1, totalMs - headersMs));

    if (call.statusCode >= 400) {
      attempt.errorType = "upstream_error";
      let raw: Buffer;
      try {
        raw = await call.readAll();
      } catch (error) {
        outcome = failed(ctx, call, attempt, error);
        return { outcome, call, errorBody };
      }
      errorBody = raw.toString("utf8");
      outcome = {
        kind: "response",
        status: call.statusCode,
        retryAfterMs: retryAfterMs(call.header("retry-after"), call.header("retry-after-ms")),
        errorKind: upstreamErrorKind(call.statusCode, errorBody),
      };
      return { outcome, call, errorBody };
    }

    if (!ctx.stream) {
      let raw: Buffer;
      try {
        raw = await call.readAll();
      } catch (error) {
        attempt.latencyMs = performance.now() - t;
        outcome = failed(ctx, call, attempt, error);
        return { outcome, call, errorBody };
      }
      health.observeLatency(state, false, headersMs);
      outcome = ANSWERED;
      sendJsonAnswer(ctx, call, raw);
      return { outcome, call, errorBody };
    }

    const firstContentMs = Math.max(1, Math.min(ttfbMs, totalMs) - headersMs);
    const relayed = await relayStreamed(ctx, call, firstContentMs, () => {
      // the attempt's latency for a stream: to its first content event (time to first token)
      attempt.latencyMs = performance.now() - t;
      health.observeLatency(state, true, attempt.latencyMs);
    });
    if (relayed.committed) {
      if (relayed.complete) {
        outcome = ANSWERED;
      } else if (relayed.gone) {
        outcome = CLIENT_GONE;
      } else {
        // cut after its first tokens: what the provider reported is billed (the request's
        // totals are this usage already, being the answer's)
        attempt.errorType = relayed.errorType;
        bill(ctx, attempt, relayed.usage, false);
        outcome = FAILED_AFTER_COMMIT;
        // a guardrail's cut is no fault of the deployment's
        if (!relayed.cut) health.failed(state, deployment.cooldown, probe);
      }
      return { outcome, call, errorBody };
    }
    attempt.latencyMs = performance.now() - t;
    if (relayed.gone || relayed.failure === null) {
      attempt.errorType = "client_aborted";
      outcome = CLIENT_GONE;
      return { outcome, call, errorBody };
    }
    attempt.errorType = relayed.failure.type;
    // an Anthropic stream reports its input tokens in message_start, before any content
    bill(ctx, attempt, relayed.usage, true);
    outcome = {
      kind: "failure",
      errorType:
        relayed.failure.type === "client_aborted" ? "upstream_error" : relayed.failure.type,
      message: relayed.failure.message,
    };
    return { outcome, call, errorBody };
  } finally {
    settleHealth(ctx, state, probe, outcome);
  }
}

/** A call that failed before an answer: recorded, classified (connection, time-out). */
function failed(
  ctx: RequestContext,
  call: UpstreamCall,
  attempt: UpstreamAttempt,
  error: unknown,
): AttemptOutcome {
  const failure = classifyUpstreamError(error, ctx.adapter!.type, call.aborted);
  attempt.errorType = failure.type;
  if (failure.type === "client_aborted") return CLIENT_GONE;
  ctx.services.log.debug("upstream call failed", {
    requestId: ctx.id,
    deploymentId: attempt.deploymentId,
    error,
  });
  return { kind: "failure", errorType: failure.type, message: failure.message };
}

/** In-flight count, and the attempt's verdict on the deployment's health. */
function settleHealth(
  ctx: RequestContext,
  state: DeploymentState,
  probe: boolean,
  outcome: AttemptOutcome | undefined,
): void {
  const health = ctx.services.health;
  if (outcome !== undefined && outcome.kind !== "failed_after_commit") {
    if (isHealthFailure(outcome, ctx.route!.retryStatuses)) {
      health.failed(state, ctx.deployment!.cooldown, probe);
    } else if (outcome.kind === "response") {
      // any answer, even a 400, shows the deployment is up
      health.succeeded(state, probe);
    }
  }
  health.end(state, probe);
}

/**
 * Records what a failed attempt was billed: the usage its provider reported before failing
 * (an estimate with no reported input counts nothing: the provider said nothing). `earlier`:
 * an attempt before the answer, whose usage is added to the request's totals.
 */
function bill(
  ctx: RequestContext,
  attempt: UpstreamAttempt,
  usage: TokenUsage,
  earlier: boolean,
): void {
  if (usage.inputTokens === 0) return;
  const price = ctx.deployment!.price;
  let cost = 0;
  if (price !== null) {
    try {
      cost = costNanoUsd(price, {
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        cachedInputTokens: Math.min(usage.cachedInputTokens, usage.inputTokens),
        cacheWrite5mTokens: usage.cacheWrite5mTokens ?? 0,
        cacheWrite1hTokens: usage.cacheWrite1hTokens ?? 0,
        reasoningTokens: Math.min(usage.reasoningTokens ?? 0, usage.outputTokens),
      });
    } catch {
      cost = 0;
    }
  }
  attempt.inputTokens = usage.inputTokens;
  attempt.outputTokens = usage.outputTokens;
  attempt.costNanoUsd = cost;
  if (!earlier) return;
  ctx.billedUsage = addUsage(ctx.billedUsage, usage);
  ctx.billedCostNanoUsd += cost;
}

function addUsage(a: TokenUsage | null, b: TokenUsage): TokenUsage {
  if (a === null) return b;
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWrite5mTokens: (a.cacheWrite5mTokens ?? 0) + (b.cacheWrite5mTokens ?? 0),
    cacheWrite1hTokens: (a.cacheWrite1hTokens ?? 0) + (b.cacheWrite1hTokens ?? 0),
    reasoningTokens: (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0),
  };
}
