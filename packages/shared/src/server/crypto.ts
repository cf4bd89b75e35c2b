import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { inspect } from "node:util";

/**
 * Provider credentials at rest: AES-256-GCM under a versioned master keyring read from
 * GATEHOUSE_ENCRYPTION_KEYS = "<keyId>:<base64 of 32 bytes>[,<keyId>:<base64>...]".
 * The first key encrypts; every key decrypts (by the id in the envelope), so a rotation is:
 * put the new key first, re-encrypt what needsReencryption() flags, then drop the old key.
 *
 * Envelope: gh1.<keyId>.<iv>.<ciphertext>.<tag> (base64url parts, random 96-bit IV). The
 * version and key id are authenticated together with the caller's aad, so no part of the
 * envelope can be altered or moved to another record (e.g. another workspace) unnoticed.
 */
export const ENVELOPE_VERSION = "gh1";
export const ENCRYPTION_KEYS_ENV = "GATEHOUSE_ENCRYPTION_KEYS";

const ALGORITHM = "aes-256-gcm";
const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/** GATEHOUSE_ENCRYPTION_KEYS is missing or malformed. Messages never contain key material. */
export class EncryptionConfigError extends Error {
  override name = "EncryptionConfigError";
}

export type DecryptionFailure = "malformed" | "unknown_key" | "authentication_failed";

/** A credential could not be decrypted. Messages never contain plaintext or key material. */
export class DecryptionError extends Error {
  override name = "DecryptionError";
  constructor(
    readonly reason: DecryptionFailure,
    message: string,
  ) {
    super(message);
  }
}

const KEY_ID_RULE = "key id must be 1-32 characters of A-Z a-z 0-9 _ -";
const ENTRY_SHAPE = `"<keyId>:<base64 of ${KEY_BYTES} bytes>"`;

// Key bytes live outside the Keyring object, so logging or serialising one cannot leak them.
const keyMaterial = new WeakMap<Keyring, ReadonlyMap<string, Buffer>>();

/** The master keys, first one current. Usually built by parseEncryptionKeys(). */
export class Keyring {
  /** the id new envelopes are encrypted under (the first key) */
  readonly currentKeyId: string;
  readonly keyIds: readonly string[];

  /** Throws EncryptionConfigError for no keys, a bad or repeated id, or a key not 32 bytes. */
  constructor(keys: ReadonlyArray<readonly [keyId: string, key: Uint8Array]>) {
    const material = new Map<string, Buffer>();
    keys.forEach(([keyId, key], index) => {
      const where = `${ENCRYPTION_KEYS_ENV} entry ${index + 1}`;
      // an invalid id is not echoed: it may be key material pasted in the wrong place
      if (!KEY_ID.test(keyId)) throw new EncryptionConfigError(`${where}: ${KEY_ID_RULE}`);
      if (material.has(keyId)) {
        throw new EncryptionConfigError(`${where}: key id "${keyId}" appears more than once`);
      }
      if (key.length !== KEY_BYTES) {
        throw new EncryptionConfigError(
          `${where} (key id "${keyId}"): key must be base64 of exactly ${KEY_BYTES} bytes`,
        );
      }
      material.set(keyId, Buffer.from(key));
    });
    const first = keys[0];
    if (!first) throw new EncryptionConfigError(`${ENCRYPTION_KEYS_ENV} has no keys`);
    this.currentKeyId = first[0];
    this.keyIds = Object.freeze([...material.keys()]);
    keyMaterial.set(this, material);
  }

  toJSON(): { currentKeyId: string; keyIds: readonly string[] } {
    return { currentKeyId: this.currentKeyId, keyIds: this.keyIds };
  }

  [inspect.custom](): string {
    const ids = this.keyIds.map((id) => `'${id}'`).join(", ");
    return `Keyring { currentKeyId: '${this.currentKeyId}', keyIds: [ ${ids} ] }`;
  }
}

function keyOf(keyring: Keyring, keyId: string): Buffer | undefined {
  return keyMaterial.get(keyring)?.get(keyId);
}

/** Parses GATEHOUSE_ENCRYPTION_KEYS. Throws EncryptionConfigError naming the bad entry. */
export function parseEncryptionKeys(value: string | undefined): Keyring {
  const text = value?.trim() ?? "";
  if (text === "") {
    throw new EncryptionConfigError(
      `${ENCRYPTION_KEYS_ENV} is empty; expected ${ENTRY_SHAPE}, comma-separated`,
    );
  }
  const keys = text.split(",").map((raw, index): [string, Buffer] => {
    const entry = raw.trim();
    const colon = entry.indexOf(":");
    if (colon < 0) {
      throw new EncryptionConfigError(
        `${ENCRYPTION_KEYS_ENV} entry ${index + 1} is not ${ENTRY_SHAPE}`,
      );
    }
    const encoded = entry.slice(colon + 1).trim();
    // not base64 at all: an empty buffer, which the Keyring rejects for its length
    const key = BASE64.test(encoded) ? Buffer.from(encoded, "base64") : Buffer.alloc(0);
    return [entry.slice(0, colon).trim(), key];
  });
  return new Keyring(keys);
}

/** A fresh keyring entry, "<keyId>:<base64 of 32 random bytes>", for the env variable. */
export function generateEncryptionKey(keyId = "k1"): string {
  if (!KEY_ID.test(keyId)) throw new EncryptionConfigError(KEY_ID_RULE);
  return `${keyId}:${randomBytes(KEY_BYTES).toString("base64")}`;
}

function additionalData(keyId: string, aad: string | undefined): Buffer {
  // NUL cannot occur in a key id, so header and caller aad cannot run into each other
  return Buffer.from(`${ENVELOPE_VERSION}.${keyId}\u0000${aad ?? ""}`, "utf8");
}

/**
 * Encrypts under the keyring's current key. `aad` (e.g. the workspace id) must be given
 * again, identically, to decrypt; no aad and "" are the same.
 */
export function encryptSecret(plaintext: string, keyring: Keyring, aad?: string): string {
  const keyId = keyring.currentKeyId;
  const key = keyOf(keyring, keyId);
  if (!key) throw new EncryptionConfigError("keyring has no key material");
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additionalData(keyId, aad));
  const ciphertext = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  const tag = cipher.getAuthTag();
  return [
    ENVELOPE_VERSION,
    keyId,
    iv.toString("base64url"),
    ciphertext.toString("base64url"),
    tag.toString("base64url"),
  ].join(".");
}

function decodePart(part: string | undefined, bytes?: number): Buffer | null {
  if (part === undefined || !BASE64URL.test(part)) return null;
  const decoded = Buffer.from(part, "base64url");
  return bytes === undefined || decoded.length === bytes ? decoded : null;
}

/** Decrypts an envelope from encryptSecret. Throws DecryptionError on any failure. */
export function decryptSecret(envelope: string, keyring: Keyring, aad?: string): string {
  const parts = envelope.split(".");
  const [version, keyId, ivPart, ciphertextPart, tagPart] = parts;
  const iv = decodePart(ivPart, IV_BYTES);
  const ciphertext = decodePart(ciphertextPart);
  const tag = decodePart(tagPart, TAG_BYTES);
  if (
    parts.length !== 5 ||
    version !== ENVELOPE_VERSION ||
    keyId === undefined ||
    !KEY_ID.test(keyId) ||
    !iv ||
    !ciphertext ||
    !tag
  ) {
    throw new DecryptionError("malformed", "encrypted secret is not a valid gh1 envelope");
  }
  const key = keyOf(keyring, keyId);
  if (!key) {
    throw new DecryptionError(
      "unknown_key",
      `encrypted secret uses key id "${keyId}", which is not in ${ENCRYPTION_KEYS_ENV}`,
    );
  }
  const decipher = createDecipheriv(ALGORITHM, key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additionalData(keyId, aad));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8");
  } catch {
    throw new DecryptionError(
      "authentication_failed",
      "encrypted secret failed authentication (tampered, wrong key or wrong aad)",
    );
  }
}

/** True when the envelope is not under the keyring's current key (or is not an envelope). */
export function needsReencryption(envelope: string, keyring: Keyring): boolean {
  return !envelope.startsWith(`${ENVELOPE_VERSION}.${keyring.currentKeyId}.`);
}

/**
 * The last characters of a secret, to help a user recognise a saved credential: 4, or fewer
 * for short secrets, never more than a quarter of it ("" under 4 characters).
 */
export function secretHint(secret: string): string {
  const shown = Math.min(4, Math.floor(secret.length / 4));
  return shown === 0 ? "" : secret.slice(-shown);
}
