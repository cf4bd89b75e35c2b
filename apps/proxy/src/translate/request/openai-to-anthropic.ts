import { TranslationError } from "../errors";
import { isRecord, type JsonObject } from "../guards";

export interface AnthropicRequestDefaults {
  /** max_tokens when the client sent neither max_tokens nor max_completion_tokens (Anthropic requires one) */
  maxTokens: number;
}

type Block = JsonObject;
interface Turn {
  role: "user" | "assistant";
  content: Block[];
}

/**
 * An OpenAI chat.completions request as an Anthropic messages request.
 *
 * - system/developer messages (wherever they appear) → `system` (a string, or text blocks when
 *   there are several or one carries `cache_control`);
 * - consecutive turns of one role are merged (Anthropic requires alternation); `tool` messages
 *   become `tool_result` blocks of a user turn;
 * - parameters with no Anthropic equivalent are dropped when harmless (presence/frequency
 *   penalty, seed, logit_bias, stream_options, store, metadata, n=1, logprobs=false, ...) and
 *   rejected with a TranslationError when dropping them would change what the client gets
 *   back (n > 1, logprobs, JSON response formats, audio, legacy functions).
 */
export function openaiChatToAnthropic(
  body: JsonObject,
  upstreamModel: string,
  defaults: AnthropicRequestDefaults,
): JsonObject {
  rejectUnsupported(body);
  const messages = body.messages;
  if (!Array.isArray(messages)) throw new TranslationError("messages must be an array", "messages");

  const system: Block[] = [];
  const turns: Turn[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i];
    if (!isRecord(message))
      throw new TranslationError(`messages[${i}] must be an object`, `messages[${i}]`);
    switch (message.role) {
      case "system":
      case "developer":
        system.push(...textBlocks(message.content, `messages[${i}].content`));
        break;
      case "user":
        addTurn(turns, "user", userBlocks(message.content, `messages[${i}].content`));
        break;
      case "assistant":
        addTurn(turns, "assistant", assistantBlocks(message, i));
        break;
      case "tool":
        addTurn(turns, "user", [toolResultBlock(message, i)]);
        break;
      default:
        throw new TranslationError(
          `messages[${i}].role ${JSON.stringify(message.role)} cannot be sent to an Anthropic model`,
          `messages[${i}].role`,
        );
    }
  }

  const out: JsonObject = { model: upstreamModel, max_tokens: maxTokens(body, defaults) };
  if (system.length > 0)
    out.system =
      system.length === 1 && system[0]!.cache_control === undefined ? system[0]!.text : system;
  out.messages = turns.map(turnToMessage);

  const tools = body.tools;
  const hasTools = Array.isArray(tools) && tools.length > 0;
  if (hasTools) out.tools = tools.map(toolDefinition);
  const toolChoice = toolChoiceFor(body.tool_choice, hasTools);
  if (toolChoice !== undefined) out.tool_choice = toolChoice;
  if (body.parallel_tool_calls === false && hasTools) {
    const choice = (out.tool_choice ?? { type: "auto" }) as JsonObject;
    if (choice.type !== "none") out.tool_choice = { ...choice, disable_parallel_tool_use: true };
  }

  const stop = stopSequences(body.stop);
  if (stop !== undefined) out.stop_sequences = stop;
  if (typeof body.temperature === "number") out.temperature = body.temperature;
  if (typeof body.top_p === "number") out.top_p = body.top_p;
  // Anthropic-only knobs an OpenAI SDK user can pass through `extra_body`
  if (typeof body.top_k === "number") out.top_k = body.top_k;
  if (isRecord(body.thinking)) out.thinking = body.thinking;
  if (body.stream === true) out.stream = true;
  if (typeof body.user === "string" && body.user !== "") out.metadata = { user_id: body.user };
  return out;
}

function rejectUnsupported(body: JsonObject): void {
  if (body.n !== undefined && body.n !== null && body.n !== 1) {
    throw new TranslationError(
      "n > 1 is not supported by Anthropic models: send one request per choice",
      "n",
    );
  }
  if (body.logprobs === true)
    throw new TranslationError("logprobs are not available from Anthropic models", "logprobs");
  const format = body.response_format;
  if (isRecord(format) && format.type !== "text") {
    throw new TranslationError(
      `response_format ${JSON.stringify(format.type)} is not supported by Anthropic models; describe the JSON shape in the prompt or use a tool`,
      "response_format",
    );
  }
  if (body.audio !== undefined && body.audio !== null) {
    throw new TranslationError("audio output is not supported by Anthropic models", "audio");
  }
  if (body.functions !== undefined || body.function_call !== undefined) {
    throw new TranslationError(
      "the legacy functions/function_call parameters are not supported for Anthropic models: use tools/tool_choice",
      body.functions !== undefined ? "functions" : "function_call",
    );
  }
}

function maxTokens(body: JsonObject, defaults: AnthropicRequestDefaults): number {
  const value = body.max_completion_tokens ?? body.max_tokens;
  if (value === undefined || value === null) return defaults.maxTokens;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
    throw new TranslationError(
      "max_tokens must be a positive integer",
      body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens",
    );
  }
  return value;
}

function addTurn(turns: Turn[], role: Turn["role"], blocks: Block[]): void {
  if (blocks.length === 0) return;
  const last = turns[turns.length - 1];
  if (last !== undefined && last.role === role) last.content.push(...blocks);
  else turns.push({ role, content: blocks });
}

/** A lone plain text block goes out as a string: smaller and what Anthropic's own docs send. */
function turnToMessage(turn: Turn): JsonObject {
  const only = turn.content.length === 1 ? turn.content[0]! : undefined;
  if (only !== undefined && only.type === "text" && only.cache_control === undefined) {
    return { role: turn.role, content: only.text };
  }
  return { role: turn.role, content: turn.content };
}

function textBlock(text: string, part?: JsonObject): Block {
  // cache_control is not OpenAI's, but clients aiming at Claude through an OpenAI SDK send it
  return part !== undefined && part.cache_control !== undefined
    ? { type: "text", text, cache_control: part.cache_control }
    : { type: "text", text };
}

/** system/developer content: a string or text parts. */
function textBlocks(content: unknown, path: string): Block[] {
  if (typeof content === "string") return content === "" ? [] : [textBlock(content)];
  if (!Array.isArray(content))
    throw new TranslationError(`${path} must be a string or an array of text parts`, path);
  const blocks: Block[] = [];
  for (let j = 0; j < content.length; j++) {
    const part: unknown = content[j];
    if (!isRecord(part) || part.type !== "text" || typeof part.text !== "string") {
      throw new TranslationError(`${path}[${j}] must be a text part`, `${path}[${j}]`);
    }
    if (part.text !== "") blocks.push(textBlock(part.text, part));
  }
  return blocks;
}

function userBlocks(content: unknown, path: string): Block[] {
  if (typeof content === "string") return [textBlock(content)];
  if (!Array.isArray(content))
    throw new TranslationError(`${path} must be a string or an array of content parts`, path);
  const blocks: Block[] = [];
  for (let j = 0; j < content.length; j++) blocks.push(userPart(content[j], `${path}[${j}]`));
  return blocks;
}

function userPart(part: unknown, path: string): Block {
  if (!isRecord(part)) throw new TranslationError(`${path} must be a content part object`, path);
  switch (part.type) {
    case "text":
      if (typeof part.text !== "string")
        throw new TranslationError(`${path}.text must be a string`, `${path}.text`);
      return textBlock(part.text, part);
    case "image_url": {
      const image = part.image_url;
      const url = typeof image === "string" ? image : isRecord(image) ? image.url : undefined;
      if (typeof url !== "string")
        throw new TranslationError(`${path}.image_url.url must be a string`, `${path}.image_url`);
      return withCacheControl(
        { type: "image", source: imageSource(url, `${path}.image_url.url`) },
        part,
      );
    }
    case "file": {
      const file = part.file;
      const data = isRecord(file) ? file.file_data : undefined;
      if (typeof data !== "string") {
        throw new TranslationError(
          `${path}: only inline files (file.file_data) can be sent to Anthropic models`,
          path,
        );
      }
      const parsed = parseDataUrl(data);
      if (parsed === null || parsed.mediaType !== "application/pdf") {
        throw new TranslationError(
          `${path}.file.file_data must be a base64 PDF data URL for Anthropic models`,
          path,
        );
      }
      return withCacheControl(
        {
          type: "document",
          source: { type: "base64", media_type: parsed.mediaType, data: parsed.data },
        },
        part,
      );
    }
    default:
      throw new TranslationError(
        `${path}: content part type ${JSON.stringify(part.type)} is not supported by Anthropic models`,
        path,
      );
  }
}

function withCacheControl(block: Block, part: JsonObject): Block {
  if (part.cache_control !== undefined) block.cache_control = part.cache_control;
  return block;
}

function imageSource(url: string, path: string): JsonObject {
  if (url.startsWith("data:")) {
    const parsed = parseDataUrl(url);
    if (parsed === null)
      throw new TranslationError(
        `${path} must be a base64 data URL (data:<type>;base64,...)`,
        path,
      );
    return { type: "base64", media_type: parsed.mediaType, data: parsed.data };
  }
  if (url.startsWith("https://") || url.startsWith("http://")) return { type: "url", url };
  throw new TranslationError(`${path} must be an http(s) URL or a base64 data URL`, path);
}

/** `data:image/png;base64,AAAA` → { mediaType, data }, without a regex over a large payload. */
function parseDataUrl(url: string): { mediaType: string; data: string } | null {
  const comma = url.indexOf(",");
  if (!url.startsWith("data:") || comma === -1) return null;
  const header = url.slice(5, comma);
  if (!header.endsWith(";base64")) return null;
  const semicolon = header.indexOf(";");
  const mediaType = header.slice(0, semicolon);
  if (mediaType === "") return null;
  return { mediaType, data: url.slice(comma + 1) };
}

function assistantBlocks(message: JsonObject, i: number): Block[] {
  const path = `messages[${i}]`;
  if (message.function_call !== undefined && message.function_call !== null) {
    throw new TranslationError(
      `${path}.function_call (legacy functions) is not supported: use tool_calls`,
      `${path}.function_call`,
    );
  }
  const blocks: Block[] = [];
  const content = message.content;
  if (typeof content === "string") {
    // Anthropic rejects empty text blocks; an empty assistant text carries no meaning
    if (content !== "") blocks.push(textBlock(content));
  } else if (Array.isArray(content)) {
    for (let j = 0; j < content.length; j++) {
      const part: unknown = content[j];
      const text = isRecord(part)
        ? part.type === "refusal"
          ? part.refusal
          : part.type === "text"
            ? part.text
            : undefined
        : undefined;
      if (typeof text !== "string") {
        throw new TranslationError(
          `${path}.content[${j}] must be a text or refusal part`,
          `${path}.content[${j}]`,
        );
      }
      if (text !== "") blocks.push(textBlock(text, part as JsonObject));
    }
  } else if (content !== undefined && content !== null) {
    throw new TranslationError(
      `${path}.content must be a string, an array of text parts or null`,
      `${path}.content`,
    );
  }

  const toolCalls = message.tool_calls;
  if (Array.isArray(toolCalls)) {
    for (let j = 0; j < toolCalls.length; j++)
      blocks.push(toolUseBlock(toolCalls[j], `${path}.tool_calls[${j}]`));
  }
  return blocks;
}

function toolUseBlock(call: unknown, path: string): Block {
  const fn = isRecord(call) ? call.function : undefined;
  if (
    !isRecord(call) ||
    typeof call.id !== "string" ||
    !isRecord(fn) ||
    typeof fn.name !== "string"
  ) {
    throw new TranslationError(`${path} must have an id and a function name`, path);
  }
  return {
    type: "tool_use",
    id: call.id,
    name: fn.name,
    input: toolArguments(fn.arguments, `${path}.function.arguments`),
  };
}

function toolArguments(raw: unknown, path: string): JsonObject {
  if (raw === undefined || raw === null || raw === "") return {};
  if (isRecord(raw)) return raw;
  if (typeof raw !== "string") throw new TranslationError(`${path} must be a JSON string`, path);
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new TranslationError(
      `${path} is not valid JSON; Anthropic needs tool-call arguments as a JSON object`,
      path,
    );
  }
  if (!isRecord(parsed))
    throw new TranslationError(`${path} must be a JSON object for Anthropic models`, path);
  return parsed;
}

function toolResultBlock(message: JsonObject, i: number): Block {
  const path = `messages[${i}]`;
  if (typeof message.tool_call_id !== "string") {
    throw new TranslationError(`${path}.tool_call_id must be a string`, `${path}.tool_call_id`);
  }
  const content = message.content;
  const block: Block = { type: "tool_result", tool_use_id: message.tool_call_id };
  if (typeof content === "string") block.content = content;
  else if (Array.isArray(content)) block.content = userBlocks(content, `${path}.content`);
  else if (content !== undefined && content !== null) {
    throw new TranslationError(
      `${path}.content must be a string or an array of content parts`,
      `${path}.content`,
    );
  }
  return block;
}

function toolDefinition(tool: unknown, j: number): JsonObject {
  const path = `tools[${j}]`;
  const fn = isRecord(tool) ? tool.function : undefined;
  if (!isRecord(tool) || tool.type !== "function" || !isRecord(fn) || typeof fn.name !== "string") {
    throw new TranslationError(
      `${path} must be a function tool with a name (other tool types cannot be sent to Anthropic models)`,
      path,
    );
  }
  const out: JsonObject = { name: fn.name };
  if (typeof fn.description === "string") out.description = fn.description;
  out.input_schema = isRecord(fn.parameters) ? fn.parameters : { type: "object", properties: {} };
  if (tool.cache_control !== undefined) out.cache_control = tool.cache_control;
  return out;
}

function toolChoiceFor(choice: unknown, hasTools: boolean): JsonObject | undefined {
  if (choice === undefined || choice === null) return undefined;
  if (choice === "auto" || choice === "none") return hasTools ? { type: choice } : undefined;
  if (choice === "required") return { type: "any" };
  if (
    isRecord(choice) &&
    choice.type === "function" &&
    isRecord(choice.function) &&
    typeof choice.function.name === "string"
  ) {
    return { type: "tool", name: choice.function.name };
  }
  throw new TranslationError(
    'tool_choice must be "auto", "none", "required" or {"type":"function","function":{"name":...}}',
    "tool_choice",
  );
}

function stopSequences(stop: unknown): string[] | undefined {
  if (stop === undefined || stop === null) return undefined;
  if (typeof stop === "string") return [stop];
  if (Array.isArray(stop) && stop.every((s) => typeof s === "string"))
    return stop.length > 0 ? (stop as string[]) : undefined;
  throw new TranslationError("stop must be a string or an array of strings", "stop");
}
