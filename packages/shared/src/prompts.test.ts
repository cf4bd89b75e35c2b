import { describe, expect, it } from "vitest";
import {
  parsePromptRef,
  placeholdersOf,
  PromptLabelNameSchema,
  PromptVersionInputSchema,
  renderPrompt,
} from "./prompts";

describe("parsePromptRef", () => {
  it("reads a slug with an optional label or version (production by default)", () => {
    expect(parsePromptRef("support-reply")).toEqual({
      slug: "support-reply",
      label: "production",
      version: null,
    });
    expect(parsePromptRef("support-reply@staging")).toEqual({
      slug: "support-reply",
      label: "staging",
      version: null,
    });
    expect(parsePromptRef("support-reply@3")).toEqual({
      slug: "support-reply",
      label: null,
      version: 3,
    });
  });

  it("rejects what is not a reference", () => {
    for (const text of ["", "Support", "a@", "a@0", "a@b@c", "a b", "@x"]) {
      expect(parsePromptRef(text), text).toBeNull();
    }
  });
});

describe("renderPrompt", () => {
  const version = {
    messages: [
      { role: "system" as const, content: "Be {{ tone }} about {{topic}}." },
      { role: "user" as const, content: "{{question}} ({{topic}})" },
    ],
    variables: [
      { name: "tone", default: "kind" },
      { name: "topic", default: null },
      { name: "question", default: null },
    ],
  };

  it("fills values and defaults, printing non-strings", () => {
    const rendered = renderPrompt(version, { topic: "billing", question: 42 });
    expect(rendered).toEqual({
      messages: [
        { role: "system", content: "Be kind about billing." },
        { role: "user", content: "42 (billing)" },
      ],
      missing: [],
    });
  });

  it("reports missing required variables in declaration order", () => {
    expect(renderPrompt(version, { tone: "terse" }).missing).toEqual(["topic", "question"]);
    expect(renderPrompt(version, { topic: null, question: "q" }).missing).toEqual(["topic"]);
  });

  it("does not read inherited properties as values", () => {
    const v = { messages: [{ role: "user" as const, content: "{{constructor}}" }], variables: [] };
    expect(renderPrompt(v, {}).messages[0]!.content).toBe("");
    expect(placeholdersOf("{{a}} {{ b }} {{a}} {{1x}}")).toEqual(["a", "b"]);
  });
});

describe("PromptVersionInputSchema", () => {
  const valid = {
    messages: [{ role: "user", content: "Hi {{name}}" }],
    variables: [{ name: "name", default: null }],
    model: "gpt-4o-mini",
    params: { temperature: 0.5 },
    commitMessage: "first",
  };

  it("accepts a template whose declared variables match its placeholders", () => {
    expect(PromptVersionInputSchema.safeParse(valid).success).toBe(true);
  });

  it("refuses undeclared, unused and duplicate variables, and unknown params", () => {
    const issues = (input: unknown) =>
      PromptVersionInputSchema.safeParse(input).error?.issues.map((i) => i.message) ?? [];
    expect(issues({ ...valid, variables: [] })).toEqual([
      "declare the variables used in the messages: name",
    ]);
    expect(
      issues({
        ...valid,
        variables: [...valid.variables, { name: "extra", default: "x" }],
      }),
    ).toEqual(["these variables are not used in any message: extra"]);
    expect(
      issues({ ...valid, variables: [...valid.variables, { name: "name", default: "x" }] }),
    ).toEqual(["'name' is declared twice"]);
    expect(issues({ ...valid, params: { stream: true } }).length).toBe(1);
  });

  it("keeps 'latest' for the implicit label", () => {
    expect(PromptLabelNameSchema.safeParse("latest").success).toBe(false);
    expect(PromptLabelNameSchema.safeParse("staging").success).toBe(true);
  });
});
