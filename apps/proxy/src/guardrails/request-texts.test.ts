import { describe, expect, it } from "vitest";
import { visitRequestTexts } from "./request-texts";

/** Every text the visitor hands out, with where it was, and the body after upper-casing them. */
function visitAll(
  endpoint: Parameters<typeof visitRequestTexts>[0],
  body: Record<string, unknown>,
) {
  const seen: [string, string][] = [];
  visitRequestTexts(endpoint, body, (text, _kind, where) => {
    seen.push([where, text]);
    return text.toUpperCase();
  });
  return seen;
}

describe("what a request defines for the model is scanned", () => {
  it("tool definitions: descriptions and schema texts, never names, types, keywords or property names", () => {
    const body = {
      messages: [{ role: "user", content: "hi" }],
      tools: [
        {
          type: "function",
          function: {
            name: "notify",
            description: "Mails ops@example.com",
            parameters: {
              type: "object",
              required: ["to"],
              properties: {
                to: { type: "string", format: "email", description: "who", enum: ["a@b.co"] },
                code: { type: "string", pattern: "^[a-z]+$", const: "secret-ish" },
                nested: { type: "array", items: { type: "object", default: { k: "dflt" } } },
              },
              $defs: { thing: { type: "string", examples: ["ex1"] } },
            },
          },
        },
      ],
      response_format: {
        type: "json_schema",
        json_schema: {
          name: "form",
          description: "A form",
          schema: { type: "object", title: "T" },
        },
      },
    };
    const seen = visitAll("chat.completions", body);
    expect(seen.map(([, t]) => t).sort()).toEqual(
      [
        "A form",
        "Mails ops@example.com",
        "T",
        "a@b.co",
        "dflt",
        "ex1",
        "hi",
        "secret-ish",
        "who",
      ].sort(),
    );
    expect(seen).toContainEqual(["tools[0].description", "Mails ops@example.com"]);
    expect(seen).toContainEqual(["tools[0].parameters", "a@b.co"]);
    expect(seen).toContainEqual(["response_format.json_schema.schema", "T"]);
    const fn = body.tools[0]!.function;
    // what changed went back in; names and keywords stayed
    expect(fn.name).toBe("notify");
    expect(fn.description).toBe("MAILS OPS@EXAMPLE.COM");
    expect(fn.parameters.required).toEqual(["to"]);
    expect(fn.parameters.properties.to).toEqual({
      type: "string",
      format: "email",
      description: "WHO",
      enum: ["A@B.CO"],
    });
    expect(fn.parameters.properties.code.pattern).toBe("^[a-z]+$");
    expect(Object.keys(fn.parameters.properties)).toEqual(["to", "code", "nested"]);
  });

  it("Anthropic tools and Responses tools and text.format alike", () => {
    const anthropic = visitAll("messages", {
      messages: [{ role: "user", content: "hi" }],
      tools: [
        { name: "t", description: "D1", input_schema: { type: "object", description: "S1" } },
      ],
    });
    expect(anthropic.map(([, t]) => t)).toEqual(["D1", "S1", "hi"]);
    const responses = visitAll("responses", {
      input: "hi",
      tools: [{ type: "function", name: "t", description: "D2", parameters: { type: "object" } }],
      text: { format: { type: "json_schema", name: "f", schema: { type: "string", const: "C" } } },
    });
    expect(responses.map(([, t]) => t)).toEqual(["D2", "C", "hi"]);
  });
});
