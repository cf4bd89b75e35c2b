/**
 * Calendar helpers for rollup queries. usage_daily.day is the calendar day of an event in the
 * workspace's time zone, so range bounds given as instants are turned into local dates here.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

const dateFormatters = new Map<string, Intl.DateTimeFormat>();

/** The local calendar date ("2026-11-22") of instant `t` in `timeZone`. */
export function localDate(t: Date, timeZone: string): string {
  let formatter = dateFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat("en-CA", {
      timeZone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
    });
    dateFormatters.set(timeZone, formatter);
  }
  return formatter.format(t);
}

/** "2026-11-22" + n days, by calendar (no time zone involved). */
export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00.000Z`) + days * DAY_MS;
  return new Date(t).toISOString().slice(0, 10);
}

/** Every calendar date from `first` to `last`, inclusive. */
export function datesBetween(first: string, last: string): string[] {
  const out: string[] = [];
  for (let d = first; d <= last; d = addDays(d, 1)) out.push(d);
  return out;
}

export function floorHour(t: Date): Date {
  return new Date(Math.floor(t.getTime() / HOUR_MS) * HOUR_MS);
}

/** Hour starts from floorHour(from) up to (not including) `to`. */
export function hoursBetween(from: Date, to: Date): Date[] {
  const out: Date[] = [];
  for (let t = floorHour(from).getTime(); t < to.getTime(); t += HOUR_MS) out.push(new Date(t));
  return out;
}

export { DAY_MS, HOUR_MS };
