import {
  complete,
  estimatePromptTokens,
  isRecord,
  naturalLength,
  stopList,
  textPieces,
  type Completion,
} from "../content";
import { applyDirectives, type Exchange, type Reply } from "../exchange";
import { idFactory, unixSeconds } from "../ids";
import { isReply, jsonReply, optionalInteger, requireModel, SYSTEM_FINGERPRINT } from "./common";
import { invalidParam } from "./dialect";

const newCompletionId = idFactory("cmpl-", 29);
/** the legacy endpoint's default max_tokens */
const DEFAULT_MAX_TOKENS = 16;

/** POST /v1/completions (legacy): one choice per prompt and per `n`. */
export function completions(x: Exchange): Reply {
  const model = requireModel(x);
  if (typeof model !== "string") return model;
  const body = x.body as Record<string, unknown>;
  const prompts = readPrompts(body.prompt);
  if (!prompts) {
    return invalidParam(
      x,
      "prompt",
      "Missing required parameter: 'prompt'.",
      "missing_required_parameter",
    );
  }
  const maxTokens = optionalInteger(x, body, "max_tokens", 1);
  if (isReply(maxTokens)) return maxTokens;
  const n = optionalInteger(x, body, "n", 1) ?? 1;
  if (isReply(n)) return n;
  const stream = body.stream === true;
  if (body.stream_options != null && !stream) {
    return invalidParam(
      x,
      "stream_options",
      "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
    );
  }

  const fault = applyDirectives(x, prompts.texts.at(-1) ?? "");
  const limit = maxTokens ?? DEFAULT_MAX_TOKENS;
  const length = naturalLength(fault, x.options.completionTokens, limit);
  const stops = stopList(body.stop);
  const choices: { index: number; completion: Completion }[] = [];
  for (const text of prompts.texts) {
    const completion = complete(textPieces(text, length), limit, stops);
    for (let i = 0; i < n; i++) choices.push({ index: choices.length, completion });
  }
  const completionTokens = choices.reduce(
    (sum, choice) => sum + choice.completion.pieces.length,
    0,
  );
  const promptTokens = prompts.tokens + (fault?.cachedTokens ?? 0);
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const id = newCompletionId();
  const created = unixSeconds();

  if (!stream) {
    return jsonReply({
      id,
      object: "text_completion",
      created,
      model,
      choices: choices.map(({ index, completion }) => ({
        text: completion.text,
        index,
        logprobs: null,
        finish_reason: finishReason(completion),
      })),
      usage,
      system_fingerprint: SYSTEM_FINGERPRINT,
    });
  }

  const includeUsage = isRecord(body.stream_options) && body.stream_options.include_usage === true;
  const prefix = `data: {"id":"${id}","object":"text_completion","created":${created},"choices":[`;
  const suffix = `],"model":${JSON.stringify(model)},"system_fingerprint":"${SYSTEM_FINGERPRINT}"${includeUsage ? ',"usage":null' : ""}}\n\n`;
  const chunk = (index: number, text: string, reason: string | null): string =>
    `${prefix}{"text":${JSON.stringify(text)},"index":${index},"logprobs":null,"finish_reason":${reason === null ? "null" : `"${reason}"`}}${suffix}`;

  const tokens: string[] = [];
  const longest = Math.max(...choices.map((choice) => choice.completion.pieces.length));
  for (let position = 0; position < longest; position++) {
    for (const { index, completion } of choices) {
      const piece = completion.pieces[position];
      if (piece !== undefined) tokens.push(chunk(index, piece, null));
    }
  }
  let tail = "";
  for (const { index, completion } of choices) tail += chunk(index, "", finishReason(completion));
  if (includeUsage) {
    tail += `${prefix}],"model":${JSON.stringify(model)},"system_fingerprint":"${SYSTEM_FINGERPRINT}","usage":${JSON.stringify(usage)}}\n\n`;
  }
  tail += "data: [DONE]\n\n";
  return { kind: "sse", head: "", tokens, tail };
}

function finishReason(completion: Completion): string {
  return completion.reason === "length" ? "length" : "stop";
}

/** `prompt` as a string, a list of strings, a token list or a list of token lists. */
function readPrompts(prompt: unknown): { texts: string[]; tokens: number } | undefined {
  if (typeof prompt === "string") {
    return { texts: [prompt], tokens: estimatePromptTokens(prompt.length, 0, 0) };
  }
  if (!Array.isArray(prompt) || prompt.length === 0) return undefined;
  if (prompt.every((item) => typeof item === "number")) {
    return { texts: [""], tokens: prompt.length };
  }
  const texts: string[] = [];
  let chars = 0;
  let tokenCount = 0;
  for (const item of prompt) {
    if (typeof item === "string") {
      texts.push(item);
      chars += item.length;
    } else if (Array.isArray(item)) {
      texts.push("");
      tokenCount += item.length;
    } else {
      return undefined;
    }
  }
  return { texts, tokens: estimatePromptTokens(chars, 0, 0) + tokenCount };
}
