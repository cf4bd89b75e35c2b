/**
 * Input-token estimates with gpt-tokenizer (o200k_base) for count_tokens on routes whose
 * provider has no counting endpoint in the client's format. An estimate: exact for OpenAI's
 * newer models, close for others. The tokenizer's tables are large, so they load on first use.
 */
type CountTokens = (text: string) => number;
let tokenizer: Promise<CountTokens> | null = null;
/** set once the tokenizer has loaded: estimates are synchronous from then on */
let loaded: CountTokens | null = null;

function loadTokenizer(): Promise<CountTokens> {
  tokenizer ??= import("gpt-tokenizer").then((m) => {
    loaded = m.countTokens as CountTokens;
    return loaded;
  });
  return tokenizer;
}

/** Loads the tokenizer's tables now (at boot), so the first request does not pay ~1 s. */
export function preloadTokenizer(): Promise<void> {
  return loadTokenizer().then(() => undefined);
}

/** Per-message framing, as OpenAI's chat format counts it. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;
/** a typical image, in the absence of its size */
const TOKENS_PER_IMAGE = 1_000;

/** Estimates the input tokens of an Anthropic messages request. */
export async function estimateAnthropicInputTokens(body: Record<string, unknown>): Promise<number> {
  const count = await loadTokenizer();
  const texts: string[] = [];
  let extra = TOKENS_PER_REPLY;
  const collect = (content: unknown): void => {
    if (typeof content === "string") {
      texts.push(content);
      return;
    }
    if (!Array.isArray(content)) return;
    for (const block of content) {
      if (typeof block !== "object" || block === null) continue;
      const b = block as Record<string, unknown>;
      switch (b.type) {
        case "text":
          if (typeof b.text === "string") texts.push(b.text);
          break;
        case "image":
        case "document":
          extra += TOKENS_PER_IMAGE;
          break;
        case "tool_use":
          texts.push(String(b.name ?? ""), JSON.stringify(b.input ?? {}));
          break;
        case "tool_result":
          collect(b.content);
          break;
        default:
          texts.push(JSON.stringify(b));
      }
    }
  };
  if (body.system !== undefined) {
    collect(body.system);
    extra += TOKENS_PER_MESSAGE;
  }
  if (Array.isArray(body.messages)) {
    for (const message of body.messages) {
      extra += TOKENS_PER_MESSAGE;
      if (typeof message === "object" && message !== null)
        collect((message as { content?: unknown }).content);
    }
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) texts.push(JSON.stringify(body.tools));
  let total = extra;
  for (const text of texts) total += count(text);
  return total;
}

/**
 * The prompt tokens of a model request, for rate limits (TPM) and budget reservations:
 * o200k_base counts of every text the request carries plus OpenAI's per-message framing
 * (3 per message, 3 for the reply). Synchronous once the tokenizer is loaded (preloaded at boot).
 * An estimate: exact for OpenAI's o200k models, close for others; see CONTRIBUTING.md.
 */
export function estimateRequestTokens(
  endpoint: string,
  body: Record<string, unknown>,
): number | Promise<number> {
  if (loaded === null) return loadTokenizer().then((count) => countRequest(count, endpoint, body));
  return countRequest(loaded, endpoint, body);
}

function countRequest(count: CountTokens, endpoint: string, body: Record<string, unknown>): number {
  let total = 0;
  const add = (value: unknown): void => {
    if (typeof value === "string") {
      if (value !== "") total += count(value);
    } else if (Array.isArray(value)) {
      for (const item of value) add(item);
    } else if (typeof value === "object" && value !== null) {
      const part = value as Record<string, unknown>;
      if (
        part.type === "image_url" ||
        part.type === "input_image" ||
        part.type === "image" ||
        part.type === "document" ||
        part.type === "input_file"
      ) {
        total += TOKENS_PER_IMAGE;
        return;
      }
      if (typeof part.text === "string") total += count(part.text);
      else if (part.content !== undefined) add(part.content);
      else if (part.type !== undefined) total += count(JSON.stringify(part));
    }
  };
  const messages = (list: unknown): void => {
    if (!Array.isArray(list)) return;
    total += TOKENS_PER_REPLY;
    for (const message of list) {
      total += TOKENS_PER_MESSAGE;
      if (typeof message !== "object" || message === null) continue;
      const m = message as Record<string, unknown>;
      add(m.content);
      if (typeof m.name === "string") total += count(m.name);
      if (m.tool_calls !== undefined) total += count(JSON.stringify(m.tool_calls));
    }
  };
  switch (endpoint) {
    case "chat.completions":
      messages(body.messages);
      break;
    case "messages":
    case "messages.count_tokens":
      if (body.system !== undefined) {
        total += TOKENS_PER_MESSAGE;
        add(body.system);
      }
      messages(body.messages);
      break;
    case "responses":
      if (typeof body.instructions === "string") total += count(body.instructions);
      if (Array.isArray(body.input)) messages(body.input);
      else add(body.input);
      break;
    default:
      // completions (prompt), embeddings (input)
      add(body.prompt);
      add(body.input);
  }
  if (Array.isArray(body.tools) && body.tools.length > 0)
    total += count(JSON.stringify(body.tools));
  return total;
}
