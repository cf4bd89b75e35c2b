import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Virtual keys: `gh_` + 43 base62 characters (43 × log2(62) ≈ 256.03 bits, at least the
 * entropy of 32 random bytes). Only the SHA-256 hex of the whole secret and its first
 * 8 characters are stored; the secret is shown once.
 */
export const VIRTUAL_KEY_PREFIX = "gh_";
export const VIRTUAL_KEY_RANDOM_CHARS = 43;
export const VIRTUAL_KEY_LENGTH = VIRTUAL_KEY_PREFIX.length + VIRTUAL_KEY_RANDOM_CHARS;
export const VIRTUAL_KEY_DISPLAY_PREFIX_LENGTH = 8;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** largest multiple of 62 that fits in a byte; bytes at or above it are rejected */
const UNBIASED_LIMIT = 256 - (256 % 62); // 248
const VIRTUAL_KEY_PATTERN = /^gh_[0-9A-Za-z]{43}$/;
const HEX = /^[0-9a-f]*$/i;

export interface GeneratedVirtualKey {
  /** shown to the user once, never stored */
  secret: string;
  /** SHA-256 hex of the secret: what is stored and looked up */
  hash: string;
  /** first 8 characters, e.g. "gh_AbC12", for display */
  prefix: string;
}

/** Uniform base62 characters by rejection sampling (a plain `byte % 62` would bias 0–7). */
function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    // 248/256 of bytes are accepted, so this batch size almost always suffices at once
    for (const byte of randomBytes(length + 8)) {
      if (byte >= UNBIASED_LIMIT) continue;
      out += BASE62[byte % 62];
      if (out.length === length) break;
    }
  }
  return out;
}

export function generateVirtualKey(): GeneratedVirtualKey {
  const secret = VIRTUAL_KEY_PREFIX + randomBase62(VIRTUAL_KEY_RANDOM_CHARS);
  return {
    secret,
    hash: hashVirtualKey(secret),
    prefix: secret.slice(0, VIRTUAL_KEY_DISPLAY_PREFIX_LENGTH),
  };
}

/** SHA-256 hex of a virtual key secret (a fast hash suffices: the secret has 256 bits). */
export function hashVirtualKey(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

/** Cheap syntactic check, to reject junk before hashing and looking it up. */
export function isVirtualKeyFormat(value: string): boolean {
  return value.length === VIRTUAL_KEY_LENGTH && VIRTUAL_KEY_PATTERN.test(value);
}

/**
 * Compares two hex digests (e.g. SHA-256 hashes) in constant time for equal lengths,
 * ignoring hex case. Different lengths or non-hex input compare unequal.
 */
export function constantTimeEqualHex(a: string, b: string): boolean {
  if (a.length !== b.length || a.length % 2 !== 0) return false;
  if (!HEX.test(a) || !HEX.test(b)) return false;
  return timingSafeEqual(Buffer.from(a, "hex"), Buffer.from(b, "hex"));
}
