import type { PriceOverride } from "./config-snapshot";

/**
 * The built-in model price table. Unit: integer micro-USD per million tokens
 * ($2.50 / 1M tokens → 2_500_000), so prices stay exact integers all the way to nano-USD costs.
 *
 * Only standard (pay-as-you-go, non-batch) text token prices are modelled. The dimensions a
 * provider's invoice has for text tokens:
 * - `cachedInputMicroUsdPerMTok`: prompt-cache reads (null: billed as plain input);
 * - `cacheWriteMicroUsdPerMTok` / `cacheWrite1hMicroUsdPerMTok`: Anthropic's prompt-cache
 *   writes with a 5-minute / 1-hour TTL (1.25× / 2× input; null for providers that report no
 *   cache writes — cost.ts then falls back to Anthropic's multipliers);
 * - reasoning/thinking tokens are billed as output (no price of their own);
 * - `longContext`: a second tier of every rate that applies to the whole request when its
 *   prompt is longer than a threshold (Claude Sonnet 4/4.5 with the 1M context window, Gemini
 *   2.5 Pro and 3 Pro above 200k prompt tokens).
 * price-reference.test.ts compares every entry with the public reference data.
 */
export type PriceProvider = "openai" | "anthropic" | "google";

/** The per-token rates of one price tier. */
export interface TokenRates {
  readonly inputMicroUsdPerMTok: number;
  readonly outputMicroUsdPerMTok: number;
  /** prompt-cache reads; null: billed at the input price */
  readonly cachedInputMicroUsdPerMTok: number | null;
  /** 5-minute prompt-cache writes; null or absent: 1.25 × input (Anthropic's rule) */
  readonly cacheWriteMicroUsdPerMTok?: number | null;
  /** 1-hour prompt-cache writes; null or absent: 2 × input (Anthropic's rule) */
  readonly cacheWrite1hMicroUsdPerMTok?: number | null;
}

/** Rates that replace the base tier for a request whose prompt exceeds a size. */
export interface LongContextPrice extends TokenRates {
  /** applies when the request's input tokens (cache reads and writes included) exceed this */
  readonly aboveInputTokens: number;
  readonly cacheWriteMicroUsdPerMTok: number | null;
  readonly cacheWrite1hMicroUsdPerMTok: number | null;
}

export interface ModelPrice extends TokenRates {
  readonly provider: PriceProvider;
  readonly cacheWriteMicroUsdPerMTok: number | null;
  readonly cacheWrite1hMicroUsdPerMTok: number | null;
  /** null when the model has one price whatever the prompt length */
  readonly longContext: LongContextPrice | null;
}

/** The part of a price that cost arithmetic needs (a ModelPrice or a workspace override). */
export interface TokenPrice extends TokenRates {
  readonly longContext?: LongContextPrice | null;
}

/** A price found by findModelPrice, with where it came from. */
export interface ResolvedPrice extends TokenPrice {
  /** the table id (or override model) that matched */
  readonly model: string;
  readonly source: "builtin" | "override";
  /** null for workspace overrides, which do not name a provider */
  readonly provider: PriceProvider | null;
  readonly cacheWriteMicroUsdPerMTok: number | null;
  readonly cacheWrite1hMicroUsdPerMTok: number | null;
  readonly longContext: LongContextPrice | null;
}

const openai = (input: number, output: number, cachedInput: number | null): ModelPrice => ({
  provider: "openai",
  inputMicroUsdPerMTok: input,
  outputMicroUsdPerMTok: output,
  cachedInputMicroUsdPerMTok: cachedInput,
  cacheWriteMicroUsdPerMTok: null,
  cacheWrite1hMicroUsdPerMTok: null,
  longContext: null,
});

type AnthropicRates = readonly [
  input: number,
  output: number,
  cacheRead: number,
  cacheWrite5m: number,
  cacheWrite1h: number,
];

const anthropicRates = ([input, output, read, write5m, write1h]: AnthropicRates) => ({
  inputMicroUsdPerMTok: input,
  outputMicroUsdPerMTok: output,
  cachedInputMicroUsdPerMTok: read,
  cacheWriteMicroUsdPerMTok: write5m,
  cacheWrite1hMicroUsdPerMTok: write1h,
});

type FullRates = Omit<LongContextPrice, "aboveInputTokens">;

/** A price with an optional long-context tier, both tiers written in the same short form. */
const tiered =
  <R>(provider: PriceProvider, toRates: (rates: R) => FullRates) =>
  (rates: R, longContext?: { aboveInputTokens: number; rates: R }): ModelPrice => ({
    provider,
    ...toRates(rates),
    longContext: longContext
      ? { aboveInputTokens: longContext.aboveInputTokens, ...toRates(longContext.rates) }
      : null,
  });

const anthropic = tiered<AnthropicRates>("anthropic", anthropicRates);

type GoogleRates = readonly [input: number, output: number, cachedInput: number | null];

const google = tiered<GoogleRates>("google", ([input, output, cachedInput]) => ({
  inputMicroUsdPerMTok: input,
  outputMicroUsdPerMTok: output,
  cachedInputMicroUsdPerMTok: cachedInput,
  cacheWriteMicroUsdPerMTok: null,
  cacheWrite1hMicroUsdPerMTok: null,
}));

// Anthropic bills the whole request at its long-context rates when the prompt (input + cache
// reads + cache writes) exceeds 200k tokens, on the models that offer a 1M context window at a
// premium (Sonnet 4 and 4.5; the 4.6 models charge standard rates across the window).
const SONNET_4_LONG_CONTEXT = {
  aboveInputTokens: 200_000,
  rates: [6_000_000, 22_500_000, 600_000, 7_500_000, 12_000_000],
} as const;
const SONNET_4: AnthropicRates = [3_000_000, 15_000_000, 300_000, 3_750_000, 6_000_000];

// Arguments: input, output, cached input (read); Anthropic also cache write 5m, 1h; all
// micro-USD per 1M tokens.
const PRICES = {
  // OpenAI: GPT-5 family
  "gpt-5": openai(1_250_000, 10_000_000, 125_000),
  "gpt-5-mini": openai(250_000, 2_000_000, 25_000),
  "gpt-5-nano": openai(50_000, 400_000, 5_000),
  "gpt-5-chat-latest": openai(1_250_000, 10_000_000, 125_000),
  "gpt-5-codex": openai(1_250_000, 10_000_000, 125_000),
  // no cache discount on the pro models (cached tokens bill as input); the reference's gpt-5-pro
  // cache-read price is gpt-5-nano's (see price-reference.test.ts)
  "gpt-5-pro": openai(15_000_000, 120_000_000, null),
  "gpt-5.1": openai(1_250_000, 10_000_000, 125_000),
  "gpt-5.1-chat-latest": openai(1_250_000, 10_000_000, 125_000),
  "gpt-5.1-codex": openai(1_250_000, 10_000_000, 125_000),
  "gpt-5.1-codex-mini": openai(250_000, 2_000_000, 25_000),
  "gpt-5.1-codex-max": openai(1_250_000, 10_000_000, 125_000),
  "gpt-5.2": openai(1_750_000, 14_000_000, 175_000),
  "gpt-5.2-chat-latest": openai(1_750_000, 14_000_000, 175_000),
  "gpt-5.2-codex": openai(1_750_000, 14_000_000, 175_000),
  "gpt-5.2-pro": openai(21_000_000, 168_000_000, null),
  // OpenAI: GPT-4.1 / GPT-4o
  "gpt-4.1": openai(2_000_000, 8_000_000, 500_000),
  "gpt-4.1-mini": openai(400_000, 1_600_000, 100_000),
  "gpt-4.1-nano": openai(100_000, 400_000, 30_000),
  "gpt-4o": openai(2_500_000, 10_000_000, 1_250_000),
  // the first gpt-4o snapshot kept its launch price
  "gpt-4o-2024-05-13": openai(5_000_000, 15_000_000, null),
  "gpt-4o-mini": openai(150_000, 600_000, 75_000),
  // OpenAI: reasoning models
  o1: openai(15_000_000, 60_000_000, 7_500_000),
  "o1-pro": openai(150_000_000, 600_000_000, null),
  o3: openai(2_000_000, 8_000_000, 500_000),
  "o3-pro": openai(20_000_000, 80_000_000, null),
  "o3-mini": openai(1_100_000, 4_400_000, 550_000),
  "o4-mini": openai(1_100_000, 4_400_000, 275_000),
  // OpenAI: embeddings (no output tokens)
  "text-embedding-3-small": openai(20_000, 0, null),
  "text-embedding-3-large": openai(130_000, 0, null),
  "text-embedding-ada-002": openai(100_000, 0, null),

  // Anthropic: [input, output, cache read, cache write 5m (1.25x input), cache write 1h (2x)]
  "claude-opus-4-6": anthropic([5_000_000, 25_000_000, 500_000, 6_250_000, 10_000_000]),
  "claude-opus-4-5": anthropic([5_000_000, 25_000_000, 500_000, 6_250_000, 10_000_000]),
  "claude-opus-4-1": anthropic([15_000_000, 75_000_000, 1_500_000, 18_750_000, 30_000_000]),
  "claude-opus-4": anthropic([15_000_000, 75_000_000, 1_500_000, 18_750_000, 30_000_000]),
  "claude-opus-4-0": anthropic([15_000_000, 75_000_000, 1_500_000, 18_750_000, 30_000_000]),
  "claude-sonnet-4-6": anthropic(SONNET_4),
  "claude-sonnet-4-5": anthropic(SONNET_4, SONNET_4_LONG_CONTEXT),
  "claude-sonnet-4": anthropic(SONNET_4, SONNET_4_LONG_CONTEXT),
  "claude-sonnet-4-0": anthropic(SONNET_4, SONNET_4_LONG_CONTEXT),
  "claude-haiku-4-5": anthropic([1_000_000, 5_000_000, 100_000, 1_250_000, 2_000_000]),
  "claude-3-7-sonnet": anthropic([3_000_000, 15_000_000, 300_000, 3_750_000, 6_000_000]),
  "claude-3-5-sonnet": anthropic([3_000_000, 15_000_000, 300_000, 3_750_000, 6_000_000]),
  "claude-3-5-haiku": anthropic([800_000, 4_000_000, 80_000, 1_000_000, 1_600_000]),
  "claude-3-haiku": anthropic([250_000, 1_250_000, 30_000, 300_000, 500_000]),

  // Google: [input, output, cached input]; the Pro models cost more above 200k prompt tokens
  "gemini-3-pro-preview": google([2_000_000, 12_000_000, 200_000], {
    aboveInputTokens: 200_000,
    rates: [4_000_000, 18_000_000, 400_000],
  }),
  "gemini-3-flash-preview": google([500_000, 3_000_000, 50_000]),
  "gemini-2.5-pro": google([1_250_000, 10_000_000, 125_000], {
    aboveInputTokens: 200_000,
    rates: [2_500_000, 15_000_000, 250_000],
  }),
  "gemini-2.5-flash": google([300_000, 2_500_000, 30_000]),
  "gemini-2.5-flash-preview-09-2025": google([300_000, 2_500_000, 30_000]),
  "gemini-2.5-flash-lite": google([100_000, 400_000, 10_000]),
  "gemini-2.5-flash-lite-preview-09-2025": google([100_000, 400_000, 10_000]),
  "gemini-2.0-flash": google([100_000, 400_000, 25_000]),
  "gemini-2.0-flash-lite": google([75_000, 300_000, null]),
  "gemini-embedding-001": google([150_000, 0, null]),
} as const satisfies Record<string, ModelPrice>;

export type KnownModelId = keyof typeof PRICES;

export const MODEL_PRICES: Readonly<Record<KnownModelId, ModelPrice>> = Object.freeze(
  Object.fromEntries(
    Object.entries(PRICES).map(([id, price]) => [
      id,
      Object.freeze({
        ...price,
        longContext: price.longContext ? Object.freeze({ ...price.longContext }) : null,
      }),
    ]),
  ) as Record<KnownModelId, ModelPrice>,
);

// Resolved once so a lookup on the proxy hot path allocates nothing.
const BUILTIN = new Map<string, ResolvedPrice>(
  Object.entries(MODEL_PRICES).map(([model, price]) => [
    model,
    Object.freeze({ ...price, model, source: "builtin" as const }),
  ]),
);
/** longest id first, so the first base that matches is the longest */
const BUILTIN_BY_LENGTH = [...BUILTIN.entries()].sort(([a], [b]) => b.length - a.length);

/**
 * What may follow a known id in a snapshot name: dates (`-2024-08-06`, `-20241022`,
 * `@20241022`), numbered versions (`-001`, `-0613`), `-latest`, and Bedrock's `-v1:0`.
 * Anything else (`gpt-5-pro`, `claude-opus-4-7`) is a different model and must not inherit
 * its base's price.
 */
const SNAPSHOT_SUFFIX = /^(?:[-@](?:\d{4}-\d{2}-\d{2}|\d{8}|\d{3,4}|latest|v\d+(?::\d+)?))+$/;

/** Drops provider/path prefixes (`openai/…`, `models/…`, Bedrock `us.anthropic.…`). */
function normalizeModelId(model: string): string {
  const id = model.trim().toLowerCase();
  const base = id.slice(id.lastIndexOf("/") + 1);
  return base.replace(/^(?:[a-z]+\.)?anthropic\./, "");
}

function isSnapshotOf(id: string, base: string): boolean {
  return id === base || (id.startsWith(base) && SNAPSHOT_SUFFIX.test(id.slice(base.length)));
}

function fromOverride(override: PriceOverride): ResolvedPrice {
  return {
    model: override.model,
    source: "override",
    provider: null,
    inputMicroUsdPerMTok: override.inputMicroUsdPerMTok,
    outputMicroUsdPerMTok: override.outputMicroUsdPerMTok,
    cachedInputMicroUsdPerMTok: override.cachedInputMicroUsdPerMTok,
    // overrides carry no cache-write prices: cost.ts applies Anthropic's multipliers to the
    // override's input price, and an override has one tier
    cacheWriteMicroUsdPerMTok: null,
    cacheWrite1hMicroUsdPerMTok: null,
    longContext: null,
  };
}

/**
 * The price of a model, or null when it is unknown. Order:
 *  1. a workspace override whose model equals `model` exactly,
 *  2. a built-in id equal to `model` exactly (when no override could apply),
 *  3. after lower-casing and dropping provider prefixes, the longest override or built-in id
 *     of which `model` is that id or a dated snapshot of it; an override wins a tie.
 * So "gpt-4o-2024-08-06" and "openai/gpt-4o" price as "gpt-4o", and an override for "gpt-4o"
 * covers those too; a built-in snapshot with a price of its own ("gpt-4o-2024-05-13") is
 * more specific than an override of its base and keeps that price.
 */
export function findModelPrice(
  model: string,
  overrides: readonly PriceOverride[] = [],
): ResolvedPrice | null {
  for (const override of overrides) {
    if (override.model === model) return fromOverride(override);
  }
  if (overrides.length === 0) {
    const exact = BUILTIN.get(model);
    if (exact) return exact;
  }

  const id = normalizeModelId(model);
  let bestOverride: PriceOverride | null = null;
  let bestLength = -1;
  for (const override of overrides) {
    const base = normalizeModelId(override.model);
    if (base.length > bestLength && isSnapshotOf(id, base)) {
      bestOverride = override;
      bestLength = base.length;
    }
  }
  for (const [base, price] of BUILTIN_BY_LENGTH) {
    if (base.length <= bestLength) break;
    if (isSnapshotOf(id, base)) return price;
  }
  return bestOverride ? fromOverride(bestOverride) : null;
}
