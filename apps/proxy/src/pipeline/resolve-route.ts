import { pickDeployment } from "../config/workspace-plan";
import { GatewayError } from "../errors";
import { getAdapter } from "@gatehouse/shared/providers";
import type { RequestContext } from "./context";

/**
 * The model alias → its route → one deployment: lowest priority first, weighted random among
 * equal priority (404 for an alias the workspace does not have).
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
  ctx.deployment = deployment;
  const credential = deployment.credential;
  if (credential === null) {
    ctx.services.log.error("deployment has no usable credential", {
      workspaceId: ctx.workspace!.snapshot.workspaceId,
      deploymentId: deployment.deployment.id,
      problem: deployment.credentialProblem,
    });
    throw new GatewayError(
      "internal",
      `The provider credential of model '${ctx.model}' is not usable; contact the workspace admin.`,
    );
  }
  ctx.adapter = getAdapter(credential.provider);
}
