import { KeySnapshotSchema } from "@gatehouse/shared";
import { describe, expect, it } from "vitest";
import type { VirtualKey } from "../generated/prisma/client";
import { keySnapshotsOf, nanoUsdToNumber, nextVersion } from "./compile";

const now = new Date("2026-01-01T12:00:00.000Z");

function key(overrides: Partial<VirtualKey> = {}): VirtualKey {
  return {
    id: "key_1",
    workspaceId: "ws_1",
    name: "CI key",
    keyHash: "a".repeat(64),
    prefix: "gh_AbCdE",
    status: "active",
    expiresAt: null,
    allowedModels: [],
    rpmLimit: null,
    tpmLimit: null,
    parallelLimit: null,
    budgetAmountNanoUsd: null,
    budgetPeriod: null,
    budgetAlertThresholdPct: null,
    previousKeyHash: null,
    previousKeyGraceUntil: null,
    rotatedAt: null,
    lastUsedAt: null,
    createdById: null,
    revokedAt: null,
    createdAt: now,
    updatedAt: now,
    guardrails: null,
    ...overrides,
  };
}

describe("keySnapshotsOf", () => {
  it("compiles limits, budget (BigInt nano-USD to number) and allowed models", () => {
    const [only, ...rest] = keySnapshotsOf(
      key({
        rpmLimit: 60,
        tpmLimit: 10_000,
        allowedModels: ["gpt-4o-mini"],
        budgetAmountNanoUsd: 25_000_000_000n,
        budgetPeriod: "monthly",
        budgetAlertThresholdPct: 80,
        expiresAt: new Date("2026-02-01T00:00:00.000Z"),
      }),
      123,
      now,
    );
    expect(rest).toEqual([]);
    expect(only!.keyHash).toBe("a".repeat(64));
    expect(only!.expiresAt).toBeNull();
    expect(KeySnapshotSchema.parse(only!.snapshot)).toEqual({
      version: 123,
      keyId: "key_1",
      workspaceId: "ws_1",
      name: "CI key",
      status: "active",
      expiresAt: "2026-02-01T00:00:00.000Z",
      graceUntil: null,
      allowedModels: ["gpt-4o-mini"],
      limits: { rpm: 60, tpm: 10_000, parallel: null },
      budget: { amountNanoUsd: 25_000_000_000, period: "monthly", alertThresholdPct: 80 },
      guardrails: null,
    });
  });

  it("adds the previous hash, with graceUntil and a Redis expiry, while the grace period lasts", () => {
    const graceUntil = new Date(now.getTime() + 60_000);
    const compiled = keySnapshotsOf(
      key({ previousKeyHash: "b".repeat(64), previousKeyGraceUntil: graceUntil }),
      1,
      now,
    );
    expect(compiled.map((entry) => entry.keyHash)).toEqual(["a".repeat(64), "b".repeat(64)]);
    expect(compiled[1]!.snapshot.graceUntil).toBe(graceUntil.toISOString());
    expect(compiled[1]!.expiresAt).toEqual(graceUntil);
    expect(compiled[0]!.snapshot.graceUntil).toBeNull();
  });

  it("drops the previous hash once the grace period is over", () => {
    const compiled = keySnapshotsOf(
      key({ previousKeyHash: "b".repeat(64), previousKeyGraceUntil: new Date(now.getTime() - 1) }),
      1,
      now,
    );
    expect(compiled).toHaveLength(1);
  });

  it("publishes revoked keys as revoked", () => {
    const [compiled] = keySnapshotsOf(key({ status: "revoked", revokedAt: now }), 1, now);
    expect(compiled!.snapshot.status).toBe("revoked");
  });

  it("has no budget unless both amount and period are set", () => {
    const [compiled] = keySnapshotsOf(key({ budgetAmountNanoUsd: 5n }), 1, now);
    expect(compiled!.snapshot.budget).toBeNull();
  });
});

describe("nanoUsdToNumber", () => {
  it("refuses amounts a JSON number cannot hold exactly", () => {
    expect(nanoUsdToNumber(9_000_000_000_000_000n)).toBe(9e15);
    expect(() => nanoUsdToNumber(2n ** 53n)).toThrow(RangeError);
  });
});

describe("nextVersion", () => {
  it("strictly increases, even within one millisecond", () => {
    const versions = Array.from({ length: 50 }, () => nextVersion());
    for (let i = 1; i < versions.length; i += 1)
      expect(versions[i]).toBeGreaterThan(versions[i - 1]!);
  });
});

describe("guardrails in the key snapshot", () => {
  it("carries the key's per-detector override, and null (inherit) without one", () => {
    const [inherit] = keySnapshotsOf(key(), 1, now);
    expect(inherit!.snapshot.guardrails).toBeNull();
    const [override] = keySnapshotsOf(
      key({ guardrails: { actions: { email: "log", aws_key: "block" } } }),
      1,
      now,
    );
    expect(override!.snapshot.guardrails).toEqual({ actions: { email: "log", aws_key: "block" } });
  });

  it("refuses to compile a stored override the schema rejects, rather than dropping it", () => {
    expect(() =>
      keySnapshotsOf(key({ guardrails: { actions: { email: "hide" } } }), 1, now),
    ).toThrow(/guardrail policy of key key_1 is invalid: actions\.email/);
  });
});
