import type { Endpoint } from "@gatehouse/shared";
import type { DeploymentPlan } from "../config/workspace-plan";
import { GatewayError } from "../errors";
import type { ProviderAdapter, ResolvedCredential } from "@gatehouse/shared/providers";
import { anthropicToOpenaiChat, openaiChatToAnthropic, upstreamEndpointFor } from "../translate";
import type { UpstreamMode, UpstreamRequest, UpstreamTarget } from "../upstream/request";
import type { RequestContext } from "./context";
import { boundMaxOutput } from "./enforce-limits";

/** Endpoints whose OpenAI streams report usage only when asked to. */
const STREAM_USAGE_ENDPOINTS: ReadonlySet<Endpoint> = new Set<Endpoint>([
  "chat.completions",
  "completions",
]);

const PROVIDER_NAMES: Record<string, string> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  azure_openai: "Azure OpenAI",
  gemini: "Google Gemini",
  openai_compatible: "OpenAI-compatible",
};

/**
 * Decides how this request reaches one candidate deployment (same format, translated, or
 * answered locally) and builds that attempt's upstream body: the client's bytes are forwarded
 * untouched unless the model name, stream_options or a provider tweak changes them. Called
 * once per attempt: a fallback to a deployment in another wire format gets its own body. The
 * client's parsed body is never changed (the next attempt starts from it again).
 */
export function buildUpstreamRequest(
  ctx: RequestContext,
  deployment: DeploymentPlan,
  adapter: ProviderAdapter,
): UpstreamRequest {
  const credential = deployment.credential!;
  const endpoint = ctx.spec.endpoint!;
  const upstreamModel = deployment.deployment.upstreamModel;

  const upstreamEndpoint = upstreamEndpointFor(endpoint, adapter.nativeFormat);
  if (upstreamEndpoint === null) {
    if (endpoint === "messages.count_tokens") {
      // no counting endpoint in this provider's format: the attempt loop estimates locally
      return {
        mode: "local-count",
        endpoint,
        format: adapter.nativeFormat,
        upstreamModel,
        target: null,
        body: "",
      };
    }
    throw unsupported(ctx, endpoint, adapter);
  }
  if (!adapter.endpoints.has(upstreamEndpoint)) throw unsupported(ctx, endpoint, adapter);

  if (adapter.nativeFormat === ctx.clientFormat) {
    // a shallow copy: the fields changed here are top-level, and the next attempt needs the
    // client's own values
    let body = { ...ctx.body! };
    let changed = false;
    if (body.model !== upstreamModel) {
      body.model = upstreamModel;
      changed = true;
    }
    if (
      ctx.stream &&
      adapter.needsStreamUsageOption &&
      STREAM_USAGE_ENDPOINTS.has(endpoint) &&
      !ctx.clientWantsUsage
    ) {
      const options = body.stream_options;
      body.stream_options =
        typeof options === "object" && options !== null
          ? { ...options, include_usage: true }
          : { include_usage: true };
      changed = true;
    }
    if (adapter.prepareBody !== undefined) {
      adapter.prepareBody(body, endpoint, upstreamModel);
      changed = true;
    }
    const bounded = boundMaxOutput(ctx, body, endpoint);
    if (bounded !== body) {
      body = bounded;
      changed = true;
    }
    return {
      mode: "passthrough",
      endpoint,
      format: adapter.nativeFormat,
      upstreamModel,
      target: targetFor(deployment, adapter, credential, endpoint, upstreamModel),
      body: changed ? JSON.stringify(body) : ctx.rawBody!,
    };
  }

  let translated: Record<string, unknown>;
  let mode: UpstreamMode;
  if (ctx.clientFormat === "openai") {
    mode = "openai-to-anthropic";
    translated = openaiChatToAnthropic(ctx.body!, upstreamModel, {
      maxTokens: ctx.services.settings.defaultMaxTokens,
    });
  } else {
    mode = "anthropic-to-openai";
    translated = anthropicToOpenaiChat(ctx.body!, upstreamModel);
    if (ctx.stream && adapter.needsStreamUsageOption)
      translated.stream_options = { include_usage: true };
  }
  adapter.prepareBody?.(translated, upstreamEndpoint, upstreamModel);
  translated = boundMaxOutput(ctx, translated, upstreamEndpoint);
  return {
    mode,
    endpoint: upstreamEndpoint,
    format: adapter.nativeFormat,
    upstreamModel,
    target: targetFor(deployment, adapter, credential, upstreamEndpoint, upstreamModel),
    body: JSON.stringify(translated),
  };
}

function unsupported(
  ctx: RequestContext,
  endpoint: Endpoint,
  adapter: ProviderAdapter,
): GatewayError {
  const provider = PROVIDER_NAMES[adapter.type] ?? adapter.type;
  const path = ctx.req.url?.split("?")[0] ?? "";
  return new GatewayError(
    "invalid_request",
    endpoint === "responses"
      ? `The Responses API (${path}) needs an OpenAI-type deployment, but model '${ctx.model}' is served by ${provider}. Use /v1/chat/completions instead.`
      : `${path} is not available for model '${ctx.model}': it is served by ${provider}, which does not support it.`,
    "model",
  );
}

/**
 * The parsed upstream URL and headers of a deployment for one endpoint, built once per config
 * snapshot (the plan lives as long as the snapshot) instead of once per request.
 */
function targetFor(
  deployment: DeploymentPlan,
  adapter: ProviderAdapter,
  credential: ResolvedCredential,
  endpoint: Endpoint,
  upstreamModel: string,
): UpstreamTarget {
  let target = deployment.targets.get(endpoint);
  if (target === undefined) {
    const raw = adapter.target(credential, endpoint, upstreamModel);
    const url = new URL(raw.url);
    target = Object.freeze({
      origin: url.origin,
      path: url.pathname + url.search,
      headers: Object.freeze(raw.headers),
    });
    deployment.targets.set(endpoint, target);
  }
  return target;
}
