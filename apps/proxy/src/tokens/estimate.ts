/**
 * Input-token estimates with gpt-tokenizer (o200k_base) for count_tokens on routes whose
 * provider has no counting endpoint in the client's format. An estimate: exact for OpenAI's
 * newer models, close for others. The tokenizer's tables are large, so they load on first use.
 */
type CountTokens = (text: string) => number;
let tokenizer: Promise<CountTokens> | null = null;

function loadTokenizer(): Promise<CountTokens> {
  tokenizer ??= import("gpt-tokenizer").then((m) => m.countTokens as CountTokens);
  return tokenizer;
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
