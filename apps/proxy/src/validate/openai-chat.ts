import {
  eachItem,
  objectOrAbsent,
  optionalObject,
  optionalObjects,
  optionalString,
  requiredObject,
  requiredString,
  under,
} from "./fields";
import { isObject, missing, wrongType, type Json, type ShapeIssue } from "./issue";

/**
 * The shape of an OpenAI chat.completions request, as the official SDK types it
 * (`ChatCompletionCreateParams`): messages, their content parts, tool calls and tools. Only
 * structure and types are checked; values (roles, part types, models) are the provider's to
 * judge, so unknown roles and part types pass — OpenAI-compatible providers add their own.
 */
export function checkOpenaiChat(body: Json): ShapeIssue | null {
  const messages = body.messages;
  return (
    (Array.isArray(messages) ? under("messages", eachItem(messages, checkMessage)) : null) ??
    optionalObjects(body, "tools", checkTool) ??
    optionalObjects(body, "functions", checkFunctionDefinition)
  );
}

function checkMessage(item: unknown): ShapeIssue | null {
  if (!isObject(item)) return wrongType(null, "an object", item);
  // named property reads (not obj[key] through a helper) keep the common path fast; the
  // helpers only run to look closer or to build the issue
  const role = item.role;
  if (typeof role !== "string") return requiredString(item, "role");
  if (role === "user" || role === "system" || role === "developer") {
    const content = item.content;
    if (typeof content === "string" && item.name === undefined) return null;
  }
  switch (role) {
    case "assistant":
      return (
        checkContent(item, false) ??
        optionalString(item, "name") ??
        optionalString(item, "refusal") ??
        optionalObjects(item, "tool_calls", checkToolCall) ??
        under("function_call", objectOrAbsent(item.function_call, checkFunctionCall)) ??
        optionalObject(item, "audio")
      );
    case "tool":
      return checkContent(item, true) ?? requiredString(item, "tool_call_id");
    case "function":
      return optionalString(item, "content") ?? requiredString(item, "name");
    default:
      return checkContent(item, true) ?? optionalString(item, "name");
  }
}

/** `content`: a string or an array of parts (assistant messages may omit it or send null). */
function checkContent(message: Json, required: boolean): ShapeIssue | null {
  const content = message.content;
  if (typeof content === "string") return null;
  if (Array.isArray(content)) return under("content", eachItem(content, checkPart));
  if (content === undefined || content === null) {
    if (!required) return null;
    return content === undefined
      ? missing("content")
      : wrongType("content", "a string or an array of content parts", content);
  }
  return wrongType("content", "a string or an array of content parts", content);
}

function checkPart(item: unknown): ShapeIssue | null {
  if (!isObject(item)) return wrongType(null, "an object", item);
  const type = item.type;
  if (typeof type !== "string") return requiredString(item, "type");
  switch (type) {
    case "text":
      return typeof item.text === "string" ? null : requiredString(item, "text");
    case "image_url": {
      // some OpenAI-compatible clients send the URL itself; the object form is the SDK's
      const image = item.image_url;
      if (typeof image === "string") return null;
      return (
        requiredObject(item, "image_url") ??
        under("image_url", requiredString(image as Json, "url"))
      );
    }
    case "input_audio":
      return (
        requiredObject(item, "input_audio") ??
        under(
          "input_audio",
          requiredString(item.input_audio as Json, "data") ??
            requiredString(item.input_audio as Json, "format"),
        )
      );
    case "file":
      return (
        requiredObject(item, "file") ??
        under(
          "file",
          optionalString(item.file as Json, "file_data") ??
            optionalString(item.file as Json, "file_id") ??
            optionalString(item.file as Json, "filename"),
        )
      );
    case "refusal":
      return requiredString(item, "refusal");
    default:
      return null;
  }
}

function checkToolCall(call: Json): ShapeIssue | null {
  return (
    optionalString(call, "id") ??
    optionalString(call, "type") ??
    under("function", objectOrAbsent(call.function, checkFunctionCall)) ??
    optionalObject(call, "custom")
  );
}

/** `{name, arguments}`: arguments is the JSON text the model produced, a string. */
function checkFunctionCall(fn: Json): ShapeIssue | null {
  return requiredString(fn, "name") ?? optionalString(fn, "arguments");
}

function checkTool(tool: Json): ShapeIssue | null {
  return (
    optionalString(tool, "type") ??
    under("function", objectOrAbsent(tool.function, checkFunctionDefinition)) ??
    optionalObject(tool, "custom")
  );
}

function checkFunctionDefinition(fn: Json): ShapeIssue | null {
  return (
    requiredString(fn, "name") ??
    optionalString(fn, "description") ??
    optionalObject(fn, "parameters")
  );
}
