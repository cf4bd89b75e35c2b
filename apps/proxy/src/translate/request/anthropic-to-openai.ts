import { TranslationError } from "../errors";
import { isRecord, type JsonObject } from "../guards";

/**
 * An Anthropic messages request as an OpenAI chat.completions request.
 *
 * - `system` → one system message per text block (a string stays one message);
 * - a user turn's `tool_result` blocks → `tool` messages placed before the rest of that turn
 *   (OpenAI wants them right after the assistant's tool_calls);
 * - assistant `tool_use` → `tool_calls` (input JSON-stringified); `thinking` blocks are dropped
 *   (no OpenAI request field carries them back);
 * - `max_tokens` stays `max_tokens` (some OpenAI reasoning models only accept
 *   `max_completion_tokens`; the server may rename it per deployment);
 * - `stream_options` is not added: the server asks for stream usage per adapter.
 * - dropped: `top_k`, `thinking`, `cache_control`, `service_tier`, `tool_result.is_error`.
 */
export function anthropicToOpenaiChat(body: JsonObject, upstreamModel: string): JsonObject {
  const messages: JsonObject[] = [];
  addSystem(messages, body.system);

  const input = body.messages;
  if (!Array.isArray(input)) throw new TranslationError("messages must be an array", "messages");
  for (let i = 0; i < input.length; i++) {
    const message: unknown = input[i];
    if (!isRecord(message))
      throw new TranslationError(`messages.${i} must be an object`, `messages.${i}`);
    if (message.role === "user") addUser(messages, message.content, `messages.${i}.content`);
    else if (message.role === "assistant")
      messages.push(assistantMessage(message.content, `messages.${i}.content`));
    else
      throw new TranslationError(
        `messages.${i}.role must be "user" or "assistant"`,
        `messages.${i}.role`,
      );
  }

  const out: JsonObject = { model: upstreamModel, messages };
  if (typeof body.max_tokens === "number") out.max_tokens = body.max_tokens;

  const tools = body.tools;
  const hasTools = Array.isArray(tools) && tools.length > 0;
  if (hasTools) out.tools = tools.map(toolDefinition);
  if (isRecord(body.tool_choice)) {
    const choice = toolChoiceFor(body.tool_choice);
    if (choice !== undefined) out.tool_choice = choice;
    if (body.tool_choice.disable_parallel_tool_use === true && hasTools)
      out.parallel_tool_calls = false;
  } else if (body.tool_choice !== undefined && body.tool_choice !== null) {
    throw new TranslationError("tool_choice must be an object", "tool_choice");
  }

  if (Array.isArray(body.stop_sequences) && body.stop_sequences.length > 0)
    out.stop = body.stop_sequences;
  if (typeof body.temperature === "number") out.temperature = body.temperature;
  if (typeof body.top_p === "number") out.top_p = body.top_p;
  if (body.stream === true) out.stream = true;
  const metadata = body.metadata;
  if (isRecord(metadata) && typeof metadata.user_id === "string" && metadata.user_id !== "")
    out.user = metadata.user_id;
  return out;
}

function addSystem(messages: JsonObject[], system: unknown): void {
  if (system === undefined || system === null) return;
  if (typeof system === "string") {
    if (system !== "") messages.push({ role: "system", content: system });
    return;
  }
  if (!Array.isArray(system))
    throw new TranslationError("system must be a string or an array of text blocks", "system");
  for (let j = 0; j < system.length; j++) {
    const block: unknown = system[j];
    if (!isRecord(block) || block.type !== "text" || typeof block.text !== "string") {
      throw new TranslationError(`system.${j} must be a text block`, `system.${j}`);
    }
    if (block.text !== "") messages.push({ role: "system", content: block.text });
  }
}

function addUser(messages: JsonObject[], content: unknown, path: string): void {
  if (typeof content === "string") {
    messages.push({ role: "user", content });
    return;
  }
  if (!Array.isArray(content))
    throw new TranslationError(`${path} must be a string or an array of content blocks`, path);
  const parts: JsonObject[] = [];
  for (let j = 0; j < content.length; j++) {
    const block: unknown = content[j];
    const blockPath = `${path}.${j}`;
    if (!isRecord(block))
      throw new TranslationError(`${blockPath} must be a content block`, blockPath);
    if (block.type === "tool_result") messages.push(toolMessage(block, blockPath));
    else parts.push(userPart(block, blockPath));
  }
  if (parts.length === 0) return;
  const only = parts.length === 1 ? parts[0]! : undefined;
  messages.push({
    role: "user",
    content: only !== undefined && only.type === "text" ? only.text : parts,
  });
}

function userPart(block: JsonObject, path: string): JsonObject {
  switch (block.type) {
    case "text":
      if (typeof block.text !== "string")
        throw new TranslationError(`${path}.text must be a string`, `${path}.text`);
      return { type: "text", text: block.text };
    case "image":
      return { type: "image_url", image_url: { url: imageUrl(block.source, `${path}.source`) } };
    case "document": {
      const source = block.source;
      if (
        !isRecord(source) ||
        source.type !== "base64" ||
        typeof source.data !== "string" ||
        typeof source.media_type !== "string"
      ) {
        throw new TranslationError(
          `${path}: only base64 documents can be sent to OpenAI-format models`,
          path,
        );
      }
      const file: JsonObject = { file_data: `data:${source.media_type};base64,${source.data}` };
      if (typeof block.title === "string") file.filename = block.title;
      return { type: "file", file };
    }
    default:
      throw new TranslationError(
        `${path}: block type ${JSON.stringify(block.type)} is not supported by OpenAI-format models`,
        path,
      );
  }
}

function imageUrl(source: unknown, path: string): string {
  if (isRecord(source)) {
    if (
      source.type === "base64" &&
      typeof source.data === "string" &&
      typeof source.media_type === "string"
    ) {
      return `data:${source.media_type};base64,${source.data}`;
    }
    if (source.type === "url" && typeof source.url === "string") return source.url;
  }
  throw new TranslationError(`${path} must be a base64 or url image source`, path);
}

function toolMessage(block: JsonObject, path: string): JsonObject {
  if (typeof block.tool_use_id !== "string")
    throw new TranslationError(`${path}.tool_use_id must be a string`, `${path}.tool_use_id`);
  const content = block.content;
  let text: unknown;
  if (content === undefined || content === null) text = "";
  else if (typeof content === "string") text = content;
  else if (Array.isArray(content)) {
    text = content.map((part: unknown, k) => {
      if (!isRecord(part) || part.type !== "text" || typeof part.text !== "string") {
        // OpenAI tool messages carry text only
        throw new TranslationError(
          `${path}.content.${k}: only text can be returned from a tool to an OpenAI-format model`,
          `${path}.content.${k}`,
        );
      }
      return { type: "text", text: part.text };
    });
  } else
    throw new TranslationError(
      `${path}.content must be a string or an array of blocks`,
      `${path}.content`,
    );
  return { role: "tool", tool_call_id: block.tool_use_id, content: text };
}

function assistantMessage(content: unknown, path: string): JsonObject {
  if (typeof content === "string") return { role: "assistant", content };
  if (!Array.isArray(content))
    throw new TranslationError(`${path} must be a string or an array of content blocks`, path);
  let text = "";
  const toolCalls: JsonObject[] = [];
  for (let j = 0; j < content.length; j++) {
    const block: unknown = content[j];
    const blockPath = `${path}.${j}`;
    if (!isRecord(block))
      throw new TranslationError(`${blockPath} must be a content block`, blockPath);
    switch (block.type) {
      case "text":
        if (typeof block.text !== "string")
          throw new TranslationError(`${blockPath}.text must be a string`, `${blockPath}.text`);
        text += block.text;
        break;
      case "tool_use":
        if (typeof block.id !== "string" || typeof block.name !== "string") {
          throw new TranslationError(`${blockPath} must have an id and a name`, blockPath);
        }
        toolCalls.push({
          id: block.id,
          type: "function",
          function: { name: block.name, arguments: JSON.stringify(block.input ?? {}) },
        });
        break;
      case "thinking":
      case "redacted_thinking":
        break;
      default:
        throw new TranslationError(
          `${blockPath}: block type ${JSON.stringify(block.type)} is not supported by OpenAI-format models`,
          blockPath,
        );
    }
  }
  const message: JsonObject = {
    role: "assistant",
    content: text === "" && toolCalls.length > 0 ? null : text,
  };
  if (toolCalls.length > 0) message.tool_calls = toolCalls;
  return message;
}

function toolDefinition(tool: unknown, j: number): JsonObject {
  const path = `tools.${j}`;
  if (!isRecord(tool) || typeof tool.name !== "string")
    throw new TranslationError(`${path} must have a name`, path);
  if (tool.type !== undefined && tool.type !== null && tool.type !== "custom") {
    throw new TranslationError(
      `${path}: Anthropic server tool ${JSON.stringify(tool.type)} is not available on OpenAI-format models`,
      path,
    );
  }
  const fn: JsonObject = { name: tool.name };
  if (typeof tool.description === "string") fn.description = tool.description;
  fn.parameters = isRecord(tool.input_schema)
    ? tool.input_schema
    : { type: "object", properties: {} };
  return { type: "function", function: fn };
}

function toolChoiceFor(choice: JsonObject): unknown {
  switch (choice.type) {
    case "auto":
      return "auto";
    case "none":
      return "none";
    case "any":
      return "required";
    case "tool":
      if (typeof choice.name !== "string")
        throw new TranslationError("tool_choice.name must be a string", "tool_choice.name");
      return { type: "function", function: { name: choice.name } };
    default:
      throw new TranslationError(
        'tool_choice.type must be "auto", "any", "tool" or "none"',
        "tool_choice.type",
      );
  }
}
