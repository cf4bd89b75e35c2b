import { costNanoUsd, findModelPrice, type UsageEvent } from "@gatehouse/shared";
import type { TokenUsage } from "../translate/types";
import type { RequestContext } from "./context";
import { PAYLOAD_LOG_MAX_CHARS } from "../response/transforms/payload-capture";
import { payloadForStorage } from "./guard-request";

/**
 * The usage event of a request that got past authentication. Cost: the workspace's price for
 * the upstream model, else for the alias, from the built-in table or the workspace's
 * overrides; 0 when neither is known. A request that was retried or fell back is charged what
 * each provider billed: the answer's usage, plus what earlier failed attempts reported before
 * failing (each priced at its own deployment's model, recorded on its attempt).
 */
export function buildUsageEvent(ctx: RequestContext, latencyMs: number): UsageEvent {
  const key = ctx.key!.snapshot;
  const workspace = ctx.workspace!;
  const attempt = ctx.attempts.length > 0 ? ctx.attempts[ctx.attempts.length - 1]! : null;
  const answered = ctx.usage;
  const billed = ctx.billedUsage;
  const usage = billed === null ? subsets(answered) : subsets(sum(answered, billed));
  const {
    inputTokens,
    cachedInputTokens,
    cacheWrite5mTokens,
    cacheWrite1hTokens,
    reasoningTokens,
  } = usage;
  let cost = 0;
  if (answered.inputTokens > 0 || answered.outputTokens > 0) {
    const overrides = workspace.priceOverrides;
    const price =
      (attempt ? findModelPrice(attempt.upstreamModel, overrides) : null) ??
      findModelPrice(ctx.model, overrides);
    if (price !== null) {
      try {
        cost = costNanoUsd(price, subsets(answered));
      } catch {
        cost = 0;
      }
    }
  }
  // the failed attempts' share, priced when they failed
  cost += ctx.billedCostNanoUsd;
  return {
    id: ctx.id,
    ts: new Date(ctx.receivedAt).toISOString(),
    workspaceId: key.workspaceId,
    keyId: key.keyId,
    endpoint: ctx.spec.endpoint!,
    clientFormat: ctx.clientFormat,
    model: ctx.model,
    routeId: ctx.route?.route.id ?? null,
    deploymentId: attempt?.deploymentId ?? null,
    credentialId: attempt?.credentialId ?? null,
    provider: attempt?.provider ?? null,
    upstreamModel: attempt?.upstreamModel ?? null,
    promptId: ctx.prompt?.promptId ?? null,
    promptVersionId: ctx.prompt?.versionId ?? null,
    attempts: ctx.attempts,
    inputTokens,
    outputTokens: usage.outputTokens,
    cachedInputTokens,
    cacheWrite5mTokens,
    cacheWrite1hTokens,
    reasoningTokens,
    guardrails: ctx.guard === null ? [] : ctx.guard.tally.toFindings(),
    costNanoUsd: cost,
    status: ctx.status,
    errorType: ctx.errorType,
    streamed: ctx.stream,
    clientAborted: ctx.clientAborted,
    latencyMs,
    ttfbMs: ctx.ttfbMs,
    payload: workspace.snapshot.payloadLogging
      ? {
          // guardrails: the masked request, the answer masked again (payloadForStorage)
          request: payloadForStorage(
            ctx,
            ctx.rawBody === null ? null : ctx.rawBody.toString("utf8", 0, PAYLOAD_LOG_MAX_CHARS),
          ),
          response: payloadForStorage(ctx, ctx.responseText, ctx.stream),
        }
      : null,
  };
}

/** Usage with each part clamped within what it is part of (as events and prices need it). */
function subsets(usage: TokenUsage): Required<TokenUsage> {
  const inputTokens = usage.inputTokens;
  // each part of the prompt (cache reads, then 5-minute and 1-hour writes) within what is left
  const cachedInputTokens = Math.min(usage.cachedInputTokens, inputTokens);
  const cacheWrite5mTokens = Math.min(
    usage.cacheWrite5mTokens ?? 0,
    inputTokens - cachedInputTokens,
  );
  const cacheWrite1hTokens = Math.min(
    usage.cacheWrite1hTokens ?? 0,
    inputTokens - cachedInputTokens - cacheWrite5mTokens,
  );
  const reasoningTokens = Math.min(usage.reasoningTokens ?? 0, usage.outputTokens);
  return {
    inputTokens,
    outputTokens: usage.outputTokens,
    cachedInputTokens,
    cacheWrite5mTokens,
    cacheWrite1hTokens,
    reasoningTokens,
  };
}

function sum(a: TokenUsage, b: TokenUsage): TokenUsage {
  return {
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    cachedInputTokens: a.cachedInputTokens + b.cachedInputTokens,
    cacheWrite5mTokens: (a.cacheWrite5mTokens ?? 0) + (b.cacheWrite5mTokens ?? 0),
    cacheWrite1hTokens: (a.cacheWrite1hTokens ?? 0) + (b.cacheWrite1hTokens ?? 0),
    reasoningTokens: (a.reasoningTokens ?? 0) + (b.reasoningTokens ?? 0),
  };
}
