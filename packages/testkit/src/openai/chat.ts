import {
  complete,
  isRecord,
  jsonObjectPieces,
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
import { idFactory, unixSeconds } from "../ids";
import {
  chatUsage,
  isReply,
  jsonReply,
  optionalInteger,
  requireModel,
  SYSTEM_FINGERPRINT,
  tallyContent,
} from "./common";
import { invalidParam } from "./dialect";

const newCompletionId = idFactory("chatcmpl-", 29);
const newToolCallId = idFactory("call_", 24);
const WEATHER = /\bweather\b/i;
const MAX_CHOICES = 128;

interface Prompt {
  tokens: number;
  /** text of the last user message */
  userText: string;
  /** the conversation ends with a tool result: answer it in words, don't call again */
  afterToolResult: boolean;
}

interface ToolCall {
  name: string;
  arguments: string;
  /** tool_choice named this function: OpenAI then reports finish_reason "stop" */
  named: boolean;
}

/** POST /v1/chat/completions */
export function chatCompletions(x: Exchange): Reply {
  const model = requireModel(x);
  if (typeof model !== "string") return model;
  const body = x.body as Record<string, unknown>;
  const messages = body.messages;
  if (!Array.isArray(messages)) {
    return invalidParam(
      x,
      "messages",
      "Missing required parameter: 'messages'.",
      "missing_required_parameter",
    );
  }
  if (messages.length === 0) {
    return invalidParam(
      x,
      "messages",
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      "empty_array",
    );
  }
  const limit = optionalInteger(
    x,
    body,
    body.max_completion_tokens != null ? "max_completion_tokens" : "max_tokens",
    1,
  );
  if (isReply(limit)) return limit;
  const n = optionalInteger(x, body, "n", 1) ?? 1;
  if (isReply(n)) return n;
  if (n > MAX_CHOICES) {
    return invalidParam(
      x,
      "n",
      `Invalid 'n': integer above maximum value. Expected a value <= ${MAX_CHOICES}, but got ${n} instead.`,
      "integer_above_max_value",
    );
  }
  const stream = body.stream === true;
  if (body.stream_options != null && !stream) {
    return invalidParam(
      x,
      "stream_options",
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
    );
  }

  const prompt = readPrompt(messages, body.tools);
  const fault = applyDirectives(x, prompt.userText);
  const tool = chooseTool(x, body, prompt);
  if (isReply(tool)) return tool;

  let completion: Completion;
  if (tool) {
    completion = complete(jsonPieces(tool.arguments), limit, []);
  } else {
    const length = naturalLength(fault, x.options.completionTokens, limit);
    completion = complete(
      rechunk(
        answerPieces(body.response_format, fault?.says ?? prompt.userText, length),
        fault?.pieceChars,
      ),
      limit,
      stopList(body.stop),
    );
  }
  const finishReason =
    completion.reason === "length" ? "length" : tool && !tool.named ? "tool_calls" : "stop";
  const cached = fault?.cachedTokens ?? 0;
  const reasoning = fault?.reasoningTokens ?? 0;
  const usage = chatUsage(
    prompt.tokens + cached,
    completion.pieces.length * n + reasoning,
    cached,
    reasoning,
  );
  const answer: Answer = {
    id: newCompletionId(),
    created: unixSeconds(),
    model,
    n,
    completion,
    tool,
    finishReason,
    usage,
  };

  if (!stream) return jsonReply(chatCompletion(answer));
  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  return chatStream(answer, includeUsage);
}

function readPrompt(messages: unknown[], tools: unknown): Prompt {
  const tally = new PromptTally();
  let userText = "";
  let lastRole: unknown;
  for (const message of messages) {
    if (!isRecord(message)) continue;
    tally.messages++;
    lastRole = message.role;
    const text = tallyContent(message.content, tally);
    if (message.role === "user") userText = text;
    if (Array.isArray(message.tool_calls)) {
      for (const call of message.tool_calls) {
        if (isRecord(call) && isRecord(call.function)) {
          tally.chars +=
            String(call.function.name ?? "").length + String(call.function.arguments ?? "").length;
        }
      }
    }
  }
  if (Array.isArray(tools) && tools.length > 0) tally.chars += JSON.stringify(tools).length;
  return {
    tokens: tally.tokens(),
    userText,
    afterToolResult: lastRole === "tool" || lastRole === "function",
  };
}

/**
 * A tool call when the request has function tools and tool_choice is not "none", and either
 * tool_choice forces one ("required" or a named function) or the user asks about the weather.
 */
function chooseTool(
  x: Exchange,
  body: Record<string, unknown>,
  prompt: Prompt,
): ToolCall | JsonReply | undefined {
  if (!Array.isArray(body.tools)) return undefined;
  const tools = body.tools.filter(
    (tool): tool is { function: Record<string, unknown> } =>
      isRecord(tool) &&
      tool.type === "function" &&
      isRecord(tool.function) &&
      typeof tool.function.name === "string",
  );
  const choice = body.tool_choice;
  if (tools.length === 0 || choice === "none") return undefined;
  const named = isRecord(choice) && isRecord(choice.function) ? choice.function.name : undefined;
  if (
    named === undefined &&
    choice !== "required" &&
    (prompt.afterToolResult || !WEATHER.test(prompt.userText))
  ) {
    return undefined;
  }
  const tool =
    named === undefined ? tools[0] : tools.find((candidate) => candidate.function.name === named);
  if (!tool) {
    return invalidParam(
      x,
      "tool_choice",
      `Invalid value for 'tool_choice': function '${String(named)}' is not among the supplied tools.`,
    );
  }
  return {
    name: tool.function.name as string,
    arguments: JSON.stringify(
      sampleFromSchema(tool.function.parameters ?? { type: "object" }, undefined, 0, x.fault?.says),
    ),
    named: named !== undefined,
  };
}

function answerPieces(format: unknown, userText: string, length: number): string[] {
  if (isRecord(format) && format.type === "json_object") return jsonObjectPieces(userText, length);
  if (isRecord(format) && format.type === "json_schema" && isRecord(format.json_schema)) {
    return jsonPieces(
      JSON.stringify(sampleFromSchema(format.json_schema.schema ?? { type: "object" })),
    );
  }
  return textPieces(userText, length);
}

interface Answer {
  id: string;
  created: number;
  model: string;
  n: number;
  completion: Completion;
  tool: ToolCall | undefined;
  finishReason: string;
  usage: ReturnType<typeof chatUsage>;
}

function chatCompletion(a: Answer) {
  const choices = [];
  for (let index = 0; index < a.n; index++) {
    const message = a.tool
      ? {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: newToolCallId(),
              type: "function",
              function: { name: a.tool.name, arguments: a.completion.text },
            },
          ],
          refusal: null,
          annotations: [],
        }
      : { role: "assistant", content: a.completion.text, refusal: null, annotations: [] };
    choices.push({ index, message, logprobs: null, finish_reason: a.finishReason });
  }
  return {
    id: a.id,
    object: "chat.completion",
    created: a.created,
    model: a.model,
    choices,
    usage: a.usage,
    service_tier: "default",
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

/**
 * Chunks as OpenAI streams them: per choice a role chunk, one chunk per token, a chunk with
 * the finish_reason; then, only when asked for, a usage chunk with `choices: []`; then [DONE].
 * Chunks are built from a per-answer prefix, so a token costs one small string concatenation.
 */
function chatStream(a: Answer, includeUsage: boolean): Reply {
  const prefix =
    `data: {"id":"${a.id}","object":"chat.completion.chunk","created":${a.created},` +
    `"model":${JSON.stringify(a.model)},"service_tier":"default","system_fingerprint":"${SYSTEM_FINGERPRINT}","choices":[`;
  const suffix = includeUsage ? `],"usage":null}\n\n` : `]}\n\n`;
  const chunk = (index: number, delta: string, finishReason: string | null): string =>
    `${prefix}{"index":${index},"delta":${delta},"logprobs":null,"finish_reason":${finishReason === null ? "null" : `"${finishReason}"`}}${suffix}`;

  let head = "";
  for (let index = 0; index < a.n; index++) {
    head += chunk(
      index,
      a.tool
        ? `{"role":"assistant","content":null,"tool_calls":[{"index":0,"id":"${newToolCallId()}","type":"function","function":{"name":${JSON.stringify(a.tool.name)},"arguments":""}}],"refusal":null}`
        : `{"role":"assistant","content":"","refusal":null}`,
      null,
    );
  }
  const tokens: string[] = [];
  for (const piece of a.completion.pieces) {
    const delta = a.tool
      ? `{"tool_calls":[{"index":0,"function":{"arguments":${JSON.stringify(piece)}}}]}`
      : `{"content":${JSON.stringify(piece)}}`;
    for (let index = 0; index < a.n; index++) tokens.push(chunk(index, delta, null));
  }
  let tail = "";
  for (let index = 0; index < a.n; index++) tail += chunk(index, "{}", a.finishReason);
  if (includeUsage) tail += `${prefix}],"usage":${JSON.stringify(a.usage)}}\n\n`;
  tail += "data: [DONE]\n\n";
  return { kind: "sse", head, tokens, tail };
}
