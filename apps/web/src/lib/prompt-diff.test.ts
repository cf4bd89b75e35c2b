import { describe, expect, it } from "vitest";
import { diffLines, diffVersions } from "./prompt-diff";

describe("diffLines", () => {
  it("aligns equal lines and pairs a removal with the addition that replaces it", () => {
    expect(diffLines(["a", "b", "c"], ["a", "B", "c", "d"])).toEqual([
      { kind: "same", left: "a", right: "a" },
      { kind: "changed", left: "b", right: "B" },
      { kind: "same", left: "c", right: "c" },
      { kind: "added", left: null, right: "d" },
    ]);
  });

  it("shows pure removals and additions on their side only", () => {
    expect(diffLines(["x", "y"], ["y"])).toEqual([
      { kind: "removed", left: "x", right: null },
      { kind: "same", left: "y", right: "y" },
    ]);
    expect(diffLines([], ["new"])).toEqual([{ kind: "added", left: null, right: "new" }]);
  });
});

describe("diffVersions", () => {
  it("compares model, params, variables and each message line", () => {
    const base = {
      model: "gpt-4o-mini",
      params: {},
      variables: [{ name: "q", default: null }],
      messages: [{ role: "user", content: "Hi\n{{q}}" }],
    };
    const rows = diffVersions(base, {
      ...base,
      model: null,
      variables: [{ name: "q", default: "why?" }],
    });
    expect(rows.filter((r) => r.kind !== "same")).toEqual([
      { kind: "changed", left: "model: gpt-4o-mini", right: "model: (set by the client)" },
      { kind: "changed", left: "variable q (required)", right: 'variable q = "why?"' },
    ]);
    expect(rows.at(-1)).toEqual({ kind: "same", left: "{{q}}", right: "{{q}}" });
  });
});
