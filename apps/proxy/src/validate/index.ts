import type { Endpoint } from "@gatehouse/shared";
import { checkAnthropicMessages } from "./anthropic-messages";
import type { Json, ShapeIssue } from "./issue";
import { checkNesting } from "./nesting";
import { checkOpenaiChat } from "./openai-chat";
import { checkOpenaiResponses } from "./openai-responses";

/**
 * Checks the shape of a parsed request body before anything else reads it: nesting depth for
 * every endpoint (first, so the endpoint checkers' own recursion is bounded), then the messages,
 * content parts and tools of the endpoints that carry a conversation. Returns the first issue,
 * or null. Hand-written walkers: this runs on every request.
 */
export function checkRequestShape(endpoint: Endpoint, body: Json): ShapeIssue | null {
  const nesting = checkNesting(body);
  if (nesting !== null) return nesting;
  switch (endpoint) {
    case "chat.completions":
      return checkOpenaiChat(body);
    case "messages":
    case "messages.count_tokens":
      return checkAnthropicMessages(body);
    case "responses":
      return checkOpenaiResponses(body);
    case "completions":
    case "embeddings":
      return null;
  }
}

export { MAX_NESTING_DEPTH } from "./nesting";
export { MAX_ITEMS } from "./fields";
export type { ShapeIssue } from "./issue";
