import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import {
  decryptSecret,
  DecryptionError,
  encryptSecret,
  EncryptionConfigError,
  generateEncryptionKey,
  needsReencryption,
  parseEncryptionKeys,
  secretHint,
} from "./crypto";

const k1 = generateEncryptionKey("k1");
const k2 = generateEncryptionKey("k2");
const materialOf = (entry: string) => entry.slice(entry.indexOf(":") + 1);
const SECRET = "sk-proj-very-secret-provider-key-1234";

function decryptError(fn: () => unknown): DecryptionError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecryptionError);
    return error as DecryptionError;
  }
  throw new Error("expected a DecryptionError");
}

function configError(value: string | undefined): string {
  try {
    parseEncryptionKeys(value);
  } catch (error) {
    expect(error).toBeInstanceOf(EncryptionConfigError);
    return (error as Error).message;
  }
  throw new Error("expected an EncryptionConfigError");
}

describe("parseEncryptionKeys", () => {
  it("reads a comma-separated keyring, first key current", () => {
    const keyring = parseEncryptionKeys(` ${k2} , ${k1}\n`);
    expect(keyring.currentKeyId).toBe("k2");
    expect(keyring.keyIds).toEqual(["k2", "k1"]);
  });

  it("generateEncryptionKey makes a valid entry with 32 random bytes", () => {
    expect(k1).toMatch(/^k1:[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(materialOf(k1), "base64")).toHaveLength(32);
    expect(generateEncryptionKey()).toMatch(/^k1:/);
    expect(generateEncryptionKey("prod-2026")).toMatch(/^prod-2026:/);
    expect(() => generateEncryptionKey("bad.id")).toThrow(EncryptionConfigError);
  });

  it("accepts base64url key material", () => {
    const url = randomBytes(32).toString("base64url");
    expect(parseEncryptionKeys(`k9:${url}`).currentKeyId).toBe("k9");
  });

  it.each([
    ["missing", undefined, /is empty/],
    ["empty", "  ", /is empty/],
    ["no colon", materialOf(k1), /entry 1 is not/],
    ["empty entry", `${k1},`, /entry 2 is not/],
    ["bad key id", `a.b:${materialOf(k1)}`, /entry 1: key id must be/],
    ["duplicate id", `${k1},k1:${materialOf(k2)}`, /entry 2: key id "k1" appears more than once/],
    [
      "short key",
      `k1:${randomBytes(16).toString("base64")}`,
      /key id "k1"\): key must be base64 of exactly 32 bytes/,
    ],
    ["long key", `k1:${randomBytes(33).toString("base64")}`, /exactly 32 bytes/],
    ["not base64", `k1:${"!".repeat(44)}`, /exactly 32 bytes/],
  ])("rejects a %s value with a clear message", (_, value, message) => {
    expect(configError(value)).toMatch(message);
  });

  it("never echoes key material in an error", () => {
    const material = materialOf(k1);
    const short = randomBytes(16).toString("base64");
    for (const value of [
      material,
      `${material}:${material}`,
      `k1:${short}`,
      `${k1},k1:${material}`,
    ]) {
      const message = configError(value);
      expect(message).not.toContain(material);
      expect(message).not.toContain(short);
    }
  });

  it("does not reveal key bytes when logged or serialised", () => {
    const keyring = parseEncryptionKeys(`${k1},${k2}`);
    const shown = `${inspect(keyring, { showHidden: true, depth: 10 })} ${JSON.stringify(keyring)}`;
    for (const entry of [k1, k2]) {
      const bytes = Buffer.from(materialOf(entry), "base64");
      expect(shown).not.toContain(materialOf(entry));
      expect(shown).not.toContain(bytes.toString("hex"));
      expect(shown).not.toContain(bytes.toString("hex").match(/../g)!.slice(0, 8).join(" "));
    }
    expect(JSON.parse(JSON.stringify(keyring))).toEqual({
      currentKeyId: "k1",
      keyIds: ["k1", "k2"],
    });
  });
});

describe("encryptSecret / decryptSecret", () => {
  const keyring = parseEncryptionKeys(k1);

  it("round-trips, including empty and non-ASCII secrets", () => {
    for (const plaintext of [SECRET, "", "clé-🔑-秘密", "x".repeat(10_000)]) {
      expect(decryptSecret(encryptSecret(plaintext, keyring), keyring)).toBe(plaintext);
    }
  });

  it("produces a gh1 envelope under the current key with a fresh IV every time", () => {
    const a = encryptSecret(SECRET, keyring);
    const b = encryptSecret(SECRET, keyring);
    expect(a).toMatch(/^gh1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(a).not.toBe(b);
    expect(a.split(".")[2]).not.toBe(b.split(".")[2]);
    expect(a).not.toContain(SECRET);
  });

  it("binds the ciphertext to its aad", () => {
    const envelope = encryptSecret(SECRET, keyring, "ws_1");
    expect(decryptSecret(envelope, keyring, "ws_1")).toBe(SECRET);
    for (const wrong of ["ws_2", undefined, ""]) {
      const error = decryptError(() => decryptSecret(envelope, keyring, wrong));
      expect(error.reason).toBe("authentication_failed");
    }
    const unbound = encryptSecret(SECRET, keyring);
    expect(decryptError(() => decryptSecret(unbound, keyring, "ws_1")).reason).toBe(
      "authentication_failed",
    );
  });

  it("detects tampering with any part of the envelope", () => {
    const envelope = encryptSecret(SECRET, keyring);
    const parts = envelope.split(".");
    for (const index of [2, 3, 4]) {
      const bytes = Buffer.from(parts[index]!, "base64url");
      bytes[0]! ^= 0x01;
      const tampered = [...parts];
      tampered[index] = bytes.toString("base64url");
      const error = decryptError(() => decryptSecret(tampered.join("."), keyring));
      expect(error.reason).toBe("authentication_failed");
      expect(error.message).not.toContain(SECRET);
    }
  });

  it("does not decrypt under another key that claims the same id", () => {
    const other = parseEncryptionKeys(generateEncryptionKey("k1"));
    const error = decryptError(() => decryptSecret(encryptSecret(SECRET, keyring), other));
    expect(error.reason).toBe("authentication_failed");
  });

  it("reports an unknown key id without leaking anything", () => {
    const envelope = encryptSecret(SECRET, parseEncryptionKeys(k2));
    const error = decryptError(() => decryptSecret(envelope, keyring));
    expect(error.reason).toBe("unknown_key");
    expect(error.message).toContain('"k2"');
    expect(error.message).not.toContain(SECRET);
    expect(error.message).not.toContain(materialOf(k1));
    expect(error.message).not.toContain(materialOf(k2));
  });

  it.each([
    "",
    "not an envelope",
    SECRET,
    "gh2.k1.aaaaaaaaaaaaaaaa.aaaa.aaaaaaaaaaaaaaaaaaaaaa",
    "gh1.k1.short.aaaa.aaaaaaaaaaaaaaaaaaaaaa",
    "gh1.k1.aaaaaaaaaaaaaaaa.aa+a.aaaaaaaaaaaaaaaaaaaaaa",
    "gh1.k1.aaaaaaaaaaaaaaaa.aaaa",
    "gh1.k1.aaaaaaaaaaaaaaaa.aaaa.aaaaaaaaaaaaaaaaaaaaaa.extra",
  ])("rejects the malformed envelope %j", (envelope) => {
    const error = decryptError(() => decryptSecret(envelope, keyring));
    expect(error.reason).toBe("malformed");
    if (envelope) expect(error.message).not.toContain(envelope);
  });
});

describe("key rotation", () => {
  it("keeps old envelopes readable and flags them for re-encryption", () => {
    const before = parseEncryptionKeys(k1);
    const old = encryptSecret(SECRET, before, "ws_1");
    expect(needsReencryption(old, before)).toBe(false);

    const after = parseEncryptionKeys(`${k2},${k1}`);
    expect(decryptSecret(old, after, "ws_1")).toBe(SECRET);
    expect(needsReencryption(old, after)).toBe(true);

    const renewed = encryptSecret(decryptSecret(old, after, "ws_1"), after, "ws_1");
    expect(renewed.startsWith("gh1.k2.")).toBe(true);
    expect(needsReencryption(renewed, after)).toBe(false);

    // once every envelope is renewed, the old key can go
    const final = parseEncryptionKeys(k2);
    expect(decryptSecret(renewed, final, "ws_1")).toBe(SECRET);
    expect(decryptError(() => decryptSecret(old, final, "ws_1")).reason).toBe("unknown_key");
  });

  it("flags anything that is not an envelope under the current key", () => {
    const keyring = parseEncryptionKeys(k1);
    expect(needsReencryption("plaintext-secret", keyring)).toBe(true);
    expect(needsReencryption("gh1.k10.x.y.z", keyring)).toBe(true);
  });
});

describe("secretHint", () => {
  it.each([
    [SECRET, "1234"],
    ["sk-abcdefgh", "gh"], // 11 chars: at most a quarter is shown
    ["12345678", "78"],
    ["abcd", "d"],
    ["abc", ""],
    ["", ""],
  ])("shows %j as %j", (secret, hint) => {
    expect(secretHint(secret)).toBe(hint);
  });
});
