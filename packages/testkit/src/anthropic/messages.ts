import {
  complete,
  isRecord,
  jsonPieces,
  rechunk,
  naturalLength,
  PromptTally,
  sampleFromSchema,
  stopList,
  textPieces,
  type Completion,
} from "../content";
import { applyDirectives, type Exchange, type JsonReply, type Reply } from "../exchange";
import { idFactory } from "../ids";
import { invalidRequest } from "./dialect";

const newMessageId = idFactory("msg_01", 22);
const newToolUseId = idFactory("toolu_01", 22);
const WEATHER = /\bweather\b/i;

interface Prompt {
  tokens: number;
  /** the text blocks of the last user message */
  userText: string;
  /** the last user message carries tool results: answer them in words, don't call again */
  afterToolResult: boolean;
}

interface ToolUse {
  name: string;
  input: string;
}

/** POST /v1/messages */
export function messages(x: Exchange): Reply {
  const body = isRecord(x.body) ? x.body : {};
  const invalid = requireFields(x, body, true);
  if (invalid) return invalid;
  const model = body.model as string;
  const maxTokens = body.max_tokens as number;

  const prompt = readPrompt(body);
  const fault = applyDirectives(x, prompt.userText);
  const tool = chooseTool(x, body, prompt);
  if (tool && "kind" in tool) return tool;

  const completion = tool
    ? complete(jsonPieces(tool.input), maxTokens, [])
    : complete(
        rechunk(
          textPieces(
            fault?.says ?? prompt.userText,
            naturalLength(fault, x.options.completionTokens, maxTokens),
          ),
          fault?.pieceChars,
        ),
        maxTokens,
        stopList(body.stop_sequences),
      );
  const stopReason =
    completion.reason === "length"
      ? "max_tokens"
      : tool
        ? "tool_use"
        : completion.reason === "stop"
          ? "stop_sequence"
          : "end_turn";
  const cacheRead = fault?.cachedTokens ?? 0;
  const cacheWrite5m = fault?.cacheWriteTokens ?? 0;
  const cacheWrite1h = fault?.cacheWrite1hTokens ?? 0;
  const id = newMessageId();
  const toolUseId = tool ? newToolUseId() : "";
  // message_delta carries the cumulative counts; the message itself also the cache writes by
  // TTL (cache_creation_input_tokens is their sum).
  const counts = (outputTokens: number) => ({
    input_tokens: prompt.tokens,
    cache_creation_input_tokens: cacheWrite5m + cacheWrite1h,
    cache_read_input_tokens: cacheRead,
    output_tokens: outputTokens,
  });
  const usage = (outputTokens: number) => ({
    ...counts(outputTokens),
    cache_creation: {
      ephemeral_5m_input_tokens: cacheWrite5m,
      ephemeral_1h_input_tokens: cacheWrite1h,
    },
    service_tier: "standard",
  });

  if (body.stream !== true) {
    return {
      kind: "json",
      status: 200,
      body: JSON.stringify({
        id,
        type: "message",
        role: "assistant",
        model,
        content: [
          tool
            ? { type: "tool_use", id: toolUseId, name: tool.name, input: parseInput(completion) }
            : { type: "text", text: completion.text },
        ],
        stop_reason: stopReason,
        stop_sequence: completion.stopSequence,
        usage: usage(completion.pieces.length),
      }),
    };
  }

  const event = (type: string, data: string): string => `event: ${type}\ndata: ${data}\n\n`;
  const message = {
    id,
    type: "message",
    role: "assistant",
    model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    usage: usage(1),
  };
  const block = tool
    ? { type: "tool_use", id: toolUseId, name: tool.name, input: {} }
    : { type: "text", text: "" };
  const deltaPrefix = tool
    ? `{"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":`
    : `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":`;
  const head =
    event("message_start", JSON.stringify({ type: "message_start", message })) +
    event(
      "content_block_start",
      JSON.stringify({ type: "content_block_start", index: 0, content_block: block }),
    ) +
    event("ping", `{"type": "ping"}`) +
    (tool ? event("content_block_delta", `${deltaPrefix}""}}`) : "");
  const tokens = completion.pieces.map((piece) =>
    event("content_block_delta", `${deltaPrefix}${JSON.stringify(piece)}}}`),
  );
  const tail =
    event("content_block_stop", `{"type":"content_block_stop","index":0}`) +
    event(
      "message_delta",
      JSON.stringify({
        type: "message_delta",
        delta: { stop_reason: stopReason, stop_sequence: completion.stopSequence },
        usage: counts(completion.pieces.length),
      }),
    ) +
    event("message_stop", `{"type":"message_stop"}`);
  return { kind: "sse", head, tokens, tail };
}

/** POST /v1/messages/count_tokens: the same estimate as a message's usage.input_tokens. */
export function countTokens(x: Exchange): Reply {
  const body = isRecord(x.body) ? x.body : {};
  const invalid = requireFields(x, body, false);
  if (invalid) return invalid;
  const prompt = readPrompt(body);
  applyDirectives(x, prompt.userText);
  return { kind: "json", status: 200, body: `{"input_tokens":${prompt.tokens}}` };
}

function requireFields(
  x: Exchange,
  body: Record<string, unknown>,
  needsMaxTokens: boolean,
): JsonReply | undefined {
  if (typeof body.model !== "string" || body.model === "") {
    return invalidRequest(x, "model: Field required");
  }
  if (!Array.isArray(body.messages)) return invalidRequest(x, "messages: Field required");
  if (body.messages.length === 0) {
    return invalidRequest(x, "messages: at least one message is required");
  }
  if (!needsMaxTokens) return undefined;
  const maxTokens = body.max_tokens;
  if (maxTokens === undefined || maxTokens === null) {
    return invalidRequest(x, "max_tokens: Field required");
  }
  if (typeof maxTokens !== "number" || !Number.isInteger(maxTokens)) {
    return invalidRequest(x, "max_tokens: Input should be a valid integer");
  }
  if (maxTokens < 1) {
    return invalidRequest(x, "max_tokens: Input should be greater than or equal to 1");
  }
  return undefined;
}

function readPrompt(body: Record<string, unknown>): Prompt {
  const tally = new PromptTally();
  if (body.system !== undefined) {
    tally.messages++;
    tallyBlocks(body.system, tally);
  }
  let userText = "";
  let afterToolResult = false;
  for (const message of body.messages as unknown[]) {
    if (!isRecord(message)) continue;
    tally.messages++;
    const { text, toolResult } = tallyBlocks(message.content, tally);
    afterToolResult = message.role === "user" && toolResult;
    if (message.role === "user") userText = text;
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    tally.chars += JSON.stringify(body.tools).length;
  }
  return { tokens: tally.tokens(), userText, afterToolResult };
}

/** Counts a content (string or blocks) into the tally; returns its text blocks' text. */
function tallyBlocks(content: unknown, tally: PromptTally): { text: string; toolResult: boolean } {
  if (typeof content === "string") {
    tally.chars += content.length;
    return { text: content, toolResult: false };
  }
  let text = "";
  let toolResult = false;
  if (!Array.isArray(content)) return { text, toolResult };
  for (const block of content) {
    if (!isRecord(block)) continue;
    switch (block.type) {
      case "text":
        if (typeof block.text === "string") {
          tally.chars += block.text.length;
          text = text ? `${text} ${block.text}` : block.text;
        }
        break;
      case "tool_use":
        tally.chars += String(block.name ?? "").length + JSON.stringify(block.input ?? {}).length;
        break;
      case "tool_result":
        toolResult = true;
        tallyBlocks(block.content, tally);
        break;
      case "thinking":
        tally.chars += typeof block.thinking === "string" ? block.thinking.length : 0;
        break;
      default: // image, document, ...: a fixed amount each
        tally.images++;
    }
  }
  return { text, toolResult };
}

/**
 * A tool_use block when the request has tools and tool_choice is not "none", and either
 * tool_choice forces one ("any" or a named "tool") or the user asks about the weather.
 */
function chooseTool(
  x: Exchange,
  body: Record<string, unknown>,
  prompt: Prompt,
): ToolUse | JsonReply | undefined {
  if (!Array.isArray(body.tools)) return undefined;
  const tools = body.tools.filter(
    (tool): tool is { name: string; input_schema?: unknown } =>
      isRecord(tool) &&
      typeof tool.name === "string" &&
      (tool.type === undefined || tool.type === "custom"),
  );
  const choice = isRecord(body.tool_choice) ? body.tool_choice : { type: "auto" };
  if (tools.length === 0 || choice.type === "none") return undefined;
  const named = choice.type === "tool" ? String(choice.name) : undefined;
  if (
    named === undefined &&
    choice.type !== "any" &&
    (prompt.afterToolResult || !WEATHER.test(prompt.userText))
  ) {
    return undefined;
  }
  const tool = named === undefined ? tools[0] : tools.find((candidate) => candidate.name === named);
  if (!tool) return invalidRequest(x, `tool_choice: tool '${named}' not found in tools`);
  return {
    name: tool.name,
    input: JSON.stringify(
      sampleFromSchema(tool.input_schema ?? { type: "object" }, undefined, 0, x.fault?.says),
    ),
  };
}

/** A tool_use input cut by max_tokens is not valid JSON; the API then reports what it has, {} here. */
function parseInput(completion: Completion): unknown {
  return completion.reason === "length" ? {} : JSON.parse(completion.text);
}
