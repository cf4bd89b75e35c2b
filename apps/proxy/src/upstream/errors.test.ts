import { errors } from "undici";
import { describe, expect, it } from "vitest";
import { FirstContentTimeoutError, ProxyShutdownError, TotalTimeoutError } from "./call";
import { classifyUpstreamError, SHUTDOWN_MESSAGE } from "./errors";

describe("classifyUpstreamError", () => {
  it("names who ended the call: the client, the gateway's shutdown, a time limit, the network", () => {
    expect(classifyUpstreamError(new Error("x"), "openai", true).type).toBe("client_aborted");
    expect(classifyUpstreamError(new ProxyShutdownError(), "openai", false)).toEqual({
      type: "unavailable",
      message: SHUTDOWN_MESSAGE,
    });
    expect(classifyUpstreamError(new TotalTimeoutError(), "openai", false).type).toBe(
      "upstream_timeout",
    );
    expect(classifyUpstreamError(new FirstContentTimeoutError(), "openai", false).type).toBe(
      "upstream_timeout",
    );
    const reset = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    expect(
      classifyUpstreamError(new errors.SocketError("x", undefined), "openai", false).type,
    ).toBe("upstream_unreachable");
    expect(classifyUpstreamError({ cause: reset }, "openai", false).type).toBe(
      "upstream_unreachable",
    );
  });

  it("never echoes undici's message (it can carry the upstream's address)", () => {
    const failure = classifyUpstreamError(
      Object.assign(new Error("connect ECONNREFUSED 10.0.0.7:443"), { code: "ECONNREFUSED" }),
      "anthropic",
      false,
    );
    expect(failure.message).not.toContain("10.0.0.7");
    expect(failure.message).toContain("anthropic");
  });
});
