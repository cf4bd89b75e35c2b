import {
  eachItem,
  optionalBoolean,
  optionalObject,
  optionalObjects,
  optionalString,
  requiredObject,
  requiredString,
  under,
} from "./fields";
import { isObject, missing, wrongType, type Json, type ShapeIssue } from "./issue";

/**
 * The shape of an Anthropic messages (and count_tokens) request, as the official SDK types it
 * (`MessageCreateParams`): system, messages, their content blocks — text, image, document,
 * search_result, thinking, redacted_thinking, tool_use, tool_result (with its own blocks),
 * server tool blocks — and tools. Structure and types only: unknown roles and block types pass
 * (new server tools appear often), and values are the provider's to judge.
 */
export function checkAnthropicMessages(body: Json): ShapeIssue | null {
  const messages = body.messages;
  return (
    (Array.isArray(messages) ? under("messages", eachItem(messages, checkMessage)) : null) ??
    checkSystem(body.system) ??
    optionalObjects(body, "tools", checkTool)
  );
}

function checkSystem(system: unknown): ShapeIssue | null {
  if (system === undefined || system === null || typeof system === "string") return null;
  if (!Array.isArray(system))
    return wrongType("system", "a string or an array of text blocks", system);
  return under("system", eachItem(system, checkBlock));
}

function checkMessage(item: unknown): ShapeIssue | null {
  if (!isObject(item)) return wrongType(null, "an object", item);
  return requiredString(item, "role") ?? checkContent(item.content, "content");
}

/** A string or an array of content blocks (required). */
function checkContent(content: unknown, key: string): ShapeIssue | null {
  if (typeof content === "string") return null;
  if (Array.isArray(content)) return under(key, eachItem(content, checkBlock));
  if (content === undefined) return missing(key);
  return wrongType(key, "a string or an array of content blocks", content);
}

function checkBlock(item: unknown): ShapeIssue | null {
  if (!isObject(item)) return wrongType(null, "an object", item);
  const common = requiredString(item, "type") ?? optionalObject(item, "cache_control");
  if (common !== null) return common;
  switch (item.type) {
    case "text":
      return requiredString(item, "text") ?? optionalObjects(item, "citations");
    case "image":
      return under("source", requiredSource(item));
    case "document":
      return (
        under("source", requiredSource(item)) ??
        optionalString(item, "title") ??
        optionalString(item, "context") ??
        optionalObject(item, "citations")
      );
    case "search_result":
      return (
        requiredString(item, "source") ??
        requiredString(item, "title") ??
        requiredBlocks(item, "content")
      );
    case "thinking":
      return requiredString(item, "thinking") ?? requiredString(item, "signature");
    case "redacted_thinking":
      return requiredString(item, "data");
    case "tool_use":
    case "server_tool_use":
      return (
        requiredString(item, "id") ?? requiredString(item, "name") ?? requiredObject(item, "input")
      );
    case "tool_result":
      return (
        requiredString(item, "tool_use_id") ??
        optionalBoolean(item, "is_error") ??
        (item.content === undefined ? null : checkContent(item.content, "content"))
      );
    case "container_upload":
      return requiredString(item, "file_id");
    default:
      return null;
  }
}

function requiredBlocks(item: Json, key: string): ShapeIssue | null {
  const value = item[key];
  if (Array.isArray(value)) return under(key, eachItem(value, checkBlock));
  return value === undefined ? missing(key) : wrongType(key, "an array of content blocks", value);
}

/** image and document sources: base64 / text (`data`), url, file (`file_id`), content (blocks). */
function requiredSource(block: Json): ShapeIssue | null {
  const source = block.source;
  if (!isObject(source)) {
    return source === undefined ? missing(null) : wrongType(null, "an object", source);
  }
  const type = requiredString(source, "type");
  if (type !== null) return type;
  switch (source.type) {
    case "base64":
    case "text":
      return requiredString(source, "data") ?? optionalString(source, "media_type");
    case "url":
      return requiredString(source, "url");
    case "file":
      return requiredString(source, "file_id");
    case "content":
      return checkContent(source.content, "content");
    default:
      return null;
  }
}

function checkTool(tool: Json): ShapeIssue | null {
  // custom tools (no type, or "custom") carry a name and an input schema; server tools
  // (web_search_…, bash_…, …) have their own fields
  if (tool.type === undefined || tool.type === null || tool.type === "custom") {
    return (
      requiredString(tool, "name") ??
      optionalString(tool, "description") ??
      requiredObject(tool, "input_schema")
    );
  }
  return requiredString(tool, "type") ?? optionalObject(tool, "cache_control");
}
