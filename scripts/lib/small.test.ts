import { describe, expect, it } from "vitest";
import { compareVersions, checkNode } from "./deps.mjs";
import { parseSeedOutput } from "./dev-state.mjs";
import { summarizeVitestJson } from "./vitest-summary.mjs";

describe("checkNode", () => {
  it("accepts 20.19 and newer, and names the versions otherwise", () => {
    expect(compareVersions("20.19.0", "20.19.0")).toBe(0);
    expect(compareVersions("v22.1.0", "20.19.0")).toBeGreaterThan(0);
    expect(compareVersions("20.9.0", "20.19.0")).toBeLessThan(0);
    expect(() => checkNode("20.19.0")).not.toThrow();
    expect(() => checkNode("24.0.0")).not.toThrow();
    expect(() => checkNode("20.18.3")).toThrow(
      /needs Node.js 20.19.0 or newer, and this is Node.js 20.18.3/,
    );
  });
});

describe("parseSeedOutput", () => {
  const seed = {
    email: "demo@gatehouse.local",
    password: "pw",
    workspaceId: "w",
    keyId: "k",
    key: "gh_abc",
  };

  it("finds the JSON line after log lines", () => {
    expect(parseSeedOutput(`applying…\nseeded\n${JSON.stringify(seed)}\n`)).toEqual({
      email: seed.email,
      password: "pw",
      key: "gh_abc",
      model: "gpt-4o-mini",
    });
  });

  it("fails with what the seed printed when there is no such JSON", () => {
    expect(() => parseSeedOutput("something went wrong")).toThrow(
      /did not print the demo login.*\n.*something went wrong/,
    );
  });
});

describe("summarizeVitestJson", () => {
  it("sums tests and counts a file that failed without a failed test as one failure", () => {
    const summary = summarizeVitestJson({
      numPassedTests: 7,
      numFailedTests: 1,
      numPendingTests: 2,
      numTodoTests: 1,
      testResults: [
        {
          name: "a.test.ts",
          status: "failed",
          assertionResults: [{ status: "failed" }, { status: "passed" }],
        },
        { name: "b.test.ts", status: "failed", assertionResults: [] },
        { name: "c.test.ts", status: "passed", assertionResults: [{ status: "passed" }] },
      ],
    });
    expect(summary).toEqual({ passed: 7, failed: 2, skipped: 3, brokenFiles: ["b.test.ts"] });
  });
});
