import { formatUsd } from "@gatehouse/shared";

/** Display helpers of the usage pages (client-safe). Money stays exact until it is shown. */

/** Dollars for people: cents normally, more decimals for sub-cent amounts ("$0.000412"). */
export function money(nano: bigint | number): string {
  const value = BigInt(nano);
  if (value === 0n) return "$0.00";
  if (value < 10_000_000n) return formatUsd(value, { decimals: 6 });
  return formatUsd(value, { decimals: 2 });
}

/** Nano-USD → dollars as a float, for chart geometry only (never for totals). */
export function usdNumber(nano: bigint | number): number {
  return Number(nano) / 1e9;
}

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const whole = new Intl.NumberFormat("en");

export function count(n: number): string {
  return n >= 100_000 ? compact.format(n) : whole.format(n);
}

/**
 * A request's token counts the way a provider's invoice splits them: prompt tokens read from and
 * written to the cache (by TTL: the writes cost 1.25x / 2x input) and reasoning tokens (billed
 * as output) are parts of the in / out totals.
 */
export function tokenSummary(log: {
  inputTokens: number;
  cachedInputTokens: number;
  cacheWrite5mTokens: number;
  cacheWrite1hTokens: number;
  outputTokens: number;
  reasoningTokens: number;
}): string {
  const prompt = [`${count(log.cachedInputTokens)} cached`];
  if (log.cacheWrite5mTokens > 0) {
    prompt.push(`${count(log.cacheWrite5mTokens)} written to cache for 5 min`);
  }
  if (log.cacheWrite1hTokens > 0) {
    prompt.push(`${count(log.cacheWrite1hTokens)} written to cache for 1 h`);
  }
  const reasoning = log.reasoningTokens > 0 ? ` (${count(log.reasoningTokens)} reasoning)` : "";
  return `${count(log.inputTokens)} in (${prompt.join(" · ")}) · ${count(log.outputTokens)} out${reasoning}`;
}

export function percent(part: number, total: number): string {
  if (total === 0) return "0%";
  const p = (part / total) * 100;
  return `${p < 10 ? p.toFixed(1) : Math.round(p)}%`;
}

export function ms(value: number | null): string {
  if (value === null) return "—";
  return value >= 1000 ? `${(value / 1000).toFixed(value >= 10_000 ? 0 : 1)} s` : `${value} ms`;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${timeZone}|${JSON.stringify(options)}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat("en", { timeZone, ...options });
    formatters.set(key, f);
  }
  return f;
}

/** A chart bucket: an hour start (ISO instant) or a local date ("2026-11-22"). */
export function bucketLabel(bucket: string, kind: "hour" | "day", timeZone: string): string {
  if (kind === "day") {
    return formatter("UTC", { month: "short", day: "numeric" }).format(
      new Date(`${bucket}T00:00:00Z`),
    );
  }
  return formatter(timeZone, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(
    new Date(bucket),
  );
}

export function dateTime(value: Date, timeZone: string): string {
  return formatter(timeZone, {
    month: "short",
    day: "numeric",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
  }).format(value);
}

/** The local calendar date of an instant in a time zone ("2026-11-22"). */
export function localDay(value: Date, timeZone: string): string {
  const parts = formatter(timeZone, {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(value);
  const get = (type: string) => parts.find((part) => part.type === type)?.value ?? "";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/** Series colours: distinct at a glance, "Other" in grey. */
export const SERIES_COLORS = [
  "#4f46e5",
  "#0ea5e9",
  "#10b981",
  "#f59e0b",
  "#ef4444",
  "#8b5cf6",
  "#ec4899",
  "#14b8a6",
];
export const OTHER_COLOR = "#94a3b8";
