import type { ResponseEvent } from "../../translate/events";
import type { EventSink, ResponseTransform } from "../../translate/stream/chain-types";
import type { TokenUsage } from "../../translate/types";

/**
 * Keeps the answer's usage as it passes: the latest usage event wins (providers report it
 * cumulatively; the chain sends a final one when the stream ends, however it ends). JSON
 * answers set it directly from the parsed or sniffed body.
 */
export class UsageAccounting implements ResponseTransform {
  readonly needsContent = false;
  usage: TokenUsage | null = null;

  event(event: ResponseEvent, next: EventSink): void {
    if (event.type === "usage") this.usage = event.usage;
    next(event);
  }
}
