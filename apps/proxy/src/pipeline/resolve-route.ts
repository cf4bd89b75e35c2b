import { FALLBACKS_HEADER } from "@gatehouse/shared";
import type { RoutePlan } from "../config/workspace-plan";
import { GatewayError } from "../errors";
import { orderCandidates, ROUTE_ORDER, type FallbackControl } from "../routing";
import type { DeploymentPlan } from "../config/workspace-plan";
import type { RequestContext } from "./context";

/** header values are short lists of aliases; anything longer is refused */
const MAX_FALLBACK_ALIASES = 10;

/**
 * The model alias → its route → the candidate deployments the attempt loop will try, in
 * order (routing/order.ts): the lowest-priority group load balanced by the route's strategy,
 * then each higher-priority group, then the routes named in `x-gatehouse-fallbacks`
 * (`off` = the lowest-priority group only), deployments that are cooling down last. 404 for an
 * alias the workspace does not have, 400 naming an unknown fallback alias, 403 for one the key
 * may not use. The first candidate is the request's deployment until an attempt runs.
 */
export function resolveRoute(ctx: RequestContext): void {
  const workspace = ctx.workspace!;
  const route = workspace.routes.get(ctx.model);
  if (route === undefined) {
    throw new GatewayError(
      "not_found",
      `The model '${ctx.model}' does not exist in this workspace.`,
      "model",
    );
  }
  const control = fallbackControl(ctx, workspace.routes);
  ctx.route = route;
  ctx.fallbacks = control;
  ctx.candidates = orderCandidates(route, control, {
    health: ctx.services.health,
    stream: ctx.stream,
    random: Math.random,
    now: Date.now(),
  });
  ctx.deployment = ctx.candidates[0]!;
}

function fallbackControl(
  ctx: RequestContext,
  routes: ReadonlyMap<string, RoutePlan>,
): FallbackControl<DeploymentPlan> {
  const raw = ctx.req.headers[FALLBACKS_HEADER];
  if (raw === undefined) return ROUTE_ORDER;
  const value = (Array.isArray(raw) ? raw.join(",") : raw).trim();
  if (value === "") return ROUTE_ORDER;
  if (value.toLowerCase() === "off") return OFF;
  const aliases = value
    .split(",")
    .map((a) => a.trim())
    .filter((a) => a !== "");
  if (aliases.length > MAX_FALLBACK_ALIASES) {
    throw new GatewayError(
      "invalid_request",
      `The ${FALLBACKS_HEADER} header names ${aliases.length} models; at most ${MAX_FALLBACK_ALIASES} are allowed.`,
    );
  }
  const allowed = ctx.key!.allowedModels;
  const list: RoutePlan[] = [];
  for (const alias of aliases) {
    const plan = routes.get(alias);
    if (plan === undefined) {
      throw new GatewayError(
        "invalid_request",
        `The ${FALLBACKS_HEADER} header names the model '${alias}', which does not exist in this workspace. Send 'off' or a comma-separated list of model names.`,
      );
    }
    if (allowed !== null && !allowed.has(alias)) {
      throw new GatewayError(
        "permission",
        `This API key is not allowed to use the model '${alias}' (named in the ${FALLBACKS_HEADER} header).`,
      );
    }
    if (alias !== ctx.model && !list.includes(plan)) list.push(plan);
  }
  return { kind: "list", routes: list };
}

const OFF: FallbackControl<DeploymentPlan> = Object.freeze({ kind: "off" });
