import { randomBytes } from "node:crypto";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX = "0123456789abcdef";

function randomString(length: number, alphabet: string): string {
  const bytes = randomBytes(length);
  let out = "";
  for (const byte of bytes) out += alphabet[byte % alphabet.length];
  return out;
}

/**
 * Ids shaped like the real ones (`chatcmpl-` + 29 characters, `req_` + 32 hex, ...).
 * Unique, not secret: a random per-process head and a counter, so no per-request crypto.
 */
export function idFactory(
  prefix: string,
  length: number,
  alphabet: "alnum" | "hex" = "alnum",
): () => string {
  const counterWidth = Math.min(10, length);
  const head =
    prefix + randomString(length - counterWidth, alphabet === "hex" ? HEX : ALPHANUMERIC);
  const radix = alphabet === "hex" ? 16 : 36;
  let counter = 0;
  return () => head + (counter++).toString(radix).padStart(counterWidth, "0");
}

export function unixSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
