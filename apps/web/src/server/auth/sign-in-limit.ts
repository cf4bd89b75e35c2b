import { createHash } from "node:crypto";
import type { RedisClient } from "@gatehouse/db";
import type { Db } from "../db";
import { normalizeEmail, verifyCredentials, type AuthUser } from "./credentials";
import { log } from "../log";

/**
 * Failed sign-in limiting, counted in Redis so it holds across every web replica.
 *
 * - 5 failures per email in 15 minutes: a person mistypes a password two or three times;
 *   five wrong guesses per quarter hour (480 a day) makes guessing even a weak password that
 *   passes the policy hopeless, while a locked-out owner waits at most 15 minutes.
 * - 30 failures per client IP in 15 minutes: stops one address from spraying guesses across
 *   many emails, with room for an office behind one NAT where several people mistype.
 *
 * Fixed windows that start at the first failure. A success clears the email's counter (not
 * the IP's, so alternating a known account with guesses does not reset the spray limit).
 * While a limit is reached the password is not even checked (no bcrypt work either).
 */
export const SIGN_IN_LIMITS = {
  email: { max: 5, windowSeconds: 15 * 60 },
  ip: { max: 30, windowSeconds: 15 * 60 },
} as const;

/** next-auth carries this (with the minutes) as the sign-in error code to the form. */
export const TOO_MANY_SIGN_INS = "TooManySignIns";

export class TooManySignInsError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    // next-auth v4 hands an error thrown in authorize() to the client as its message.
    super(`${TOO_MANY_SIGN_INS}:${Math.max(1, Math.ceil(retryAfterSeconds / 60))}`);
    this.name = "TooManySignInsError";
  }
}

const digest = (value: string) => createHash("sha256").update(value).digest("hex").slice(0, 32);

/** Redis keys: hashed, so Redis never holds the emails or addresses themselves. */
export function signInFailureKeys(email: string, ip: string | null) {
  return {
    email: `gh:signin-fail:email:${digest(normalizeEmail(email))}`,
    ip: ip ? `gh:signin-fail:ip:${digest(ip)}` : null,
  };
}

/**
 * Counts one attempt against `key` and returns the seconds to wait when that attempt is over
 * `max` (0 = go ahead). Counting before checking the password makes the limit hold under
 * concurrent guesses too: a burst of parallel attempts cannot all slip through a read-then-
 * check. The window starts at the first attempt and is not extended by later ones (NX).
 */
async function countAttempt(
  redis: RedisClient,
  key: string,
  limit: { max: number; windowSeconds: number },
): Promise<number> {
  const replies = await redis
    .multi()
    .incr(key)
    .expire(key, limit.windowSeconds, "NX")
    .ttl(key)
    .exec();
  const [count, , ttl] = (replies ?? []).map(([error, value]) => {
    if (error) throw error;
    return Number(value);
  });
  if ((count ?? 0) <= limit.max) return 0;
  return ttl !== undefined && ttl > 0 ? ttl : 1;
}

/** DECR that never resurrects an expired counter as a negative key without a TTL. */
const DECREMENT_IF_PRESENT =
  "if redis.call('exists', KEYS[1]) == 1 then return redis.call('decr', KEYS[1]) end return 0";

export interface SignInAttempt {
  email: string;
  password: string;
  /** the client's address, when known */
  ip: string | null;
}

/**
 * verifyCredentials behind the failure limits: the user, null for wrong credentials, or a
 * TooManySignInsError while the email or the address is over its limit. Every attempt is
 * counted up front; a success then clears the email's count and takes itself back off the
 * address's count, so only failures (and refused attempts) remain.
 */
export async function signInWithLimits(
  db: Db,
  redis: RedisClient,
  attempt: SignInAttempt,
): Promise<AuthUser | null> {
  const email = typeof attempt.email === "string" ? attempt.email : "";
  const keys = signInFailureKeys(email, attempt.ip);

  let counted = true;
  const waits = await Promise.all([
    countAttempt(redis, keys.email, SIGN_IN_LIMITS.email),
    keys.ip ? countAttempt(redis, keys.ip, SIGN_IN_LIMITS.ip) : 0,
  ]).catch((error: unknown) => {
    // Redis unreachable: sign-ins go on unlimited rather than locking everyone out; the
    // bcrypt cost still makes each guess slow. The error's text never reaches the browser.
    log().error("sign-in limiter unavailable", { error: (error as Error).message });
    counted = false;
    return [0];
  });
  const wait = Math.max(...waits);
  if (wait > 0) throw new TooManySignInsError(wait);

  const user = await verifyCredentials(db, { email, password: attempt.password });
  if (user && counted) {
    await Promise.all([
      redis.del(keys.email),
      keys.ip ? redis.eval(DECREMENT_IF_PRESENT, 1, keys.ip) : undefined,
    ]).catch((error: unknown) => {
      log().error("sign-in limiter reset failed", { error: (error as Error).message });
    });
  }
  return user;
}

/**
 * The client address of a sign-in request: the first X-Forwarded-For entry (what a load
 * balancer in front records; Next's own server fills the header with the socket address when
 * absent), else X-Real-IP. A client talking to Next directly can forge the header to dodge
 * the per-address limit, never the per-email one.
 */
export function clientIp(headers: Record<string, unknown> | undefined): string | null {
  if (!headers) return null;
  const header = (name: string) => {
    const value = headers[name];
    return typeof value === "string" ? value : Array.isArray(value) ? String(value[0]) : null;
  };
  const forwarded = header("x-forwarded-for")?.split(",")[0]?.trim();
  const ip = forwarded || header("x-real-ip")?.trim();
  return ip ? ip.slice(0, 64) : null;
}
