import type { Endpoint } from "@gatehouse/shared";
import type { StreamTranslatorOptions, WireFormat } from "../types";
import { AnthropicPassthroughTranslator } from "./anthropic-passthrough";
import { AnthropicStreamParser } from "./anthropic-parser";
import { AnthropicSerialiser } from "./anthropic-serialiser";
import { EditingChain, PassthroughChain, TranslatingChain, type ResponseChain } from "./chain";
import { AnthropicDeltaEditor, OpenaiChatDeltaEditor } from "./delta-editors";
import type { ResponseTransform, StreamParser, StreamSerialiser } from "./chain-types";
import { OpenaiChatStreamParser } from "./openai-chat-parser";
import { OpenaiChatSerialiser } from "./openai-chat-serialiser";
import { OpenaiPassthroughTranslator } from "./openai-passthrough";
import { ResponsesPassthroughTranslator } from "./responses-passthrough";

const CHAT_ENDPOINTS: ReadonlySet<Endpoint> = new Set<Endpoint>(["chat.completions", "messages"]);

/**
 * The response chain for one streamed request. `endpoint` is the client's endpoint (for the
 * translating pairs either side's chat endpoint is accepted). When the formats match and no
 * transform needs the content, the upstream's bytes go out untouched and only usage is
 * sniffed; when one does, the upstream's events still go out as they came except the content
 * deltas (EditingChain); otherwise the stream is parsed into typed events and serialised for
 * the client.
 * Throws for a combination that cannot stream (a bug in the caller, not a client error).
 */
export function createResponseChain(
  clientFormat: WireFormat,
  upstreamFormat: WireFormat,
  endpoint: Endpoint,
  options: StreamTranslatorOptions,
  transforms: readonly ResponseTransform[] = [],
): ResponseChain {
  const needsContent = transforms.some((t) => t.needsContent);
  if (clientFormat === upstreamFormat && needsContent) {
    // the upstream's events as they came, its content deltas through the transforms
    if (clientFormat === "openai" && endpoint === "chat.completions") {
      return new EditingChain(
        new OpenaiPassthroughTranslator(!options.clientWantsUsage),
        new OpenaiChatStreamParser(),
        new OpenaiChatDeltaEditor(),
        transforms,
      );
    }
    if (clientFormat === "anthropic" && endpoint === "messages") {
      return new EditingChain(
        new AnthropicPassthroughTranslator(),
        new AnthropicStreamParser(),
        new AnthropicDeltaEditor(),
        transforms,
      );
    }
  } else if (clientFormat === upstreamFormat) {
    if (clientFormat === "openai") {
      // chat and legacy completions streams share a shape: choices, finish_reason, usage chunk
      if (endpoint === "chat.completions" || endpoint === "completions")
        return new PassthroughChain(
          new OpenaiPassthroughTranslator(!options.clientWantsUsage),
          transforms,
        );
      if (endpoint === "responses")
        return new PassthroughChain(new ResponsesPassthroughTranslator(), transforms);
    } else if (endpoint === "messages") {
      return new PassthroughChain(new AnthropicPassthroughTranslator(), transforms);
    }
  } else if (CHAT_ENDPOINTS.has(endpoint)) {
    return new TranslatingChain(
      parserFor(upstreamFormat),
      transforms,
      serialiserFor(clientFormat, options),
    );
  }
  throw new Error(
    `no stream translator (response chain) for ${clientFormat} client, ${upstreamFormat} upstream, endpoint ${endpoint}` +
      (needsContent ? " with a content transform" : ""),
  );
}

/** The chain without transforms (what the translator tests exercise). */
export function createStreamTranslator(
  clientFormat: WireFormat,
  upstreamFormat: WireFormat,
  endpoint: Endpoint,
  options: StreamTranslatorOptions,
): ResponseChain {
  return createResponseChain(clientFormat, upstreamFormat, endpoint, options);
}

function parserFor(format: WireFormat): StreamParser {
  return format === "anthropic" ? new AnthropicStreamParser() : new OpenaiChatStreamParser();
}

function serialiserFor(format: WireFormat, options: StreamTranslatorOptions): StreamSerialiser {
  return format === "anthropic"
    ? new AnthropicSerialiser(options)
    : new OpenaiChatSerialiser(options);
}
