import type { TokenPrice, TokenRates } from "./prices";

/**
 * Cost arithmetic in integers only. Prices are micro-USD per million tokens, costs are
 * nano-USD (1 USD = 1e9), so tokens × price / 1e6 micro-USD = tokens × price / 1000 nano-USD.
 * The products are summed exactly and rounded up once, at the end. A cache write without a
 * price of its own costs 1.25 × input, so requests that write the cache are summed in quarter
 * micro-USD (BigInt) to stay exact.
 */

export const NANO_USD_PER_USD = 1_000_000_000;
const NANO_DECIMALS = 9;
/** quarter micro-USD per 1M tokens → nano-USD per token: / (4 × 1000) */
const QUARTERS_PER_NANO = 4000n;

export interface TokenUsage {
  /** every prompt token: uncached, cache reads and cache writes */
  inputTokens: number;
  /** every generated token, reasoning included */
  outputTokens: number;
  /** the part of inputTokens read from the provider's prompt cache */
  cachedInputTokens: number;
  /** the part of inputTokens written to the prompt cache with a 5-minute TTL; absent = 0 */
  cacheWrite5mTokens?: number;
  /** the part of inputTokens written to the prompt cache with a 1-hour TTL; absent = 0 */
  cacheWrite1hTokens?: number;
  /** the part of outputTokens spent reasoning (billed as output, reported apart); absent = 0 */
  reasoningTokens?: number;
}

/** Prompt-cache write TTLs Anthropic bills apart. */
export type CacheWriteTtl = "5m" | "1h";

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

function assertOptional(name: string, value: number | null | undefined): void {
  if (value !== null && value !== undefined) assertCount(name, value);
}

function assertRates(rates: TokenRates): void {
  assertCount("inputMicroUsdPerMTok", rates.inputMicroUsdPerMTok);
  assertCount("outputMicroUsdPerMTok", rates.outputMicroUsdPerMTok);
  assertOptional("cachedInputMicroUsdPerMTok", rates.cachedInputMicroUsdPerMTok);
  assertOptional("cacheWriteMicroUsdPerMTok", rates.cacheWriteMicroUsdPerMTok);
  assertOptional("cacheWrite1hMicroUsdPerMTok", rates.cacheWrite1hMicroUsdPerMTok);
}

function assertPrice(price: TokenPrice): void {
  assertRates(price);
  if (price.longContext) {
    assertCount("longContext.aboveInputTokens", price.longContext.aboveInputTokens);
    assertRates(price.longContext);
  }
}

/**
 * The rates that apply to a request with this many input tokens (cache reads and writes
 * included): the long-context tier above its threshold, else the base rates.
 */
export function priceTier(price: TokenPrice, inputTokens: number): TokenRates {
  const tier = price.longContext;
  return tier && inputTokens > tier.aboveInputTokens ? tier : price;
}

/** Quarter micro-USD per 1M tokens of a cache write, by Anthropic's rules when the rates
 * leave it unpriced (5-minute writes 1.25 × input, 1-hour writes 2 × input). */
function cacheWriteQuarters(rates: TokenRates, ttl: CacheWriteTtl): bigint {
  const price = ttl === "5m" ? rates.cacheWriteMicroUsdPerMTok : rates.cacheWrite1hMicroUsdPerMTok;
  if (price !== null && price !== undefined) return 4n * BigInt(price);
  return BigInt(rates.inputMicroUsdPerMTok) * (ttl === "5m" ? 5n : 8n);
}

/** ceil(a / b) for non-negative safe integers, without float division. */
function ceilDiv(a: number, b: number): number {
  const remainder = a % b;
  return (a - remainder) / b + (remainder > 0 ? 1 : 0);
}

/**
 * Integer nano-USD for one request, at the tier its input size selects (see priceTier):
 * uncached input at the input price, cache reads at the cached price (the input price when
 * the model has none), 5-minute and 1-hour cache writes at their write prices (1.25 × and
 * 2 × input when the price has none), output — reasoning included — at the output price.
 * Throws RangeError on negative or fractional counts or prices, on cache reads + writes >
 * inputTokens or reasoningTokens > outputTokens, and when the cost itself does not fit in a
 * safe integer (over ~9 million USD).
 */
export function costNanoUsd(price: TokenPrice, usage: TokenUsage): number {
  const { inputTokens, outputTokens, cachedInputTokens } = usage;
  const write5m = usage.cacheWrite5mTokens ?? 0;
  const write1h = usage.cacheWrite1hTokens ?? 0;
  const reasoning = usage.reasoningTokens ?? 0;
  assertPrice(price);
  assertCount("inputTokens", inputTokens);
  assertCount("outputTokens", outputTokens);
  assertCount("cachedInputTokens", cachedInputTokens);
  assertCount("cacheWrite5mTokens", write5m);
  assertCount("cacheWrite1hTokens", write1h);
  assertCount("reasoningTokens", reasoning);
  const uncached = inputTokens - cachedInputTokens - write5m - write1h;
  if (uncached < 0) {
    throw new RangeError(
      `cache reads and writes (${cachedInputTokens} + ${write5m} + ${write1h}) exceed inputTokens (${inputTokens})`,
    );
  }
  if (reasoning > outputTokens) {
    throw new RangeError(`reasoningTokens (${reasoning}) exceeds outputTokens (${outputTokens})`);
  }
  const rates = priceTier(price, inputTokens);
  const input = rates.inputMicroUsdPerMTok;
  const cached = rates.cachedInputMicroUsdPerMTok ?? input;
  const output = rates.outputMicroUsdPerMTok;

  // The common request writes no cache: plain integer arithmetic. A product of safe integers
  // that is itself a safe integer is computed exactly by doubles; one that is not comes out
  // >= 2^53, so the check below never passes an inexact value.
  if (write5m === 0 && write1h === 0) {
    const sum = uncached * input + cachedInputTokens * cached + outputTokens * output;
    if (Number.isSafeInteger(sum)) return ceilDiv(sum, 1000);
  }
  const quarters =
    BigInt(uncached) * 4n * BigInt(input) +
    BigInt(cachedInputTokens) * 4n * BigInt(cached) +
    BigInt(write5m) * cacheWriteQuarters(rates, "5m") +
    BigInt(write1h) * cacheWriteQuarters(rates, "1h") +
    BigInt(outputTokens) * 4n * BigInt(output);
  const nano = (quarters + QUARTERS_PER_NANO - 1n) / QUARTERS_PER_NANO;
  if (nano > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError("cost exceeds Number.MAX_SAFE_INTEGER nano-USD");
  }
  return Number(nano);
}

/**
 * The most a request can cost, for budget reservations: every prompt token at the full input
 * price (no cache discount) — or, when the request asks the provider to write the prompt
 * cache (`cacheWrite`), at that TTL's write price — plus maxOutputTokens of output, all at the
 * long-context tier when promptTokens exceeds its threshold. Saturates at
 * Number.MAX_SAFE_INTEGER instead of throwing, so an absurd max_tokens simply exceeds any
 * budget.
 */
export function estimateMaxCostNanoUsd(
  price: TokenPrice,
  promptTokens: number,
  maxOutputTokens: number,
  cacheWrite?: CacheWriteTtl,
): number {
  assertPrice(price);
  assertCount("promptTokens", promptTokens);
  assertCount("maxOutputTokens", maxOutputTokens);
  const rates = priceTier(price, promptTokens);
  const inputQ = 4n * BigInt(rates.inputMicroUsdPerMTok);
  const writeQ = cacheWrite ? cacheWriteQuarters(rates, cacheWrite) : 0n;
  const quarters =
    BigInt(promptTokens) * (writeQ > inputQ ? writeQ : inputQ) +
    BigInt(maxOutputTokens) * 4n * BigInt(rates.outputMicroUsdPerMTok);
  const nano = (quarters + QUARTERS_PER_NANO - 1n) / QUARTERS_PER_NANO;
  return nano > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(nano);
}

export interface FormatUsdOptions {
  /**
   * Exactly this many decimals (0..9), rounded half away from zero. Without it the value is
   * shown exactly: at least 2 decimals, more only as far as needed (1_500 → "$0.0000015").
   */
  decimals?: number;
}

/** Formats nano-USD as dollars without going through floats: 2_500_000_000 → "$2.50". */
export function formatUsd(nanoUsd: number | bigint, options: FormatUsdOptions = {}): string {
  if (typeof nanoUsd === "number" && !Number.isSafeInteger(nanoUsd)) {
    throw new RangeError(`nanoUsd must be a safe integer, got ${nanoUsd}`);
  }
  const { decimals } = options;
  if (decimals !== undefined && (!Number.isInteger(decimals) || decimals < 0 || decimals > 9)) {
    throw new RangeError(`decimals must be an integer from 0 to 9, got ${decimals}`);
  }
  let value = BigInt(nanoUsd);
  const negative = value < 0n;
  if (negative) value = -value;

  let shown = NANO_DECIMALS;
  if (decimals !== undefined) {
    const unit = 10n ** BigInt(NANO_DECIMALS - decimals);
    value = ((value + unit / 2n) / unit) * unit;
    shown = decimals;
  }
  const digits = value.toString().padStart(NANO_DECIMALS + 1, "0");
  const whole = digits.slice(0, -NANO_DECIMALS);
  let fraction = digits.slice(-NANO_DECIMALS, digits.length - (NANO_DECIMALS - shown));
  if (decimals === undefined) fraction = fraction.replace(/0+$/, "").padEnd(2, "0");

  const sign = negative && value !== 0n ? "-" : "";
  return `${sign}$${whole}${fraction ? `.${fraction}` : ""}`;
}

const USD_PATTERN = /^\$?(\d+)(?:\.(\d{1,9}))?$/;

/**
 * Parses a non-negative decimal dollar amount ("12.34", "$5", "0.000000001") exactly into
 * nano-USD. Throws on anything else: signs, exponents, separators, more than 9 decimals,
 * or amounts beyond Number.MAX_SAFE_INTEGER nano-USD.
 */
export function usdToNanoUsd(usd: string): number {
  const match = USD_PATTERN.exec(usd.trim());
  if (!match) throw new RangeError(`not a dollar amount: ${JSON.stringify(usd.slice(0, 40))}`);
  const whole = match[1] ?? "0";
  const fraction = (match[2] ?? "").padEnd(NANO_DECIMALS, "0");
  const nano = BigInt(whole) * BigInt(NANO_USD_PER_USD) + BigInt(fraction);
  if (nano > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError("dollar amount too large");
  }
  return Number(nano);
}
