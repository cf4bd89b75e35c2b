export type { StreamTranslator, StreamTranslatorOptions, TokenUsage, WireFormat } from "./types";
export { TranslationError, translateErrorBody } from "./errors";
export { upstreamEndpointFor } from "./endpoints";
export {
  openaiChatToAnthropic,
  type AnthropicRequestDefaults,
} from "./request/openai-to-anthropic";
export { anthropicToOpenaiChat } from "./request/anthropic-to-openai";
export { anthropicMessageToOpenaiChat, openaiChatToAnthropicMessage } from "./response/messages";
export { parseAnthropicMessage, serialiseAnthropicMessage } from "./response/anthropic-message";
export { parseOpenaiChatCompletion, serialiseOpenaiChatCompletion } from "./response/openai-chat";
export {
  usageFromAnthropicJson,
  usageFromAnthropicUsage,
  usageFromOpenaiAnyJson,
  usageFromOpenaiJson,
  usageFromOpenaiUsage,
} from "./usage";
export { createStreamTranslator } from "./stream/create";
export { createSseSplitter, type SseSplitter } from "./sse";
