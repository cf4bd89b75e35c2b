import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { MODEL_PRICES, type ModelPrice, type PriceProvider, type TokenRates } from "./prices";

/**
 * Compares every entry of the built-in price table with the public reference price data the
 * team keeps beside the clone (../shared/reference/pricing: Portkey's MIT-licensed tables, US
 * cents per token), and lists every difference, so a price that drifts from the reference —
 * or a reference that changes under us — fails here. The files stay where they are: they are
 * read, never copied into the project.
 *
 * CI always has them; a clone without them skips this suite (and says why), except under
 * CI=true, where a missing reference fails.
 */

const REFERENCE_DIR = fileURLToPath(
  new URL("../../../../shared/reference/pricing/", import.meta.url),
);
const FILES: Record<PriceProvider, string> = {
  openai: "openai.json",
  anthropic: "anthropic.json",
  google: "google.json",
};
const available = Object.values(FILES).every((file) => existsSync(REFERENCE_DIR + file));
const inCi = process.env.CI === "true" || process.env.CI === "1";

/**
 * Differences we keep on purpose, each with its reason. An entry must match a difference
 * exactly (model, field and both values): when the reference or our table changes, the entry
 * stops matching and the difference is listed again.
 */
const KNOWN_REFERENCE_ERRORS: ReadonlyArray<{
  model: string;
  field: string;
  ours: number | null;
  reference: number | null;
  why: string;
}> = [
  {
    model: "gpt-5-pro",
    field: "cachedInputMicroUsdPerMTok",
    ours: null,
    reference: 5_000,
    why:
      "the reference's $0.005/1M is gpt-5-nano's cache-read price copied into gpt-5-pro (1/3000 " +
      "of its $15 input); OpenAI lists no cached price for the pro models, so cached tokens " +
      "bill as input",
  },
];

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

function readReference(provider: PriceProvider): Json {
  return JSON.parse(readFileSync(REFERENCE_DIR + FILES[provider], "utf8")) as Json;
}

/** US cents per token → integer micro-USD per million tokens (× 1e10), null when absent. */
function microUsdPerMTok(rates: Json, name: string): number | null {
  const entry = rates[name];
  if (!isObject(entry) || typeof entry.price !== "number") return null;
  const value = entry.price * 1e10;
  const rounded = Math.round(value);
  // a price that is not a whole micro-USD per 1M tokens cannot be stated in our unit
  if (Math.abs(value - rounded) > 1e-6 * Math.max(1, value)) return Number.NaN;
  return rounded;
}

function payAsYouGo(entry: unknown): Json | null {
  if (!isObject(entry) || !isObject(entry.pricing_config)) return null;
  const rates = entry.pricing_config.pay_as_you_go;
  return isObject(rates) ? rates : null;
}

/** The reference's rates in our fields. Cache writes are compared for Anthropic only: OpenAI
 * bills none, and Google's context-cache writes (input plus storage per hour) never show up in
 * the usage the gateway sees, so the table leaves them null. */
function referenceRates(
  provider: PriceProvider,
  rates: Json,
): Partial<Record<keyof TokenRates, number | null>> {
  const out: Partial<Record<keyof TokenRates, number | null>> = {
    inputMicroUsdPerMTok: microUsdPerMTok(rates, "request_token"),
    outputMicroUsdPerMTok: microUsdPerMTok(rates, "response_token") ?? 0,
    cachedInputMicroUsdPerMTok: microUsdPerMTok(rates, "cache_read_input_token"),
  };
  if (provider === "anthropic") {
    out.cacheWriteMicroUsdPerMTok = microUsdPerMTok(rates, "cache_write_input_token");
    const extra = isObject(rates.additional_units) ? rates.additional_units : {};
    out.cacheWrite1hMicroUsdPerMTok = microUsdPerMTok(extra, "cache_write_1h");
  }
  return out;
}

/** Which reference entry describes our id: the id itself, Google's base context tier, the
 * `-latest` alias, or the newest dated snapshot. */
function referenceId(provider: PriceProvider, reference: Json, id: string): string | null {
  const candidates = provider === "google" ? [`${id}-lte-128k`, id] : [id, `${id}-latest`];
  for (const candidate of candidates) if (payAsYouGo(reference[candidate])) return candidate;
  const dated = Object.keys(reference)
    .filter((key) => key.startsWith(`${id}-`) && /^\d{8}$/.test(key.slice(id.length + 1)))
    .sort();
  return dated.at(-1) ?? null;
}

interface ReferenceTier {
  aboveInputTokens: number;
  rates: Json;
}

/**
 * The long-context tier the reference gives a model, if any: Google's `-gt-128k` entry when
 * its prices differ from the base tier (the entry's name is the reference's; Google's
 * threshold is 200k prompt tokens), or an OpenAI `context_tier_map` above 0 tokens.
 */
function referenceTier(
  provider: PriceProvider,
  reference: Json,
  id: string,
  base: Json,
): ReferenceTier | null {
  if (provider === "google") {
    const rates = payAsYouGo(reference[`${id}-gt-128k`]);
    if (!rates) return null;
    const same = ["request_token", "response_token", "cache_read_input_token"].every(
      (name) => microUsdPerMTok(rates, name) === microUsdPerMTok(base, name),
    );
    return same ? null : { aboveInputTokens: 200_000, rates };
  }
  const custom = isObject(reference[id]) ? (reference[id] as Json).custom_pricing : undefined;
  if (!isObject(custom) || !isObject(custom.context_tier_map)) return null;
  const above = Object.entries(custom.context_tier_map).find(([tokens]) => Number(tokens) > 0);
  if (!above) return null;
  const regions = isObject(custom.regions) ? custom.regions : {};
  const standard = (regions.default as Json | undefined)?.execution_modes as Json | undefined;
  const tiers = (standard?.standard as Json | undefined)?.context_tiers as Json | undefined;
  const rates = payAsYouGo(tiers?.[String(above[1])]);
  return rates ? { aboveInputTokens: Number(above[0]), rates } : null;
}

function compareRates(
  label: string,
  provider: PriceProvider,
  ours: TokenRates,
  theirs: Json,
  differences: Difference[],
  model: string,
): void {
  for (const [field, reference] of Object.entries(referenceRates(provider, theirs))) {
    const mine = ours[field as keyof TokenRates] ?? null;
    if (mine !== reference) {
      differences.push({
        model,
        field: `${label}${field}`,
        ours: mine,
        reference: reference ?? null,
      });
    }
  }
}

interface Difference {
  model: string;
  field: string;
  ours: number | null;
  reference: number | null;
  note?: string;
}

function allDifferences(): Difference[] {
  const references = {
    openai: readReference("openai"),
    anthropic: readReference("anthropic"),
    google: readReference("google"),
  };
  const differences: Difference[] = [];
  for (const [model, price] of Object.entries(MODEL_PRICES) as [string, ModelPrice][]) {
    const reference = references[price.provider];
    const refId = referenceId(price.provider, reference, model);
    const base = refId ? payAsYouGo(reference[refId]) : null;
    if (!refId || !base) {
      differences.push({
        model,
        field: "(entry)",
        ours: null,
        reference: null,
        note: "not in the reference",
      });
      continue;
    }
    compareRates("", price.provider, price, base, differences, model);

    const tierId = price.provider === "google" ? model : refId;
    const tier = referenceTier(price.provider, reference, tierId, base);
    if (tier && !price.longContext) {
      differences.push({
        model,
        field: "longContext",
        ours: null,
        reference: tier.aboveInputTokens,
        note: "the reference prices prompts above this size differently",
      });
    } else if (tier && price.longContext) {
      if (price.longContext.aboveInputTokens !== tier.aboveInputTokens) {
        differences.push({
          model,
          field: "longContext.aboveInputTokens",
          ours: price.longContext.aboveInputTokens,
          reference: tier.aboveInputTokens,
        });
      }
      compareRates(
        "longContext.",
        price.provider,
        price.longContext,
        tier.rates,
        differences,
        model,
      );
    } else if (!tier && price.longContext && price.provider !== "anthropic") {
      // the reference has no long-context data for Anthropic (prices.test.ts checks those
      // tiers against Anthropic's published rule); elsewhere a tier it lacks is a difference
      differences.push({
        model,
        field: "longContext",
        ours: price.longContext.aboveInputTokens,
        reference: null,
        note: "the reference has one price for every prompt size",
      });
    }
  }
  return differences;
}

const describeReference = available || inCi ? describe : describe.skip;
if (!available && !inCi) {
  console.warn(
    `price-reference.test.ts skipped: no reference price data at ${REFERENCE_DIR} (the team's ` +
      "shared/ folder beside the clone; CI always has it and runs this check)",
  );
}
const suiteName = available
  ? "the built-in price table against ../shared/reference/pricing"
  : `the built-in price table against the reference (skipped: ${REFERENCE_DIR} not found; CI has it beside the clone)`;

describeReference(suiteName, () => {
  it("finds the reference beside the clone", () => {
    // only reached without the files under CI=true: CI must compare, never skip
    expect(available, `${REFERENCE_DIR} is missing`).toBe(true);
  });

  it("agrees with it on every price of every model, apart from the known reference errors", () => {
    const differences = allDifferences();
    const known = (d: Difference) =>
      KNOWN_REFERENCE_ERRORS.some(
        (k) =>
          k.model === d.model &&
          k.field === d.field &&
          k.ours === d.ours &&
          k.reference === d.reference,
      );
    const listed = differences
      .filter((d) => !known(d))
      .map(
        (d) =>
          `${d.model} ${d.field}: ours ${d.ours ?? "none"}, reference ${d.reference ?? "none"}` +
          (d.note ? ` (${d.note})` : ""),
      );
    expect(listed).toEqual([]);
    // a known error that no longer shows up is stale: drop it
    const stale = KNOWN_REFERENCE_ERRORS.filter(
      (k) => !differences.some((d) => d.model === k.model && d.field === k.field),
    ).map((k) => `${k.model} ${k.field}`);
    expect(stale).toEqual([]);
  });
});
