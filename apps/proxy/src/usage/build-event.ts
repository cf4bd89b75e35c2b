import { costNanoUsd, findModelPrice, type UsageEvent } from "@gatehouse/shared";
import type { RequestContext } from "../pipeline/context";
import { PAYLOAD_LOG_MAX_CHARS } from "../pipeline/respond";

/**
 * The usage event of a request that got past authentication. Cost: the workspace's price for
 * the upstream model, else for the alias, from the built-in table or the workspace's
 * overrides; 0 when neither is known.
 */
export function buildUsageEvent(ctx: RequestContext, latencyMs: number): UsageEvent {
  const key = ctx.key!.snapshot;
  const workspace = ctx.workspace!;
  const attempt = ctx.attempts.length > 0 ? ctx.attempts[ctx.attempts.length - 1]! : null;
  const usage = ctx.usage;
  const inputTokens = usage.inputTokens;
  const cachedInputTokens = Math.min(usage.cachedInputTokens, inputTokens);
  let cost = 0;
  if (inputTokens > 0 || usage.outputTokens > 0) {
    const overrides = workspace.priceOverrides;
    const price =
      (attempt ? findModelPrice(attempt.upstreamModel, overrides) : null) ??
      findModelPrice(ctx.model, overrides);
    if (price !== null) {
      try {
        cost = costNanoUsd(price, {
          inputTokens,
          outputTokens: usage.outputTokens,
          cachedInputTokens,
        });
      } catch {
        cost = 0;
      }
    }
  }
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
    costNanoUsd: cost,
    status: ctx.status,
    errorType: ctx.errorType,
    streamed: ctx.stream,
    clientAborted: ctx.clientAborted,
    latencyMs,
    ttfbMs: ctx.ttfbMs,
    payload: workspace.snapshot.payloadLogging
      ? {
          request:
            ctx.rawBody === null ? null : ctx.rawBody.toString("utf8", 0, PAYLOAD_LOG_MAX_CHARS),
          response: ctx.responseText,
        }
      : null,
  };
}
