import { GatewayError } from "../errors";
import type { RequestContext } from "./context";

/** The key may be restricted to some model aliases (403 otherwise). */
export function authorizeModel(ctx: RequestContext): void {
  const allowed = ctx.key!.allowedModels;
  if (allowed !== null && !allowed.has(ctx.model)) {
    throw new GatewayError(
      "permission",
      `This API key is not allowed to use the model '${ctx.model}'.`,
      "model",
    );
  }
}
