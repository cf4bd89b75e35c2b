import type { TokenPrice } from "./prices";

/**
 * Cost arithmetic in integers only. Prices are micro-USD per million tokens, costs are
 * nano-USD (1 USD = 1e9), so tokens × price / 1e6 micro-USD = tokens × price / 1000 nano-USD.
 * The products are summed exactly and rounded up once, at the end.
 */

export const NANO_USD_PER_USD = 1_000_000_000;
const NANO_DECIMALS = 9;

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  /** the part of inputTokens read from the provider's prompt cache */
  cachedInputTokens: number;
}

function assertCount(name: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
  }
}

function assertPrice(price: TokenPrice): void {
  assertCount("inputMicroUsdPerMTok", price.inputMicroUsdPerMTok);
  assertCount("outputMicroUsdPerMTok", price.outputMicroUsdPerMTok);
  if (price.cachedInputMicroUsdPerMTok !== null) {
    assertCount("cachedInputMicroUsdPerMTok", price.cachedInputMicroUsdPerMTok);
  }
}

/** ceil(a / b) for non-negative safe integers, without float division. */
function ceilDiv(a: number, b: number): number {
  const remainder = a % b;
  return (a - remainder) / b + (remainder > 0 ? 1 : 0);
}

/**
 * Integer nano-USD for one request: uncached input at the input price, cached input at the
 * cached price (the input price when the model has none), output at the output price.
 * Throws RangeError on negative or fractional counts or prices, on cachedInputTokens >
 * inputTokens, and when the cost itself does not fit in a safe integer (over ~9 million USD).
 */
export function costNanoUsd(price: TokenPrice, usage: TokenUsage): number {
  const { inputTokens, outputTokens, cachedInputTokens } = usage;
  assertPrice(price);
  assertCount("inputTokens", inputTokens);
  assertCount("outputTokens", outputTokens);
  assertCount("cachedInputTokens", cachedInputTokens);
  if (cachedInputTokens > inputTokens) {
    throw new RangeError(
      `cachedInputTokens (${cachedInputTokens}) exceeds inputTokens (${inputTokens})`,
    );
  }
  const cachedPrice = price.cachedInputMicroUsdPerMTok ?? price.inputMicroUsdPerMTok;
  const uncached = inputTokens - cachedInputTokens;

  // A product of safe integers that is itself a safe integer is computed exactly by doubles;
  // one that is not comes out >= 2^53, so the check below never passes an inexact value.
  const sum =
    uncached * price.inputMicroUsdPerMTok +
    cachedInputTokens * cachedPrice +
    outputTokens * price.outputMicroUsdPerMTok;
  if (Number.isSafeInteger(sum)) return ceilDiv(sum, 1000);

  const big =
    BigInt(uncached) * BigInt(price.inputMicroUsdPerMTok) +
    BigInt(cachedInputTokens) * BigInt(cachedPrice) +
    BigInt(outputTokens) * BigInt(price.outputMicroUsdPerMTok);
  const nano = (big + 999n) / 1000n;
  if (nano > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new RangeError("cost exceeds Number.MAX_SAFE_INTEGER nano-USD");
  }
  return Number(nano);
}

/**
 * The most a request can cost, for budget reservations: every prompt token at the full input
 * price (no cache discount) plus maxOutputTokens of output. Saturates at
 * Number.MAX_SAFE_INTEGER instead of throwing, so an absurd max_tokens simply exceeds any
 * budget.
 */
export function estimateMaxCostNanoUsd(
  price: TokenPrice,
  promptTokens: number,
  maxOutputTokens: number,
): number {
  assertPrice(price);
  assertCount("promptTokens", promptTokens);
  assertCount("maxOutputTokens", maxOutputTokens);
  const big =
    BigInt(promptTokens) * BigInt(price.inputMicroUsdPerMTok) +
    BigInt(maxOutputTokens) * BigInt(price.outputMicroUsdPerMTok);
  const nano = (big + 999n) / 1000n;
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
