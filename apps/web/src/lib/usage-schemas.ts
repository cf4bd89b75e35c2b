import { z } from "zod";

/**
 * Inputs of the usage, request-log and price procedures, shared by the forms (client) and the
 * routers (server). Client-safe: zod only.
 */

const IdSchema = z.string().min(1).max(64);
const IdListSchema = z.array(IdSchema).max(100).default([]);
const LocalDaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date like 2026-11-22");

export const RANGE_PRESETS = ["24h", "7d", "30d", "90d"] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];

/** A preset ending now, or whole calendar days (in the workspace's time zone), inclusive. */
export const UsageRangeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("preset"), preset: z.enum(RANGE_PRESETS) }),
  z
    .object({ kind: z.literal("custom"), fromDay: LocalDaySchema, toDay: LocalDaySchema })
    .refine((r) => r.fromDay <= r.toDay, {
      message: "the start must not be after the end",
      path: ["toDay"],
    })
    .refine((r) => Date.parse(r.toDay) - Date.parse(r.fromDay) <= 400 * 86_400_000, {
      message: "at most 400 days",
      path: ["fromDay"],
    }),
]);
export type UsageRange = z.infer<typeof UsageRangeSchema>;

export const GROUP_BY = ["model", "key", "prompt"] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export const UsageFiltersSchema = z.object({
  keyIds: IdListSchema,
  models: z.array(z.string().min(1).max(200)).max(100).default([]),
  /** every version of these prompts */
  promptIds: IdListSchema,
  /** these versions ("" = requests without a prompt) */
  promptVersionIds: z.array(z.string().max(64)).max(100).default([]),
});

export const OverviewInputSchema = UsageFiltersSchema.extend({
  range: UsageRangeSchema,
  groupBy: z.enum(GROUP_BY).default("model"),
});
export type OverviewInput = z.input<typeof OverviewInputSchema>;

export const REQUEST_STATUS_FILTERS = ["all", "success", "error"] as const;

/** A dollar amount typed in a filter ("0.01"); exact, at most 9 decimals. */
export const UsdFilterSchema = z
  .string()
  .trim()
  .regex(/^\d{1,9}(\.\d{1,9})?$/, "must be a dollar amount like 0.01");

export const RequestLogFiltersSchema = z.object({
  keyIds: IdListSchema,
  models: z.array(z.string().min(1).max(200)).max(100).default([]),
  /** "all", "success", "error", or one HTTP status like "429" */
  status: z
    .union([z.enum(REQUEST_STATUS_FILTERS), z.string().regex(/^[1-5]\d\d$/, "an HTTP status")])
    .default("all"),
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
  minCostUsd: UsdFilterSchema.optional(),
  minLatencyMs: z.number().int().min(0).max(86_400_000).optional(),
});
export type RequestLogFiltersInput = z.input<typeof RequestLogFiltersSchema>;

export const RequestLogListInputSchema = z.object({
  filters: RequestLogFiltersSchema.default({
    keyIds: [],
    models: [],
    status: "all",
  }),
  cursor: z.string().max(400).nullish(),
  limit: z.number().int().min(1).max(200).default(50),
});

/** Micro-USD per million tokens as typed: dollars per 1 M tokens ("2.50"), 6 decimals max. */
export const PricePerMTokSchema = z
  .string()
  .trim()
  .regex(/^\d{1,6}(\.\d{1,6})?$/, "must be dollars per 1M tokens, like 2.50");

export const PriceOverrideInputSchema = z.object({
  model: z.string().trim().min(1).max(200),
  inputUsdPerMTok: PricePerMTokSchema,
  outputUsdPerMTok: PricePerMTokSchema,
  /** empty = cached input costs the input price */
  cachedInputUsdPerMTok: PricePerMTokSchema.or(z.literal("")).default(""),
});
export type PriceOverrideInput = z.input<typeof PriceOverrideInputSchema>;

/** "2.50" → 2_500_000 micro-USD per million tokens, exactly. */
export function usdPerMTokToMicro(value: string): number {
  const [whole = "0", fraction = ""] = value.trim().split(".");
  return Number(whole) * 1_000_000 + Number(fraction.padEnd(6, "0"));
}

/** 2_500_000 → "2.50" (at least 2 decimals, up to 6). */
export function microToUsdPerMTok(micro: number): string {
  const whole = Math.floor(micro / 1_000_000);
  const fraction = String(micro % 1_000_000)
    .padStart(6, "0")
    .replace(/0+$/, "")
    .padEnd(2, "0");
  return `${whole}.${fraction}`;
}

/** The overview's first view; the page prefetches exactly this input so the client hydrates it. */
export function defaultOverviewInput() {
  return {
    range: { kind: "preset" as const, preset: "7d" as const },
    groupBy: "model" as const,
    keyIds: [] as string[],
    models: [] as string[],
    promptIds: [] as string[],
    promptVersionIds: [] as string[],
  };
}
