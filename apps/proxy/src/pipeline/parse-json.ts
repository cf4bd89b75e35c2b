import { GatewayError } from "../errors";
import type { RequestContext } from "./context";

/** Parses the body as a JSON object (400 otherwise). */
export function parseJson(ctx: RequestContext): void {
  const raw = ctx.rawBody;
  let value: unknown;
  try {
    value = JSON.parse(raw === null ? "" : raw.toString("utf8"));
  } catch {
    throw new GatewayError(
      "invalid_request",
      "The request body is not valid JSON. Send a JSON object with Content-Type: application/json.",
    );
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new GatewayError("invalid_request", "The request body must be a JSON object.");
  }
  ctx.body = value as Record<string, unknown>;
}
