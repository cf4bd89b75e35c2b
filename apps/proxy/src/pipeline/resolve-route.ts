import { pickDeployment } from "../config/workspace-plan";
import { GatewayError } from "../errors";
import type { RequestContext } from "./context";

/**
 * The model alias → its route → the candidate deployments the attempt loop will try, in
 * order. Today one: the lowest priority first, weighted random among equal priority (the
 * routing issue adds the fallbacks after it). 404 for an alias the workspace does not have.
 * The first candidate is the request's deployment for the limits stage (its price).
 */
export function resolveRoute(ctx: RequestContext): void {
  const route = ctx.workspace!.routes.get(ctx.model);
  if (route === undefined) {
    throw new GatewayError(
      "not_found",
      `The model '${ctx.model}' does not exist in this workspace.`,
      "model",
    );
  }
  const deployment = pickDeployment(route);
  ctx.route = route;
  ctx.candidates = [deployment];
  ctx.deployment = deployment;
}
