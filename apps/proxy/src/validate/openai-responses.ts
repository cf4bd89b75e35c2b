import { eachItem, optionalObjects, optionalString, requiredString, under } from "./fields";
import { isObject, missing, wrongType, type Json, type ShapeIssue } from "./issue";

/**
 * The shape of an OpenAI responses request, as the official SDK types it
 * (`ResponseCreateParams`): `input` as a string or a list of items — messages (easy and full
 * form) with their content parts, function calls and their outputs, reasoning items, item
 * references and the many tool-call items — plus `instructions` and `tools`. Items are checked
 * by the fields the SDK requires; item and part types this checker does not know pass.
 */
export function checkOpenaiResponses(body: Json): ShapeIssue | null {
  return (
    checkInput(body.input, "input") ??
    checkInput(body.instructions, "instructions") ??
    optionalObjects(body, "tools", (tool) => optionalString(tool, "type"))
  );
}

/** `input` (and `instructions`, which some clients send as items too): a string or items. */
function checkInput(input: unknown, key: string): ShapeIssue | null {
  if (input === undefined || input === null || typeof input === "string") return null;
  if (!Array.isArray(input)) return wrongType(key, "a string or an array of input items", input);
  return under(key, eachItem(input, checkItem));
}

function checkItem(item: unknown): ShapeIssue | null {
  if (!isObject(item)) return wrongType(null, "an object", item);
  const type = optionalString(item, "type");
  if (type !== null) return type;
  switch (item.type) {
    case undefined:
    case null:
    case "message":
      return requiredString(item, "role") ?? checkContent(item.content, "content");
    case "function_call":
      return (
        requiredString(item, "call_id") ??
        requiredString(item, "name") ??
        requiredString(item, "arguments")
      );
    case "function_call_output":
    case "custom_tool_call_output":
      return requiredString(item, "call_id") ?? checkContent(item.output, "output");
    case "custom_tool_call":
      return (
        requiredString(item, "call_id") ??
        requiredString(item, "name") ??
        requiredString(item, "input")
      );
    case "reasoning":
      return optionalObjects(item, "summary", (part) => optionalString(part, "text"));
    case "item_reference":
      return requiredString(item, "id");
    default:
      return null;
  }
}

/** A message's content or a tool output: a string or an array of content parts (required). */
function checkContent(content: unknown, key: string): ShapeIssue | null {
  if (typeof content === "string") return null;
  if (Array.isArray(content)) return under(key, eachItem(content, checkPart));
  if (content === undefined) return missing(key);
  return wrongType(key, "a string or an array of content parts", content);
}

function checkPart(item: unknown): ShapeIssue | null {
  if (!isObject(item)) return wrongType(null, "an object", item);
  const type = requiredString(item, "type");
  if (type !== null) return type;
  switch (item.type) {
    case "input_text":
    case "output_text":
      return requiredString(item, "text") ?? optionalObjects(item, "annotations");
    case "input_image":
      return optionalString(item, "image_url") ?? optionalString(item, "file_id");
    case "input_file":
      return (
        optionalString(item, "file_data") ??
        optionalString(item, "file_id") ??
        optionalString(item, "file_url") ??
        optionalString(item, "filename")
      );
    case "refusal":
      return requiredString(item, "refusal");
    default:
      return null;
  }
}
