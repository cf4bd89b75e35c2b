import { GatewayError } from "../errors";
import { UpstreamAbort } from "../upstream/abort";
import { classifyUpstreamError } from "../upstream/errors";
import type { RequestContext } from "./context";

/**
 * Sends the planned request through the shared undici Agent and records the attempt. Resolves
 * once the response headers arrived; the body is left to `respond`. Connection failures and
 * timeouts become 502/504; the client leaving aborts the call.
 */
export async function callUpstream(ctx: RequestContext): Promise<void> {
  if (ctx.clientAborted) {
    ctx.done = true;
    return;
  }
  const plan = ctx.upstream!;
  const target = plan.target!;
  const deployment = ctx.deployment!;
  const settings = ctx.services.settings;
  let headers = target.headers;
  const beta = ctx.req.headers["anthropic-beta"];
  if (beta !== undefined && plan.mode === "passthrough" && plan.format === "anthropic") {
    // client-chosen beta features travel with its (Anthropic-format) request
    headers = { ...headers, "anthropic-beta": Array.isArray(beta) ? beta.join(",") : beta };
  }
  const abort = new UpstreamAbort();
  ctx.abort = abort;
  const startedAt = Date.now();
  const t = performance.now();
  const attempt = {
    deploymentId: deployment.deployment.id,
    credentialId: deployment.deployment.credentialId,
    provider: ctx.adapter!.type,
    upstreamModel: plan.upstreamModel,
    status: null as number | null,
    errorType: null as string | null,
    startedAt: new Date(startedAt).toISOString(),
    latencyMs: 0,
  };
  ctx.attempts.push(attempt);
  try {
    const response = await ctx.services.agent.request({
      origin: target.origin,
      path: target.path,
      method: "POST",
      headers,
      body: plan.body,
      signal: abort,
      headersTimeout: settings.upstreamHeadersTimeoutMs,
      bodyTimeout: settings.upstreamBodyTimeoutMs,
    });
    attempt.latencyMs = performance.now() - t;
    attempt.status = response.statusCode;
    if (response.statusCode >= 400) attempt.errorType = "upstream_error";
    ctx.services.metrics.upstreamDuration.observe(attempt.latencyMs / 1000);
    ctx.upstreamResponse = response;
  } catch (error) {
    attempt.latencyMs = performance.now() - t;
    const failure = classifyUpstreamError(error, ctx.adapter!.type, abort.aborted);
    attempt.errorType = failure.type;
    if (failure.type === "client_aborted") {
      ctx.clientAborted = true;
      ctx.done = true;
      return;
    }
    ctx.services.log.debug("upstream call failed", {
      requestId: ctx.id,
      deploymentId: attempt.deploymentId,
      error,
    });
    throw new GatewayError(failure.type, failure.message);
  }
}
