import { describe, expect, it } from "vitest";
import { translateErrorBody } from "./errors";

const parse = (s: string) => JSON.parse(s) as Record<string, unknown>;

describe("translateErrorBody", () => {
  const openaiBody = JSON.stringify({
    error: {
      message: "This model's maximum context length is 128000 tokens.",
      type: "invalid_request_error",
      param: "messages",
      code: "context_length_exceeded",
    },
  });
  const anthropicBody = JSON.stringify({
    type: "error",
    error: { type: "overloaded_error", message: "Overloaded" },
    request_id: "req_011CS",
  });

  it("keeps an OpenAI error for an OpenAI client (type and code), in canonical shape", () => {
    expect(parse(translateErrorBody("openai", "openai", 400, openaiBody))).toEqual({
      error: {
        message: "This model's maximum context length is 128000 tokens.",
        type: "invalid_request_error",
        param: null,
        code: "context_length_exceeded",
      },
    });
  });

  it("turns an Anthropic error into an OpenAI one, typed by status", () => {
    expect(parse(translateErrorBody("openai", "anthropic", 529, anthropicBody))).toEqual({
      error: { message: "Overloaded", type: "api_error", param: null, code: null },
    });
    expect(
      (
        parse(translateErrorBody("openai", "anthropic", 429, anthropicBody)).error as {
          type: string;
        }
      ).type,
    ).toBe("rate_limit_exceeded");
  });

  it("turns an OpenAI error into an Anthropic one", () => {
    expect(parse(translateErrorBody("anthropic", "openai", 400, openaiBody))).toEqual({
      type: "error",
      error: {
        type: "invalid_request_error",
        message: "This model's maximum context length is 128000 tokens.",
      },
    });
    expect(parse(translateErrorBody("anthropic", "openai", 503, "{}"))).toEqual({
      type: "error",
      error: { type: "overloaded_error", message: "The upstream provider answered HTTP 503." },
    });
  });

  it("keeps an Anthropic error for an Anthropic client without extra fields", () => {
    expect(parse(translateErrorBody("anthropic", "anthropic", 529, anthropicBody))).toEqual({
      type: "error",
      error: { type: "overloaded_error", message: "Overloaded" },
    });
  });

  it("redacts key-shaped strings the provider echoed", () => {
    const leaky = JSON.stringify({
      error: {
        message:
          "Incorrect API key provided: sk-proj-****************************************abcd. You can find your API key at https://platform.openai.com/account/api-keys.",
        type: "invalid_request_error",
        code: "invalid_api_key",
      },
    });
    const out = translateErrorBody("openai", "openai", 401, leaky);
    expect(out).not.toContain("sk-proj");
    expect(out).not.toContain("abcd");
    expect(out).toContain("Incorrect API key provided: [redacted].");
    const google = translateErrorBody(
      "openai",
      "openai",
      400,
      JSON.stringify([
        {
          error: {
            code: 400,
            message: "API key not valid: AIzaSyD-abcdefghijklmnop",
            status: "INVALID_ARGUMENT",
          },
        },
      ]),
    );
    expect(parse(google)).toEqual({
      error: {
        message: "API key not valid: [redacted]",
        type: "invalid_request_error",
        param: null,
        code: null,
      },
    });
    expect(
      translateErrorBody(
        "anthropic",
        "anthropic",
        401,
        '{"error":{"message":"bad header Authorization: Bearer abc.def"}}',
      ),
    ).not.toContain("abc.def");
  });

  it("handles bodies that are not JSON", () => {
    expect(
      parse(translateErrorBody("openai", "openai", 502, "<html><body>Bad gateway</body></html>")),
    ).toEqual({
      error: {
        message: "The upstream provider answered HTTP 502.",
        type: "api_error",
        param: null,
        code: null,
      },
    });
    expect(
      (
        parse(translateErrorBody("openai", "openai", 500, "Internal Server Error")).error as {
          message: string;
        }
      ).message,
    ).toBe("Internal Server Error");
    expect(
      (
        parse(translateErrorBody("anthropic", "openai", 422, '{"detail":"field required"}'))
          .error as { message: string }
      ).message,
    ).toBe("field required");
  });

  it("caps very long messages", () => {
    const out = parse(
      translateErrorBody(
        "openai",
        "openai",
        400,
        JSON.stringify({ error: { message: "x".repeat(10_000) } }),
      ),
    );
    expect((out.error as { message: string }).message.length).toBeLessThanOrEqual(2001);
  });
});
