import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  constantTimeEqualHex,
  generateVirtualKey,
  hashVirtualKey,
  isVirtualKeyFormat,
  VIRTUAL_KEY_LENGTH,
} from "./keys";

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

describe("generateVirtualKey", () => {
  it("returns gh_ + 43 base62 characters, its SHA-256 and an 8-character prefix", () => {
    const key = generateVirtualKey();
    expect(key.secret).toMatch(/^gh_[0-9A-Za-z]{43}$/);
    expect(key.secret).toHaveLength(VIRTUAL_KEY_LENGTH);
    expect(key.hash).toBe(createHash("sha256").update(key.secret).digest("hex"));
    expect(key.prefix).toBe(key.secret.slice(0, 8));
    expect(key.prefix).toMatch(/^gh_[0-9A-Za-z]{5}$/);
  });

  it("carries at least 256 bits of entropy", () => {
    expect(43 * Math.log2(62)).toBeGreaterThanOrEqual(256);
  });

  it("never repeats", () => {
    const secrets = new Set(Array.from({ length: 2_000 }, () => generateVirtualKey().secret));
    expect(secrets.size).toBe(2_000);
  });

  it("uses every base62 character about equally often", () => {
    // 2,000 keys × 43 chars = 86,000 samples, ~1,387 per character. A plain `byte % 62`
    // would give 0-7 about 5/4 as often (~1,720); allow a generous ±15% for chance.
    const counts = new Map<string, number>();
    for (let i = 0; i < 2_000; i++) {
      for (const char of generateVirtualKey().secret.slice(3)) {
        counts.set(char, (counts.get(char) ?? 0) + 1);
      }
    }
    expect([...counts.keys()].sort().join("")).toBe([...BASE62].sort().join(""));
    const expected = (2_000 * 43) / 62;
    for (const [char, count] of counts) {
      expect(Math.abs(count - expected) / expected, char).toBeLessThan(0.15);
    }
  });
});

describe("hashVirtualKey", () => {
  it("is the SHA-256 hex of the secret", () => {
    expect(hashVirtualKey("gh_test")).toBe(
      createHash("sha256").update("gh_test", "utf8").digest("hex"),
    );
    expect(hashVirtualKey("abc")).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });
});

describe("isVirtualKeyFormat", () => {
  it("accepts generated keys", () => {
    for (let i = 0; i < 20; i++) expect(isVirtualKeyFormat(generateVirtualKey().secret)).toBe(true);
  });

  it.each([
    ["empty", ""],
    ["another vendor's key", "sk-proj-abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"],
    ["too short", "gh_" + "a".repeat(42)],
    ["too long", "gh_" + "a".repeat(44)],
    ["wrong prefix", "GH_" + "a".repeat(43)],
    ["non-base62 character", "gh_" + "a".repeat(42) + "-"],
    ["trailing newline", "gh_" + "a".repeat(42) + "\n"],
  ])("rejects %s", (_, value) => {
    expect(isVirtualKeyFormat(value)).toBe(false);
  });
});

describe("constantTimeEqualHex", () => {
  const hash = hashVirtualKey("gh_one");

  it("compares hex digests", () => {
    expect(constantTimeEqualHex(hash, hashVirtualKey("gh_one"))).toBe(true);
    expect(constantTimeEqualHex(hash, hashVirtualKey("gh_two"))).toBe(false);
    expect(constantTimeEqualHex(hash, hash.toUpperCase())).toBe(true);
  });

  it("treats different lengths and non-hex input as unequal", () => {
    expect(constantTimeEqualHex(hash, hash.slice(0, 62))).toBe(false);
    expect(constantTimeEqualHex("zz", "zz")).toBe(false);
    expect(constantTimeEqualHex("abc", "abc")).toBe(false);
    expect(constantTimeEqualHex("", "")).toBe(true);
  });
});
