import {
  complete,
  isRecord,
  jsonObjectPieces,
  jsonPieces,
  naturalLength,
  PromptTally,
  sampleFromSchema,
  textPieces,
} from "../content";
import { applyDirectives, type Exchange, type Reply } from "../exchange";
import { idFactory, unixSeconds } from "../ids";
import { isReply, jsonReply, optionalInteger, requireModel, tallyContent } from "./common";
import { invalidParam } from "./dialect";

const newResponseId = idFactory("resp_", 50, "hex");
const newItemId = idFactory("msg_", 50, "hex");
const STREAM_ERROR_MESSAGE =
  "The server had an error while processing your request. Sorry about that!";

/** POST /v1/responses: one output message with one output_text part; text or JSON formats. */
export function responses(x: Exchange): Reply {
  const model = requireModel(x);
  if (typeof model !== "string") return model;
  const body = x.body as Record<string, unknown>;
  const prompt = readInput(body.input, body.instructions);
  if (!prompt) {
    return invalidParam(
      x,
      "input",
      "Missing required parameter: 'input'.",
      "missing_required_parameter",
    );
  }
  const limit = optionalInteger(x, body, "max_output_tokens", 1);
  if (isReply(limit)) return limit;

  const fault = applyDirectives(x, prompt.userText);
  const length = naturalLength(fault, x.options.completionTokens, limit);
  const completion = complete(outputPieces(body.text, prompt.userText, length), limit, []);
  const cached = fault?.cachedTokens ?? 0;
  const inputTokens = prompt.tokens + cached;
  const reasoning = fault?.reasoningTokens ?? 0;
  const outputTokens = completion.pieces.length + reasoning;
  const incomplete = completion.reason === "length";
  const status = incomplete ? "incomplete" : "completed";

  const part = { type: "output_text", annotations: [], logprobs: [], text: completion.text };
  const itemId = newItemId();
  const item = { id: itemId, type: "message", status, content: [part], role: "assistant" };
  const base = responseBase(newResponseId(), model, body);
  const final = {
    ...base,
    status,
    incomplete_details: incomplete ? { reason: "max_output_tokens" } : null,
    output: [item],
    usage: {
      input_tokens: inputTokens,
      input_tokens_details: { cached_tokens: cached },
      output_tokens: outputTokens,
      output_tokens_details: { reasoning_tokens: reasoning },
      total_tokens: inputTokens + outputTokens,
    },
  };
  if (body.stream !== true) return jsonReply(final);

  // Server-sent events, each numbered by sequence_number, as the Responses API streams them.
  let sequence = 0;
  const event = (type: string, fields: Record<string, unknown>): string =>
    `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...fields })}\n\n`;
  const inProgress = {
    ...base,
    status: "in_progress",
    incomplete_details: null,
    output: [],
    usage: null,
  };
  const at = { item_id: itemId, output_index: 0, content_index: 0 };

  const head =
    event("response.created", { response: inProgress }) +
    event("response.in_progress", { response: inProgress }) +
    event("response.output_item.added", {
      output_index: 0,
      item: { id: itemId, type: "message", status: "in_progress", content: [], role: "assistant" },
    }) +
    event("response.content_part.added", { ...at, part: { ...part, text: "" } });
  const deltaFields = `,"item_id":"${itemId}","output_index":0,"content_index":0,"delta":`;
  const tokens = completion.pieces.map(
    (piece) =>
      `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","sequence_number":${sequence++}${deltaFields}${JSON.stringify(piece)},"logprobs":[]}\n\n`,
  );
  const tail =
    event("response.output_text.done", { ...at, text: completion.text, logprobs: [] }) +
    event("response.content_part.done", { ...at, part }) +
    event("response.output_item.done", { output_index: 0, item }) +
    event(incomplete ? "response.incomplete" : "response.completed", { response: final });
  const firstDelta = 4;
  const error = (sent: number): string =>
    `event: error\ndata: ${JSON.stringify({ type: "error", sequence_number: firstDelta + sent, code: "server_error", message: STREAM_ERROR_MESSAGE, param: null })}\n\n`;
  return { kind: "sse", head, tokens, tail, error };
}

/** The fields of a response object that echo the request. */
function responseBase(id: string, model: string, body: Record<string, unknown>) {
  return {
    id,
    object: "response",
    created_at: unixSeconds(),
    background: false,
    error: null,
    instructions: typeof body.instructions === "string" ? body.instructions : null,
    max_output_tokens: typeof body.max_output_tokens === "number" ? body.max_output_tokens : null,
    model,
    parallel_tool_calls: true,
    previous_response_id:
      typeof body.previous_response_id === "string" ? body.previous_response_id : null,
    reasoning: { effort: null, summary: null },
    service_tier: "default",
    store: body.store !== false,
    temperature: typeof body.temperature === "number" ? body.temperature : 1,
    text: isRecord(body.text) ? body.text : { format: { type: "text" }, verbosity: "medium" },
    tool_choice: body.tool_choice ?? "auto",
    tools: Array.isArray(body.tools) ? body.tools : [],
    top_p: typeof body.top_p === "number" ? body.top_p : 1,
    truncation: "disabled",
    user: null,
    metadata: isRecord(body.metadata) ? body.metadata : {},
  };
}

function readInput(
  input: unknown,
  instructions: unknown,
): { tokens: number; userText: string } | undefined {
  const tally = new PromptTally();
  if (typeof instructions === "string") {
    tally.messages++;
    tally.chars += instructions.length;
  }
  if (typeof input === "string") {
    tally.messages++;
    tally.chars += input.length;
    return { tokens: tally.tokens(), userText: input };
  }
  if (!Array.isArray(input)) return undefined;
  let userText = "";
  for (const item of input) {
    if (!isRecord(item)) continue;
    tally.messages++;
    const text = tallyContent(item.content ?? item.output ?? item.arguments, tally);
    if (item.role === "user") userText = text;
  }
  return { tokens: tally.tokens(), userText };
}

function outputPieces(text: unknown, userText: string, length: number): string[] {
  const format = isRecord(text) && isRecord(text.format) ? text.format : undefined;
  if (format?.type === "json_object") return jsonObjectPieces(userText, length);
  if (format?.type === "json_schema") {
    return jsonPieces(JSON.stringify(sampleFromSchema(format.schema ?? { type: "object" })));
  }
  return textPieces(userText, length);
}
