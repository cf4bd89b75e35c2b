import type { Endpoint } from "@gatehouse/shared";
import type { WireFormat } from "./types";

/**
 * The upstream endpoint serving a client endpoint when the upstream speaks `upstreamFormat`,
 * or null when no translation exists (embeddings, completions and Responses have no Anthropic
 * counterpart; Anthropic's count_tokens has no OpenAI one).
 */
export function upstreamEndpointFor(
  clientEndpoint: Endpoint,
  upstreamFormat: WireFormat,
): Endpoint | null {
  if (upstreamFormat === "anthropic") {
    if (clientEndpoint === "chat.completions") return "messages";
    return clientEndpoint === "messages" || clientEndpoint === "messages.count_tokens"
      ? clientEndpoint
      : null;
  }
  if (clientEndpoint === "messages") return "chat.completions";
  return clientEndpoint === "messages.count_tokens" ? null : clientEndpoint;
}
