import { z } from "zod";
import { EncryptionConfigError, ENCRYPTION_KEYS_ENV, parseEncryptionKeys } from "../crypto";

/**
 * Field schemas for the apps' env.ts files, so a variable every app reads (REDIS_URL,
 * GATEHOUSE_ENCRYPTION_KEYS, ...) is parsed one way everywhere. Each builder returns the final
 * schema (default included): a field marked shownInErrors must not be wrapped further, or the
 * mark is lost and the value is simply not quoted back.
 */

// Fields whose bad value is quoted back in the error ("got \"eighty\""): numbers, flags and
// choices, never secrets. Everything else (URLs carry passwords, keys) is named, not shown.
const shown = new WeakSet<z.ZodType>();

/** Marks a field whose value is never secret, so a bad value is quoted back in the error. */
export function shownInErrors<T extends z.ZodType>(schema: T): T {
  shown.add(schema);
  return schema;
}

export function isShownInErrors(schema: unknown): boolean {
  return typeof schema === "object" && schema !== null && shown.has(schema as z.ZodType);
}

interface IntBounds {
  min?: number;
  max?: number;
}

function boundedInt(what: string, { min, max }: IntBounds) {
  let schema = z.coerce.number({ error: `must be ${what}` }).int({ error: `must be ${what}` });
  if (min !== undefined) schema = schema.min(min, { error: `must be at least ${min}` });
  if (max !== undefined) schema = schema.max(max, { error: `must be at most ${max}` });
  return schema;
}

/** A whole number, at least 1 unless `min` says otherwise. */
export function positiveInt(fallback: number, bounds: IntBounds = {}) {
  return shownInErrors(boundedInt("a whole number", { min: 1, ...bounds }).default(fallback));
}

/** A duration in whole milliseconds, at least 1 unless `min` says otherwise. */
export function durationMs(fallback: number, bounds: IntBounds = {}) {
  return shownInErrors(
    boundedInt("a duration in whole milliseconds", { min: 1, ...bounds }).default(fallback),
  );
}

/** A TCP port to listen on (0 = any free port). */
export function port(fallback: number) {
  return shownInErrors(
    z.coerce
      .number({ error: "must be a port (0-65535)" })
      .int({ error: "must be a port (0-65535)" })
      .min(0, { error: "must be a port (0-65535)" })
      .max(65535, { error: "must be a port (0-65535)" })
      .default(fallback),
  );
}

const TRUE = ["true", "1", "yes", "on"];
const FALSE = ["false", "0", "no", "off"];

/** true/false, 1/0, yes/no, on/off (any case). */
export function flag(fallback: boolean) {
  return shownInErrors(
    z
      .string()
      .transform((value, ctx) => {
        const v = value.toLowerCase();
        if (TRUE.includes(v)) return true;
        if (FALSE.includes(v)) return false;
        ctx.addIssue({ code: "custom", message: "must be true or false" });
        return z.NEVER;
      })
      .default(fallback),
  );
}

/** One of a fixed list of words. */
export function oneOf<const T extends readonly [string, ...string[]]>(
  values: T,
  fallback: T[number],
) {
  return shownInErrors(
    z.enum(values, { error: `must be one of ${values.join(", ")}` }).default(fallback),
  );
}

/** A URL with one of the given schemes. Never quoted back: a URL may carry a password. */
export function url(protocols: readonly string[]) {
  return z.url({
    protocol: new RegExp(`^(${protocols.join("|")})$`),
    error: `must be a ${protocols.map((p) => `${p}://`).join(" or ")} URL`,
  });
}

export const redisUrl = () => url(["redis", "rediss"]);
export const databaseUrl = () => url(["postgres", "postgresql"]);
export const httpUrl = () => url(["http", "https"]);

/**
 * GATEHOUSE_ENCRYPTION_KEYS: "<keyId>:<base64 of 32 bytes>[,...]", checked with the same
 * parser that later builds the keyring. The value stays a string (the apps build the keyring
 * where they use it); the parser's messages never contain key material.
 */
export function encryptionKeys() {
  return z.string().superRefine((value, ctx) => {
    try {
      parseEncryptionKeys(value);
    } catch (error) {
      if (!(error instanceof EncryptionConfigError)) throw error;
      ctx.addIssue({
        code: "custom",
        message: error.message.replace(new RegExp(`^${ENCRYPTION_KEYS_ENV}:?\\s*`), ""),
      });
    }
  });
}
