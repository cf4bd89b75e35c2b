import type { UpstreamAttempt } from "@gatehouse/shared";
import { getAdapter, type ProviderAdapter } from "@gatehouse/shared/providers";
import type { DeploymentPlan } from "../config/workspace-plan";
import { GatewayError } from "../errors";
import { JSON_TYPE, sendBody } from "../http/send";
import { estimateAnthropicInputTokens } from "../tokens/estimate";
import { UpstreamCall } from "../upstream/call";
import {
  classifyAttempt,
  retryAfterMs,
  type AttemptOutcome,
  type AttemptPolicy,
} from "../upstream/classify";
import { classifyUpstreamError } from "../upstream/errors";
import type { UpstreamRequest } from "../upstream/request";
import { buildUpstreamRequest } from "./build-upstream-request";
import type { RequestContext } from "./context";
import { relayAnswer, relayUpstreamError } from "./respond";

/** Today's policy: one attempt per deployment (the routing issue makes this per route). */
const NO_RETRIES: Omit<AttemptPolicy, "retriesSoFar" | "hasNextCandidate" | "random"> = {
  maxRetries: 0,
  retryStatuses: new Set([429, 500, 502, 503, 504]),
  backoffBaseMs: 250,
  maxDelayMs: 8_000,
};

/**
 * The attempt loop: the last stage of a model call. For each candidate deployment in order it
 * builds that deployment's upstream request (translated when its wire format differs), calls
 * it, and lets the pure classifier decide: relay the answer, retry the same deployment, move
 * on to the next one, or answer with this outcome. Every attempt is recorded in ctx.attempts.
 * The budget reservation was taken once, before the loop, for the whole plan.
 */
export async function runAttempts(ctx: RequestContext): Promise<void> {
  const candidates = ctx.candidates;
  let retries = 0;
  for (let i = 0; i < candidates.length;) {
    if (ctx.clientAborted) {
      ctx.done = true;
      return;
    }
    const deployment = candidates[i]!;
    const hasNextCandidate = i + 1 < candidates.length;
    const adapter = usableAdapter(ctx, deployment, hasNextCandidate);
    if (adapter === null) {
      i++;
      continue;
    }
    ctx.deployment = deployment;
    ctx.adapter = adapter;
    const request = buildUpstreamRequest(ctx, deployment, adapter);
    ctx.upstream = request;
    if (request.mode === "local-count") return countTokensLocally(ctx);

    const call = new UpstreamCall();
    const outcome = await dispatch(ctx, call, request);
    const decision = classifyAttempt(outcome, {
      ...NO_RETRIES,
      retriesSoFar: retries,
      hasNextCandidate,
      random: Math.random(),
    });
    switch (decision.action) {
      case "success":
        return relayAnswer(ctx, call);
      case "retry":
        call.discard();
        retries++;
        await sleep(decision.delayMs);
        continue;
      case "next":
        call.discard();
        retries = 0;
        i++;
        continue;
      case "final":
        return answerFinal(ctx, call, outcome);
    }
  }
  throw new GatewayError(
    "internal",
    `No deployment of model '${ctx.model}' could be called; contact the workspace admin.`,
  );
}

/** The candidate's adapter, or null (logged) when its credential is not usable. */
function usableAdapter(
  ctx: RequestContext,
  deployment: DeploymentPlan,
  hasNextCandidate: boolean,
): ProviderAdapter | null {
  const credential = deployment.credential;
  if (credential !== null) return getAdapter(credential.provider);
  ctx.services.log.error("deployment has no usable credential", {
    workspaceId: ctx.workspace!.snapshot.workspaceId,
    deploymentId: deployment.deployment.id,
    problem: deployment.credentialProblem,
  });
  if (hasNextCandidate) return null;
  throw new GatewayError(
    "internal",
    `The provider credential of model '${ctx.model}' is not usable; contact the workspace admin.`,
  );
}

/**
 * One upstream call up to its response headers, recorded as an attempt. A streamed call waits
 * `upstreamTtfbTimeoutMs` for its headers, a JSON call (whose headers come with the finished
 * answer) its total time; the body may then go silent for `upstreamIdleTimeoutMs` at most, and
 * the whole call lasts `upstreamTotalTimeoutMs` at most. Each ends in a typed 504 (an error
 * event once a stream has started).
 */
async function dispatch(
  ctx: RequestContext,
  call: UpstreamCall,
  request: UpstreamRequest,
): Promise<AttemptOutcome> {
  const target = request.target!;
  const deployment = ctx.deployment!;
  const settings = ctx.services.settings;
  let headers = target.headers;
  const beta = ctx.req.headers["anthropic-beta"];
  if (beta !== undefined && request.mode === "passthrough" && request.format === "anthropic") {
    // client-chosen beta features travel with its (Anthropic-format) request
    headers = { ...headers, "anthropic-beta": Array.isArray(beta) ? beta.join(",") : beta };
  }
  ctx.abort = call;
  const t = performance.now();
  const attempt = {
    deploymentId: deployment.deployment.id,
    credentialId: deployment.deployment.credentialId,
    provider: ctx.adapter!.type,
    upstreamModel: request.upstreamModel,
    status: null as number | null,
    errorType: null as string | null,
    startedAt: new Date().toISOString(),
    latencyMs: 0,
    kind: "first" as UpstreamAttempt["kind"],
  };
  ctx.attempts.push(attempt);
  const total = settings.upstreamTotalTimeoutMs;
  try {
    ctx.services.agent.dispatch(
      {
        origin: target.origin,
        path: target.path,
        method: "POST",
        headers,
        body: request.body,
        headersTimeout: ctx.stream ? Math.min(settings.upstreamTtfbTimeoutMs, total) : total,
        bodyTimeout: settings.upstreamIdleTimeoutMs,
      },
      call,
    );
    await call.headersReceived;
    attempt.latencyMs = performance.now() - t;
    // until the headers, undici's headersTimeout bounds the wait; from here the rest of the total
    call.limitTotalTime(Math.max(1, total - attempt.latencyMs));
    attempt.status = call.statusCode;
    if (call.statusCode >= 400) attempt.errorType = "upstream_error";
    ctx.services.metrics.upstreamDuration.observe(attempt.latencyMs / 1000);
    return {
      kind: "response",
      status: call.statusCode,
      retryAfterMs:
        call.statusCode >= 400
          ? retryAfterMs(call.header("retry-after"), call.header("retry-after-ms"))
          : null,
    };
  } catch (error) {
    attempt.latencyMs = performance.now() - t;
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
}

const CLIENT_GONE: AttemptOutcome = Object.freeze({ kind: "client_gone" });

async function answerFinal(
  ctx: RequestContext,
  call: UpstreamCall,
  outcome: AttemptOutcome,
): Promise<void> {
  switch (outcome.kind) {
    case "response":
      return relayUpstreamError(ctx, call);
    case "failure":
      throw new GatewayError(outcome.errorType, outcome.message);
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

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
