import { GatewayError } from "../errors";
import { UpstreamCall } from "../upstream/call";
import { classifyUpstreamError } from "../upstream/errors";
import type { RequestContext } from "./context";

/**
 * Sends the planned request through the shared undici Agent (raw dispatch, see UpstreamCall)
 * and records the attempt. Resolves
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
  const call = new UpstreamCall();
  ctx.abort = call;
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
    ctx.services.agent.dispatch(
      {
        origin: target.origin,
        path: target.path,
        method: "POST",
        headers,
        body: plan.body,
        headersTimeout: settings.upstreamHeadersTimeoutMs,
        bodyTimeout: settings.upstreamBodyTimeoutMs,
      },
      call,
    );
    await call.headersReceived;
    attempt.latencyMs = performance.now() - t;
    attempt.status = call.statusCode;
    if (call.statusCode >= 400) attempt.errorType = "upstream_error";
    ctx.services.metrics.upstreamDuration.observe(attempt.latencyMs / 1000);
    ctx.upstreamResponse = call;
  } catch (error) {
    attempt.latencyMs = performance.now() - t;
    const failure = classifyUpstreamError(error, ctx.adapter!.type, call.aborted);
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
