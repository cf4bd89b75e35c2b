import { describe, expect, it } from "vitest";
import { readStoredOverride } from "./stored-override";

describe("readStoredOverride", () => {
  it("reads a valid override as it is, and nothing stored as no override", () => {
    expect(readStoredOverride({ actions: { email: "redact", aws_key: "log" } })).toEqual({
      override: { actions: { email: "redact", aws_key: "log" } },
      invalid: null,
    });
    expect(readStoredOverride(null)).toEqual({ override: null, invalid: null });
  });

  it("keeps the valid entries of an invalid override and names each bad one", () => {
    expect(
      readStoredOverride({
        actions: { email: "hide", phone: "redact", emial: "mask", ip: 3 },
      }),
    ).toEqual({
      override: { actions: { phone: "redact" } },
      invalid: {
        entries: [
          { kind: "action", detector: "email", value: "hide" },
          { kind: "detector", detector: "emial", value: "mask" },
          { kind: "action", detector: "ip", value: "3" },
        ],
      },
    });
  });

  it("shortens a long stored value, and says so when the JSON is no action map at all", () => {
    const read = readStoredOverride({ actions: { email: "x".repeat(500) } });
    expect(read.override).toBeNull();
    expect(read.invalid?.entries[0]?.value).toBe(`${"x".repeat(39)}…`);
    expect(readStoredOverride({ actions: ["mask"] })).toEqual({
      override: null,
      invalid: { entries: [] },
    });
    expect(readStoredOverride("mask")).toEqual({ override: null, invalid: { entries: [] } });
  });
});
