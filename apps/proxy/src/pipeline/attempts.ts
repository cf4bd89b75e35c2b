import type { UpstreamAttempt } from "@gatehouse/shared";
import { getAdapter, type ProviderAdapter } from "@gatehouse/shared/providers";
import type { DeploymentPlan } from "../config/workspace-plan";
import { GatewayError } from "../errors";
import { JSON_TYPE, sendBody } from "../http/send";
import { orderRoutes, type DeploymentHealth } from "../routing";
import { estimateAnthropicInputTokens } from "../tokens/estimate";
import { classifyAttempt, type AttemptOutcome, type UpstreamErrorKind } from "../upstream/classify";
import { SHUTDOWN_MESSAGE } from "../upstream/errors";
import { buildUpstreamRequest } from "./build-upstream-request";
import { ANSWERED, callAttempt, type AttemptResult } from "./attempt-call";
import type { RequestContext } from "./context";
import { sendUpstreamError } from "./respond";

/** Our last word after we already retried or fell back: the SDKs must not retry on top. */
const NO_SDK_RETRY: Readonly<Record<string, string>> = Object.freeze({ "x-should-retry": "false" });

/**
 * The attempt loop: the last stage of a model call. For each candidate deployment in order
 * (resolveRoute) it builds that deployment's upstream request (translated when its wire format
 * differs), calls it (attempt-call.ts), and lets the pure classifier decide with the route's
 * policy: the answer went out, retry the same deployment (backoff with full jitter, or the
 * provider's retry-after up to maxDelayMs), move on to the next candidate, switch to the
 * route's context-window / content-policy fallbacks, or answer with this outcome. All attempts
 * and waits together stay within the policy's budgetMs; a wait ends early if the client leaves.
 * A deployment that is cooling down is skipped while a later candidate is not. Every attempt
 * is recorded in ctx.attempts (first / retry / fallback). The budget reservation was taken
 * once, before the loop, for the most expensive candidate.
 */
export async function runAttempts(ctx: RequestContext): Promise<void> {
  const route = ctx.route!;
  const retry = route.policy.retry;
  const health = ctx.services.health;
  const metrics = ctx.services.metrics;
  const deadline = performance.now() + retry.budgetMs;
  const dedicatedOn = ctx.fallbacks.kind !== "off";
  let candidates = ctx.candidates;
  /** the dedicated fallbacks being tried, if any */
  let dedicated: UpstreamErrorKind | null = null;
  let retries = 0;
  let kind: UpstreamAttempt["kind"] = "first";
  let last: AttemptResult | null = null;

  for (let i = 0; i < candidates.length;) {
    if (ctx.clientAborted) {
      ctx.done = true;
      return;
    }
    // the shutdown deadline came during a retry's wait: no new attempt
    if (ctx.cutByShutdown) throw new GatewayError("unavailable", SHUTDOWN_MESSAGE);
    const deployment = candidates[i]!;
    const hasNextCandidate = i + 1 < candidates.length;
    const state = health.state(
      deployment.healthKey,
      deployment.workspaceId,
      deployment.deployment.id,
    );
    // cooled down since the order was made (another proxy, or this request's own failures)
    if (retries === 0 && hasNextCandidate && laterHealthy(health, candidates, i)) {
      i++;
      continue;
    }
    const adapter = usableAdapter(ctx, deployment, hasNextCandidate || last !== null);
    if (adapter === null) {
      i++;
      continue;
    }
    ctx.deployment = deployment;
    ctx.adapter = adapter;
    const request = buildUpstreamRequest(ctx, deployment, adapter);
    ctx.upstream = request;
    if (request.mode === "local-count") return countTokensLocally(ctx);

    const result = await callAttempt(ctx, request, state, kind);
    // the common case decides nothing: the answer went out
    if (result.outcome === ANSWERED) return;
    last = result;
    const decision = classifyAttempt(result.outcome, {
      retriesSoFar: retries,
      maxRetries: retry.maxRetries,
      hasNextCandidate,
      retryStatuses: route.retryStatuses,
      backoffBaseMs: retry.backoffBaseMs,
      maxDelayMs: retry.maxDelayMs,
      random: Math.random(),
      budgetLeftMs: deadline - performance.now(),
      deploymentCooling: health.cooling(state),
      // within a dedicated list, another error of its kind moves on along that list
      hasContextWindowFallback:
        dedicated === "context_window"
          ? hasNextCandidate
          : dedicatedOn && dedicated === null && route.contextWindowFallbacks.length > 0,
      hasContentPolicyFallback:
        dedicated === "content_policy"
          ? hasNextCandidate
          : dedicatedOn && dedicated === null && route.contentPolicyFallbacks.length > 0,
    });
    switch (decision.action) {
      case "success":
        return;
      case "retry":
        result.call.discard();
        metrics.upstreamRetries++;
        retries++;
        kind = "retry";
        await pause(ctx, decision.delayMs);
        continue;
      case "dedicated":
        result.call.discard();
        metrics.upstreamFallbacks++;
        retries = 0;
        kind = "fallback";
        if (dedicated === null) {
          dedicated = decision.reason;
          candidates = orderRoutes(
            decision.reason === "context_window"
              ? route.contextWindowFallbacks
              : route.contentPolicyFallbacks,
            { health, stream: ctx.stream, random: Math.random, now: Date.now() },
          );
          i = 0;
        } else {
          i++;
        }
        continue;
      case "next":
        result.call.discard();
        metrics.upstreamFallbacks++;
        retries = 0;
        kind = "fallback";
        i++;
        continue;
      case "final":
        return answerFinal(ctx, result);
    }
  }
  // every candidate left was skipped (unusable credentials): the last outcome is the answer
  if (last !== null) return answerFinal(ctx, last);
  throw new GatewayError(
    "internal",
    `No deployment of model '${ctx.model}' could be called; contact the workspace admin.`,
  );
}

/** A later candidate is not cooling down while this one is: skip this one. */
function laterHealthy(
  health: DeploymentHealth,
  candidates: readonly DeploymentPlan[],
  i: number,
): boolean {
  const now = Date.now();
  const d = candidates[i]!;
  if (!health.cooling(health.state(d.healthKey, d.workspaceId, d.deployment.id), now)) return false;
  for (let j = i + 1; j < candidates.length; j++) {
    const next = candidates[j]!;
    const state = health.state(next.healthKey, next.workspaceId, next.deployment.id);
    if (!health.cooling(state, now) && next.credential !== null) return true;
  }
  return false;
}

/** The candidate's adapter, or null (logged) when its credential is not usable. */
function usableAdapter(
  ctx: RequestContext,
  deployment: DeploymentPlan,
  canSkip: boolean,
): ProviderAdapter | null {
  const credential = deployment.credential;
  if (credential !== null) return getAdapter(credential.provider);
  ctx.services.log.error("deployment has no usable credential", {
    workspaceId: ctx.workspace!.snapshot.workspaceId,
    deploymentId: deployment.deployment.id,
    problem: deployment.credentialProblem,
  });
  if (canSkip) return null;
  throw new GatewayError(
    "internal",
    `The provider credential of model '${ctx.model}' is not usable; contact the workspace admin.`,
  );
}

/**
 * The client's answer when no attempt is left: the provider's error (translated), our typed
 * 502/504, or nothing (the client left, or a stream already ended with an error event). After
 * more than one attempt a 429/5xx carries `x-should-retry: false`: the official SDKs (openai,
 * @anthropic-ai/sdk: shouldRetry) obey it, so their retries do not multiply ours.
 */
function answerFinal(ctx: RequestContext, result: AttemptResult): void {
  const outcome: AttemptOutcome = result.outcome;
  const retried = ctx.attempts.length > 1;
  switch (outcome.kind) {
    case "response":
      return sendUpstreamError(
        ctx,
        result.call,
        result.errorBody ?? "",
        retried && (outcome.status === 429 || outcome.status >= 500) ? NO_SDK_RETRY : null,
      );
    case "failure":
      throw new GatewayError(
        outcome.errorType,
        outcome.message,
        null,
        retried ? NO_SDK_RETRY : null,
      );
    case "client_gone":
    case "failed_after_commit":
      ctx.clientAborted ||= outcome.kind === "client_gone";
      ctx.done = true;
  }
}

/** count_tokens for a route whose provider cannot count in this format: estimated here. */
async function countTokensLocally(ctx: RequestContext): Promise<void> {
  const inputTokens = await estimateAnthropicInputTokens(ctx.body!);
  sendBody(ctx, 200, JSON_TYPE, JSON.stringify({ input_tokens: inputTokens }));
  ctx.done = true;
}

/** Waits `ms` between attempts, or less if the client leaves meanwhile. */
function pause(ctx: RequestContext, ms: number): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const res = ctx.res;
    const done = () => {
      clearTimeout(timer);
      res.off("close", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    res.once("close", done);
  });
}
