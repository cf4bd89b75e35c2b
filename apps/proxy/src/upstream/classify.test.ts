import { describe, expect, it } from "vitest";
import { backoffMs, classifyAttempt, retryAfterMs, type AttemptPolicy } from "./classify";

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
