import { GatewayErrorTypes, type GatewayErrorType, type WireFormat } from "@gatehouse/shared";

/**
 * The one error type the pipeline throws. `toWire` is the single place that turns it into a
 * response body; stages only pick a type and a message a user can act on.
 */
export class GatewayError extends Error {
  override readonly name = "GatewayError";
  readonly status: number;
  constructor(
    readonly type: GatewayErrorType,
    message: string,
    readonly param: string | null = null,
    /** response headers to add (e.g. retry-after) */
    readonly headers: Readonly<Record<string, string>> | null = null,
  ) {
    super(message);
    this.status = GatewayErrorTypes[type].status;
  }
}

/** The wire body for an error, in the client's format. */
export function errorBody(
  format: WireFormat,
  type: GatewayErrorType,
  message: string,
  param: string | null,
): string {
  const spec = GatewayErrorTypes[type];
  if (format === "anthropic") {
    return JSON.stringify({ type: "error", error: { type: spec.anthropicType, message } });
  }
  return JSON.stringify({ error: { message, type: spec.openaiType, param, code: type } });
}
