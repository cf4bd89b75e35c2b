import { describe, expect, it } from "vitest";
import { LIFETIME_END, periodEnd, periodStart } from "./budget-period";
import type { BudgetPeriod } from "./enums";

const at = (iso: string) => new Date(iso);
const bounds = (period: BudgetPeriod, now: string, timeZone: string) => [
  periodStart(period, at(now), timeZone).toISOString(),
  periodEnd(period, at(now), timeZone).toISOString(),
];
const HOUR = 3_600_000;

describe("budget periods in UTC", () => {
  it("daily runs midnight to midnight", () => {
    expect(bounds("daily", "2025-03-15T13:45:10.123Z", "UTC")).toEqual([
      "2025-03-15T00:00:00.000Z",
      "2025-03-16T00:00:00.000Z",
    ]);
  });

  it("an instant at midnight belongs to the day it starts", () => {
    expect(bounds("daily", "2025-03-16T00:00:00.000Z", "UTC")[0]).toBe("2025-03-16T00:00:00.000Z");
    expect(bounds("daily", "2025-03-15T23:59:59.999Z", "UTC")[0]).toBe("2025-03-15T00:00:00.000Z");
  });

  it("weekly starts on Monday", () => {
    // 2025-03-15 is a Saturday, 2025-03-16 a Sunday, 2025-03-17 a Monday
    const week = ["2025-03-10T00:00:00.000Z", "2025-03-17T00:00:00.000Z"];
    expect(bounds("weekly", "2025-03-15T12:00:00Z", "UTC")).toEqual(week);
    expect(bounds("weekly", "2025-03-16T23:59:59.999Z", "UTC")).toEqual(week);
    expect(bounds("weekly", "2025-03-10T00:00:00Z", "UTC")).toEqual(week);
    expect(bounds("weekly", "2025-03-17T00:00:00Z", "UTC")[0]).toBe("2025-03-17T00:00:00.000Z");
  });

  it("weekly crosses month and year ends", () => {
    // Thursday 2026-01-01 belongs to the week of Monday 2025-12-29
    expect(bounds("weekly", "2026-01-01T08:00:00Z", "UTC")).toEqual([
      "2025-12-29T00:00:00.000Z",
      "2026-01-05T00:00:00.000Z",
    ]);
  });

  it("monthly starts on the 1st, for short, leap and year-end months", () => {
    expect(bounds("monthly", "2024-02-29T23:59:59Z", "UTC")).toEqual([
      "2024-02-01T00:00:00.000Z",
      "2024-03-01T00:00:00.000Z",
    ]);
    expect(bounds("monthly", "2025-02-28T12:00:00Z", "UTC")[1]).toBe("2025-03-01T00:00:00.000Z");
    expect(bounds("monthly", "2025-04-30T12:00:00Z", "UTC")[1]).toBe("2025-05-01T00:00:00.000Z");
    expect(bounds("monthly", "2025-12-31T23:00:00Z", "UTC")).toEqual([
      "2025-12-01T00:00:00.000Z",
      "2026-01-01T00:00:00.000Z",
    ]);
  });

  it("lifetime starts at the epoch and never ends", () => {
    expect(periodStart("lifetime", at("2025-03-15T00:00:00Z"), "UTC").getTime()).toBe(0);
    expect(periodEnd("lifetime", at("2025-03-15T00:00:00Z"), "UTC")).toEqual(LIFETIME_END);
  });
});

describe("budget periods in America/New_York", () => {
  const NY = "America/New_York";

  it("daily follows local midnight, not UTC midnight", () => {
    // 03:00Z on the 16th is still the evening of the 15th in New York (EDT, UTC-4)
    expect(bounds("daily", "2025-06-16T03:00:00Z", NY)).toEqual([
      "2025-06-15T04:00:00.000Z",
      "2025-06-16T04:00:00.000Z",
    ]);
  });

  it("the spring-forward day is 23 hours long", () => {
    // 2025-03-09: 02:00 EST jumps to 03:00 EDT
    const [start, end] = bounds("daily", "2025-03-09T12:00:00Z", NY);
    expect([start, end]).toEqual(["2025-03-09T05:00:00.000Z", "2025-03-10T04:00:00.000Z"]);
    expect(Date.parse(end!) - Date.parse(start!)).toBe(23 * HOUR);
  });

  it("the fall-back day is 25 hours long", () => {
    // 2025-11-02: 02:00 EDT falls back to 01:00 EST
    const [start, end] = bounds("daily", "2025-11-02T06:30:00Z", NY);
    expect([start, end]).toEqual(["2025-11-02T04:00:00.000Z", "2025-11-03T05:00:00.000Z"]);
    expect(Date.parse(end!) - Date.parse(start!)).toBe(25 * HOUR);
  });

  it("a week spanning the DST switch starts Monday EST and ends Monday EDT", () => {
    expect(bounds("weekly", "2025-03-08T12:00:00Z", NY)).toEqual([
      "2025-03-03T05:00:00.000Z",
      "2025-03-10T04:00:00.000Z",
    ]);
    // Sunday night local is still the old week, though it is Monday in UTC
    expect(bounds("weekly", "2025-03-10T03:30:00Z", NY)[0]).toBe("2025-03-03T05:00:00.000Z");
  });

  it("a month spanning the DST switch starts in EST and ends in EDT", () => {
    expect(bounds("monthly", "2025-03-20T12:00:00Z", NY)).toEqual([
      "2025-03-01T05:00:00.000Z",
      "2025-04-01T04:00:00.000Z",
    ]);
    // 03:00Z on March 1st is still February 28th locally
    expect(bounds("monthly", "2025-03-01T03:00:00Z", NY)).toEqual([
      "2025-02-01T05:00:00.000Z",
      "2025-03-01T05:00:00.000Z",
    ]);
  });
});

describe("budget periods elsewhere", () => {
  it("zones ahead of UTC start the local day on the previous UTC date", () => {
    // 20:00Z on March 31st is 05:00 on April 1st in Tokyo
    expect(bounds("monthly", "2025-03-31T20:00:00Z", "Asia/Tokyo")).toEqual([
      "2025-03-31T15:00:00.000Z",
      "2025-04-30T15:00:00.000Z",
    ]);
    expect(bounds("daily", "2025-03-31T20:00:00Z", "Asia/Kolkata")).toEqual([
      "2025-03-31T18:30:00.000Z",
      "2025-04-01T18:30:00.000Z",
    ]);
  });

  it("a day whose midnight does not exist starts when the clock jumps", () => {
    // Havana 2025-03-09: 00:00 CST jumps to 01:00 CDT
    expect(bounds("daily", "2025-03-09T12:00:00Z", "America/Havana")).toEqual([
      "2025-03-09T05:00:00.000Z",
      "2025-03-10T04:00:00.000Z",
    ]);
  });

  it("a day whose midnight happens twice starts at the first one", () => {
    // Havana 2025-11-02: 01:00 CDT falls back to 00:00 CST
    expect(bounds("daily", "2025-11-02T12:00:00Z", "America/Havana")).toEqual([
      "2025-11-02T04:00:00.000Z",
      "2025-11-03T05:00:00.000Z",
    ]);
  });

  it("always puts now in [start, end) and is stable at its boundaries", () => {
    const zones = [
      "UTC",
      "America/New_York",
      "Europe/Berlin",
      "Australia/Lord_Howe", // 30-minute DST shift
      "Asia/Kathmandu", // UTC+05:45
      "America/Havana", // DST switches at midnight
    ];
    const periods: BudgetPeriod[] = ["daily", "weekly", "monthly"];
    let t = Date.parse("2024-01-01T00:00:00Z");
    // ~1 year in uneven steps, so every weekday and hour of day comes up
    for (let i = 0; i < 150; i++, t += 58 * HOUR + 7 * 60_000) {
      for (const zone of zones) {
        for (const period of periods) {
          const now = new Date(t);
          const start = periodStart(period, now, zone);
          const end = periodEnd(period, now, zone);
          expect(start.getTime()).toBeLessThanOrEqual(t);
          expect(end.getTime()).toBeGreaterThan(t);
          expect(periodStart(period, start, zone)).toEqual(start);
          expect(periodStart(period, end, zone)).toEqual(end);
          expect(periodEnd(period, new Date(end.getTime() - 1), zone)).toEqual(end);
        }
      }
    }
  });

  it("rejects an unknown time zone and an invalid date", () => {
    expect(() => periodStart("daily", at("2025-01-01T00:00:00Z"), "Mars/Olympus_Mons")).toThrow(
      RangeError,
    );
    expect(() => periodStart("daily", new Date(Number.NaN), "UTC")).toThrow(RangeError);
  });
});
