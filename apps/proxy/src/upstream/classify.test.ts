import { describe, expect, it } from "vitest";
import {
  backoffMs,
  classifyAttempt,
  isHealthFailure,
  retryAfterMs,
  upstreamErrorKind,
  type AttemptPolicy,
} from "./classify";
import { SHUTDOWN_MESSAGE } from "./errors";

const policy = (over: Partial<AttemptPolicy> = {}): AttemptPolicy => ({
  retriesSoFar: 0,
  maxRetries: 2,
  hasNextCandidate: true,
  retryStatuses: new Set([429, 500, 502, 503, 504]),
  backoffBaseMs: 100,
  maxDelayMs: 2_000,
  random: 0.5,
  ...over,
});
const response = (status: number, retryAfter: number | null = null) =>
  ({ kind: "response", status, retryAfterMs: retryAfter }) as const;

describe("classifyAttempt", () => {
  it("a cut at the gateway's own shutdown deadline is final and not the deployment's fault", () => {
    const outcome = {
      kind: "failure",
      errorType: "unavailable",
      message: SHUTDOWN_MESSAGE,
    } as const;
    expect(classifyAttempt(outcome, policy())).toEqual({ action: "final" });
    expect(isHealthFailure(outcome, policy().retryStatuses)).toBe(false);
  });

  it("relays any answer below 400", () => {
    for (const status of [200, 201, 204, 302])
      expect(classifyAttempt(response(status), policy())).toEqual({ action: "success" });
  });

  it("never retries or moves on from a client fault, which would fail the same way anywhere", () => {
    for (const status of [400, 401, 403, 404, 413, 422])
      expect(classifyAttempt(response(status), policy())).toEqual({ action: "final" });
  });

  it("retries a retryable status with jittered exponential backoff while retries are left", () => {
    expect(classifyAttempt(response(503), policy())).toEqual({ action: "retry", delayMs: 50 });
    expect(classifyAttempt(response(500), policy({ retriesSoFar: 1 }))).toEqual({
      action: "retry",
      delayMs: 100,
    });
  });

  it("moves on to the next deployment once retries are spent, and stops at the last one", () => {
    expect(classifyAttempt(response(429), policy({ retriesSoFar: 2 }))).toEqual({ action: "next" });
    expect(
      classifyAttempt(response(429), policy({ retriesSoFar: 2, hasNextCandidate: false })),
    ).toEqual({ action: "final" });
  });

  it("today's policy (no retries, one deployment) answers every failure as it is", () => {
    const today = policy({ maxRetries: 0, hasNextCandidate: false });
    expect(classifyAttempt(response(503), today)).toEqual({ action: "final" });
    expect(
      classifyAttempt({ kind: "failure", errorType: "upstream_timeout", message: "" }, today),
    ).toEqual({
      action: "final",
    });
  });

  it("honours retry-after up to the cap, and moves on rather than wait past it", () => {
    expect(classifyAttempt(response(429, 1_500), policy())).toEqual({
      action: "retry",
      delayMs: 1_500,
    });
    expect(classifyAttempt(response(429, 60_000), policy())).toEqual({ action: "next" });
    expect(classifyAttempt(response(429, 60_000), policy({ hasNextCandidate: false }))).toEqual({
      action: "final",
    });
  });

  it("does not retry a status outside the configured set", () => {
    expect(classifyAttempt(response(501), policy())).toEqual({ action: "final" });
  });

  it("retries connection failures and time-outs, not a gateway-internal failure", () => {
    expect(
      classifyAttempt(
        { kind: "failure", errorType: "upstream_unreachable", message: "" },
        policy(),
      ),
    ).toEqual({ action: "retry", delayMs: 50 });
    expect(
      classifyAttempt({ kind: "failure", errorType: "internal", message: "" }, policy()),
    ).toEqual({
      action: "final",
    });
  });

  it("never moves on after a stream's commit point or when the client left", () => {
    expect(classifyAttempt({ kind: "failed_after_commit" }, policy())).toEqual({ action: "final" });
    expect(classifyAttempt({ kind: "client_gone" }, policy())).toEqual({ action: "final" });
  });
});

describe("backoff and retry-after", () => {
  it("full jitter stays below min(cap, base·2^n)", () => {
    expect(backoffMs(policy({ random: 0.999, retriesSoFar: 10 }))).toBeLessThan(2_000);
    expect(backoffMs(policy({ random: 0 }))).toBe(0);
  });

  it("reads retry-after-ms first, then seconds or an HTTP date", () => {
    expect(retryAfterMs("3", "250")).toBe(250);
    expect(retryAfterMs("3", undefined)).toBe(3_000);
    const now = Date.parse("2026-01-01T00:00:00Z");
    expect(retryAfterMs("Thu, 01 Jan 2026 00:00:05 GMT", undefined, now)).toBe(5_000);
    expect(retryAfterMs("soon", undefined)).toBeNull();
    expect(retryAfterMs(undefined, undefined)).toBeNull();
  });
});

describe("the retry budget, cooldowns and dedicated fallbacks", () => {
  it("starts no new attempt once the budget is spent, and no retry whose wait outlives it", () => {
    expect(classifyAttempt(response(503), policy({ budgetLeftMs: 0 }))).toEqual({
      action: "final",
    });
    // the wait (retry-after 1.5 s) would end past the 1 s left: move on instead
    expect(classifyAttempt(response(429, 1_500), policy({ budgetLeftMs: 1_000 }))).toEqual({
      action: "next",
    });
    expect(
      classifyAttempt(
        response(429, 1_500),
        policy({ budgetLeftMs: 1_000, hasNextCandidate: false }),
      ),
    ).toEqual({ action: "final" });
    expect(classifyAttempt(response(429, 500), policy({ budgetLeftMs: 1_000 }))).toEqual({
      action: "retry",
      delayMs: 500,
    });
  });

  it("moves on from a deployment that is cooling down, but retries it when it is the last one", () => {
    expect(classifyAttempt(response(503), policy({ deploymentCooling: true }))).toEqual({
      action: "next",
    });
    expect(
      classifyAttempt(response(503), policy({ deploymentCooling: true, hasNextCandidate: false })),
    ).toEqual({ action: "retry", delayMs: 50 });
  });

  it("a context-window or content-policy error goes to the dedicated fallbacks when there are any", () => {
    const overflow = { ...response(400), errorKind: "context_window" as const };
    expect(classifyAttempt(overflow, policy({ hasContextWindowFallback: true }))).toEqual({
      action: "dedicated",
      reason: "context_window",
    });
    // none configured (or switched off): the provider's 400 is the answer, as before
    expect(classifyAttempt(overflow, policy())).toEqual({ action: "final" });
    const refused = { ...response(400), errorKind: "content_policy" as const };
    expect(classifyAttempt(refused, policy({ hasContextWindowFallback: true }))).toEqual({
      action: "final",
    });
    expect(classifyAttempt(refused, policy({ hasContentPolicyFallback: true }))).toEqual({
      action: "dedicated",
      reason: "content_policy",
    });
  });

  it("counts connection errors, time-outs and retryable statuses against a deployment's health", () => {
    const statuses = new Set([429, 503]);
    expect(isHealthFailure(response(429), statuses)).toBe(true);
    expect(isHealthFailure(response(400), statuses)).toBe(false);
    expect(isHealthFailure(response(200), statuses)).toBe(false);
    expect(
      isHealthFailure({ kind: "failure", errorType: "upstream_timeout", message: "" }, statuses),
    ).toBe(true);
    expect(isHealthFailure({ kind: "client_gone" }, statuses)).toBe(false);
  });
});

describe("upstreamErrorKind: the providers' real error bodies", () => {
  it("OpenAI's context_length_exceeded", () => {
    const body = JSON.stringify({
      error: {
        message:
          "This model's maximum context length is 128000 tokens. However, your messages resulted in 130532 tokens. Please reduce the length of the messages.",
        type: "invalid_request_error",
        param: "messages",
        code: "context_length_exceeded",
      },
    });
    expect(upstreamErrorKind(400, body)).toBe("context_window");
  });

  it("Anthropic's 'prompt is too long' and 'exceed context limit'", () => {
    const error = (message: string) =>
      JSON.stringify({
        type: "error",
        error: { type: "invalid_request_error", message },
        request_id: "req_011CAbc",
      });
    expect(
      upstreamErrorKind(400, error("prompt is too long: 208310 tokens > 200000 maximum")),
    ).toBe("context_window");
    expect(
      upstreamErrorKind(
        400,
        error(
          "input length and `max_tokens` exceed context limit: 198000 + 8192 > 200000, decrease input length or `max_tokens` and try again",
        ),
      ),
    ).toBe("context_window");
    expect(upstreamErrorKind(400, error("max_tokens: Field required"))).toBeNull();
  });

  it("an OpenAI-compatible server's wording without a code (vLLM)", () => {
    const body = JSON.stringify({
      object: "error",
      error: {
        message:
          "This model's maximum context length is 4096 tokens. However, you requested 5000 tokens in the messages.",
        type: "BadRequestError",
        code: 400,
      },
    });
    expect(upstreamErrorKind(400, body)).toBe("context_window");
  });

  it("content policy: OpenAI's codes and Azure's content filter", () => {
    const openai = JSON.stringify({
      error: {
        message: "Your request was rejected as a result of our safety system.",
        type: "invalid_request_error",
        param: null,
        code: "content_policy_violation",
      },
    });
    expect(upstreamErrorKind(400, openai)).toBe("content_policy");
    const flagged = JSON.stringify({
      error: {
        message:
          "Invalid prompt: your prompt was flagged as potentially violating our usage policy. Please try again with a different prompt.",
        type: "invalid_request_error",
        param: null,
        code: "invalid_prompt",
      },
    });
    expect(upstreamErrorKind(400, flagged)).toBe("content_policy");
    const azure = JSON.stringify({
      error: {
        message:
          "The response was filtered due to the prompt triggering Azure OpenAI's content management policy.",
        type: null,
        param: "prompt",
        code: "content_filter",
        status: 400,
        innererror: { code: "ResponsibleAIPolicyViolation", content_filter_result: {} },
      },
    });
    expect(upstreamErrorKind(400, azure)).toBe("content_policy");
  });

  it("nothing for other errors, rate limits, server errors or a body that is not JSON", () => {
    expect(
      upstreamErrorKind(
        400,
        JSON.stringify({ error: { message: "Invalid value for 'temperature'", code: null } }),
      ),
    ).toBeNull();
    const overflow = JSON.stringify({ error: { code: "context_length_exceeded" } });
    expect(upstreamErrorKind(429, overflow)).toBeNull();
    expect(upstreamErrorKind(500, overflow)).toBeNull();
    expect(upstreamErrorKind(400, "<html>bad gateway</html>")).toBeNull();
  });
});
