import type { JsonObject } from "../guards";
import { parseAnthropicMessage, serialiseAnthropicMessage } from "./anthropic-message";
import { parseOpenaiChatCompletion, serialiseOpenaiChatCompletion } from "./openai-chat";

/** An Anthropic message (non-streaming answer) as an OpenAI chat.completion. */
export function anthropicMessageToOpenaiChat(message: JsonObject, clientModel: string): JsonObject {
  return serialiseOpenaiChatCompletion(parseAnthropicMessage(message), clientModel);
}

/** An OpenAI chat.completion as an Anthropic message. */
export function openaiChatToAnthropicMessage(
  completion: JsonObject,
  clientModel: string,
): JsonObject {
  return serialiseAnthropicMessage(parseOpenaiChatCompletion(completion), clientModel);
}
