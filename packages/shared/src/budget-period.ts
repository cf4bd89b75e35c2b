import type { BudgetPeriod } from "./enums";

/**
 * Budget periods are calendar-aligned in the workspace's IANA time zone: daily starts at local
 * midnight, weekly on Monday 00:00, monthly on the 1st 00:00, lifetime at the epoch. A period
 * is [periodStart, periodEnd). Resets are computed from these instants, never by a cron job.
 *
 * On a day whose local midnight does not exist (a DST jump at 00:00, e.g. America/Santiago)
 * the day starts at the first instant that does exist; where midnight occurs twice, at the
 * first one.
 */

/** periodEnd of a lifetime budget: the largest instant a Date can hold. */
export const LIFETIME_END = new Date(8.64e15);

const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // throws RangeError for an unknown time zone, which then is never cached
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The local wall-clock time at instant `t`, written as if it were a UTC timestamp. */
function wallClock(t: number, timeZone: string): number {
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(t)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  const { year, month, day, hour, minute, second } = fields;
  return Date.UTC(year, month - 1, day, hour, minute, second) + (t - Math.floor(t / 1000) * 1000);
}

function offsetAt(t: number, timeZone: string): number {
  return wallClock(t, timeZone) - t;
}

/** The first instant whose local date is the day of `wallMidnight` (Date.UTC of that date). */
function startOfLocalDay(wallMidnight: number, timeZone: string): number {
  const offsets = new Set([
    offsetAt(wallMidnight - DAY_MS, timeZone),
    offsetAt(wallMidnight, timeZone),
    offsetAt(wallMidnight + DAY_MS, timeZone),
  ]);
  const candidates = [...offsets].map((offset) => wallMidnight - offset);
  const valid = candidates.filter((t) => offsetAt(t, timeZone) === wallMidnight - t);
  if (valid.length > 0) return Math.min(...valid);

  // Midnight falls in a DST gap: find the transition, in whole seconds.
  let lo = Math.min(...candidates); // local time before midnight
  let hi = Math.max(...candidates); // local time after midnight
  while (hi - lo > 1000) {
    const mid = lo + Math.floor((hi - lo) / 2000) * 1000;
    if (wallClock(mid, timeZone) >= wallMidnight) hi = mid;
    else lo = mid;
  }
  return hi;
}

interface Bounds {
  start: number;
  end: number;
}

function computeBounds(period: BudgetPeriod, now: number, timeZone: string): Bounds {
  if (period === "lifetime") return { start: 0, end: LIFETIME_END.getTime() };
  const local = new Date(wallClock(now, timeZone));
  const year = local.getUTCFullYear();
  const month = local.getUTCMonth();
  const day = local.getUTCDate();
  // Date.UTC normalises day/month overflow, which does the calendar arithmetic for us.
  let first: number;
  let next: number;
  switch (period) {
    case "daily":
      first = Date.UTC(year, month, day);
      next = Date.UTC(year, month, day + 1);
      break;
    case "weekly": {
      const sinceMonday = (local.getUTCDay() + 6) % 7;
      first = Date.UTC(year, month, day - sinceMonday);
      next = Date.UTC(year, month, day - sinceMonday + 7);
      break;
    }
    case "monthly":
      first = Date.UTC(year, month, 1);
      next = Date.UTC(year, month + 1, 1);
      break;
  }
  return { start: startOfLocalDay(first, timeZone), end: startOfLocalDay(next, timeZone) };
}

// The proxy asks on every request; the answer only changes when a period rolls over.
const boundsCache = new Map<string, Bounds>();

function bounds(period: BudgetPeriod, now: Date, timeZone: string): Bounds {
  const t = now.getTime();
  if (Number.isNaN(t)) throw new RangeError("now is an invalid Date");
  const cacheKey = `${period}|${timeZone}`;
  const cached = boundsCache.get(cacheKey);
  if (cached && cached.start <= t && t < cached.end) return cached;
  const fresh = computeBounds(period, t, timeZone);
  boundsCache.set(cacheKey, fresh);
  return fresh;
}

/** The first instant of the budget period containing `now`, in `timeZone` (IANA name). */
export function periodStart(period: BudgetPeriod, now: Date, timeZone: string): Date {
  return new Date(bounds(period, now, timeZone).start);
}

/** The first instant after the budget period containing `now` (exclusive end). */
export function periodEnd(period: BudgetPeriod, now: Date, timeZone: string): Date {
  return new Date(bounds(period, now, timeZone).end);
}
