import { describe, expect, it } from "vitest";
import { clientErrorAnswer, sniffFormat } from "./client-error";

const limits = { headersTimeoutMs: 15_000, maxHeaderBytes: 16_384 };
const parseError = (code: string, reason?: string) =>
  Object.assign(new Error("Parse Error"), { code, reason });

describe("clientErrorAnswer", () => {
  it("maps Node's parser errors and timeouts to our error types", () => {
    expect(clientErrorAnswer(parseError("HPE_HEADER_OVERFLOW"), limits)).toMatchObject({
      type: "headers_too_large",
      message: expect.stringContaining("16384 bytes") as unknown,
    });
    expect(clientErrorAnswer(parseError("ERR_HTTP_REQUEST_TIMEOUT"), limits)).toMatchObject({
      type: "request_timeout",
      message: expect.stringContaining("15000 ms") as unknown,
    });
    expect(clientErrorAnswer(parseError("HPE_CHUNK_EXTENSIONS_OVERFLOW"), limits)?.type).toBe(
      "payload_too_large",
    );
    expect(
      clientErrorAnswer(parseError("HPE_INVALID_METHOD", "Invalid method encountered"), limits),
    ).toEqual({
      type: "invalid_request",
      message:
        "The request is not valid HTTP/1.1 (HPE_INVALID_METHOD: Invalid method encountered).",
    });
  });

  it("has nothing to say to a client that reset the connection", () => {
    expect(clientErrorAnswer(parseError("ECONNRESET"), limits)).toBeNull();
  });
});

describe("sniffFormat", () => {
  it("answers Anthropic's format for /v1/messages or an anthropic-version header", () => {
    expect(sniffFormat(Buffer.from("POST /v1/messages HTTP/1.1\r\nBad\r\n"))).toBe("anthropic");
    expect(sniffFormat(Buffer.from("POST /v1/messages/count_tokens HTTP/1.1\r\n"))).toBe(
      "anthropic",
    );
    expect(sniffFormat(Buffer.from("POST /x HTTP/1.1\r\nanthropic-version: 2023-06-01\r\n"))).toBe(
      "anthropic",
    );
  });

  it("answers OpenAI's format otherwise, and when nothing was received", () => {
    expect(sniffFormat(Buffer.from("POST /v1/chat/completions HTTP/1.1\r\n"))).toBe("openai");
    expect(sniffFormat(Buffer.from("GARBAGE"))).toBe("openai");
    expect(sniffFormat(undefined)).toBe("openai");
  });
});
