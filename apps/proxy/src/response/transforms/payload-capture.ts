import type { ResponseTransform } from "../../translate/stream/chain-types";

/** Payload logging keeps at most this much of each body. */
export const PAYLOAD_LOG_MAX_CHARS = 32_768;

/**
 * Keeps the first PAYLOAD_LOG_MAX_CHARS of what the client received, for workspaces that log
 * payloads. It reads the output text only, so it never turns the byte pass-through off.
 */
export class PayloadCapture implements ResponseTransform {
  readonly needsContent = false;
  text = "";

  output(text: string | Buffer): void {
    const room = PAYLOAD_LOG_MAX_CHARS - this.text.length;
    if (room <= 0) return;
    this.text +=
      typeof text === "string"
        ? text.slice(0, room)
        : text.toString("utf8", 0, Math.min(text.length, room * 4)).slice(0, room);
  }
}
