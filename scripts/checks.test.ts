import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ESLint } from "eslint";
import { describe, expect, it } from "vitest";
import { LAYER_RULE, cycleCheck, lintChecks } from "./checks.mjs";

// Each check of scripts/checks.mjs (the `npm test` step) must fail on the case it exists for.
// The fixtures (scripts/checks-fixtures/) break the rules on purpose; the real runs leave them out.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const FIXTURES = "scripts/checks-fixtures";

describe("layers: the proxy's leaf modules never import pipeline/", () => {
  it("fails on a leaf importing pipeline/, by type or by value, and only there", async () => {
    const [layers, others] = await lintChecks({
      patterns: [`${FIXTURES}/layers`],
      ignore: false,
    });
    const where = (problem: string) => problem.split(" ")[0];
    expect(layers?.problems.map(where).sort()).toEqual([
      `${FIXTURES}/layers/apps/proxy/src/limits/admit.ts:1:37`,
      `${FIXTURES}/layers/apps/proxy/src/usage/build-event.ts:1:35`,
    ]);
    // pipeline/ importing a leaf, and a leaf importing another leaf, stay allowed
    expect(others?.problems).toEqual([]);
  });

  it("is on for the real proxy tree, and the fixtures are out of the real lint", async () => {
    const eslint = new ESLint({ cwd: ROOT });
    const config = await eslint.calculateConfigForFile("apps/proxy/src/limits/enforcer.ts");
    expect(config.rules[LAYER_RULE]?.[0]).toBe(2);
    expect(await eslint.isPathIgnored(`${FIXTURES}/layers/apps/proxy/src/limits/admit.ts`)).toBe(
      true,
    );
  });
});

describe("cycles: no import circle in the repo", () => {
  it("fails on a circle of runtime imports, a circle of type-only imports and an unresolved import", async () => {
    const { problems } = await cycleCheck({
      paths: [`${FIXTURES}/cycles`],
      exclude: "node_modules",
    });
    expect(problems.sort()).toEqual([
      `${FIXTURES}/cycles/a.ts → ${FIXTURES}/cycles/b.ts → ${FIXTURES}/cycles/a.ts`,
      `${FIXTURES}/cycles/context.ts → ${FIXTURES}/cycles/plan.ts → ${FIXTURES}/cycles/context.ts (type-only imports)`,
      `${FIXTURES}/cycles/missing.ts: cannot resolve "./gone"`,
    ]);
  });

  it("passes imports without a circle", async () => {
    const { problems } = await cycleCheck({
      paths: [`${FIXTURES}/acyclic`],
      exclude: "node_modules",
    });
    expect(problems).toEqual([]);
  });

  it("leaves the fixtures out of the real run", async () => {
    const { problems } = await cycleCheck({ paths: [FIXTURES] });
    expect(problems).toEqual([]);
  });
});
