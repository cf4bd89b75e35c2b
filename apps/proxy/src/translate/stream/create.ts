import type { Endpoint } from "@gatehouse/shared";
import type { StreamTranslator, StreamTranslatorOptions, WireFormat } from "../types";
import { AnthropicPassthroughTranslator } from "./anthropic-passthrough";
import { AnthropicToOpenaiTranslator } from "./anthropic-to-openai";
import { OpenaiPassthroughTranslator } from "./openai-passthrough";
import { OpenaiToAnthropicTranslator } from "./openai-to-anthropic";
import { ResponsesPassthroughTranslator } from "./responses-passthrough";

/**
 * The translator for one streamed request. `endpoint` is the client's endpoint (for the
 * translating pairs either side's chat endpoint is accepted). Throws for a combination that
 * cannot stream (a bug in the caller, not a client error).
 */
export function createStreamTranslator(
  clientFormat: WireFormat,
  upstreamFormat: WireFormat,
  endpoint: Endpoint,
  options: StreamTranslatorOptions,
): StreamTranslator {
  if (clientFormat === "openai" && upstreamFormat === "openai") {
    // chat and legacy completions streams share a shape: choices, finish_reason, usage chunk
    if (endpoint === "chat.completions" || endpoint === "completions") {
      return new OpenaiPassthroughTranslator(!options.clientWantsUsage);
    }
    if (endpoint === "responses") return new ResponsesPassthroughTranslator();
  } else if (clientFormat === "anthropic" && upstreamFormat === "anthropic") {
    if (endpoint === "messages") return new AnthropicPassthroughTranslator();
  } else if (endpoint === "messages" || endpoint === "chat.completions") {
    return clientFormat === "openai"
      ? new AnthropicToOpenaiTranslator(options)
      : new OpenaiToAnthropicTranslator(options);
  }
  throw new Error(
    `no stream translator for ${clientFormat} client, ${upstreamFormat} upstream, endpoint ${endpoint}`,
  );
}
