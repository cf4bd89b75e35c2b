import { BUDGET_CAP_HEADER, type Endpoint, type TokenPrice } from "@gatehouse/shared";
import type { DeploymentPlan } from "../config/workspace-plan";
import { capMaxOutputTokens, type Admission, type LimitRequest } from "../limits";
import type { RequestContext } from "./context";

/**
 * Rate limits (RPM, TPM, concurrent) and budget reservation of the key and its workspace,
 * atomically in Redis for every proxy (limits/): the adapter from the request context to the
 * limits module. 429 when a limit or budget refuses, 503 when Redis is unreachable and the
 * workspace fails closed (or has lost the budget spend). Runs once, before the attempt loop:
 * the reservation covers the whole plan, and each attempt's upstream body is bounded to the
 * output it paid for (boundMaxOutput). Settled in server.ts `finish`, whatever the outcome.
 */
export function enforceLimits(ctx: RequestContext): void | Promise<void> {
  const limits = ctx.services.limits;
  if (limits === null || !limits.applies(ctx.key!.snapshot, ctx.workspace!.snapshot)) return;
  const admitted = limits.admit(limitRequestOf(ctx));
  if (admitted === null) return;
  return admitted.then((admission) => apply(ctx, admission));
}

function limitRequestOf(ctx: RequestContext): LimitRequest {
  const workspace = ctx.workspace!;
  return {
    id: ctx.id,
    key: ctx.key!.snapshot,
    workspace: workspace.snapshot,
    endpoint: ctx.spec.endpoint!,
    body: ctx.body!,
    // the reservation is taken once for the whole plan: priced at its most expensive candidate
    prices: planPrices(ctx),
  };
}

/**
 * The distinct prices of every deployment the attempt loop may call: the candidates (the
 * route's groups and x-gatehouse-fallbacks) and, unless fallbacks are off, the route's
 * context-window and content-policy fallbacks. Each price is compiled per snapshot
 * (DeploymentPlan.price: its upstream model's, else its route alias').
 */
export function planPrices(ctx: RequestContext): TokenPrice[] {
  const prices: TokenPrice[] = [];
  const add = (deployments: readonly DeploymentPlan[]) => {
    for (const d of deployments)
      if (d.price !== null && !prices.includes(d.price)) prices.push(d.price);
  };
  add(ctx.candidates);
  const route = ctx.route!;
  if (ctx.fallbacks.kind !== "off") {
    for (const r of route.contextWindowFallbacks) add(r.ordered);
    for (const r of route.contentPolicyFallbacks) add(r.ordered);
  }
  return prices;
}

function apply(ctx: RequestContext, admission: Admission): void {
  ctx.limits = admission.reservation;
  ctx.limitHeaders = admission.headers;
  ctx.maxOutputTokens = admission.maxOutputTokens;
}

/**
 * An attempt's upstream body (in the upstream endpoint's format), bounded to the output the
 * budget reservation paid for: the same object when it already is, else a copy with its max
 * output lowered or set (limits/max-output.ts), named in the x-gatehouse-max-tokens-capped
 * response header. Called by buildUpstreamRequest before it serialises the body.
 */
export function boundMaxOutput(
  ctx: RequestContext,
  body: Record<string, unknown>,
  endpoint: Endpoint,
): Record<string, unknown> {
  const max = ctx.maxOutputTokens;
  if (max === null) return body;
  const capped = capMaxOutputTokens(body, endpoint, max);
  if (capped === null) return body;
  ctx.limitHeaders = { ...ctx.limitHeaders, [BUDGET_CAP_HEADER]: String(capped.perChoice) };
  return capped.body;
}
