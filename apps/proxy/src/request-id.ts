import { randomBytes } from "node:crypto";

/**
 * Request ids are the idempotency key of usage events, so they must be unique across proxy
 * processes and restarts: a random per-process prefix plus a counter. Building one is a
 * string concat, not a crypto call.
 */
const PROCESS_PREFIX = `req_${randomBytes(6).toString("hex")}`;
let counter = 0;

export function nextRequestId(): string {
  counter++;
  return `${PROCESS_PREFIX}${counter.toString(36).padStart(6, "0")}`;
}

/** Accept a client-provided x-request-id only when it is short and plain (log/header safe). */
const SAFE_ID = /^[\w.:-]{1,128}$/;
export function safeClientRequestId(value: string | string[] | undefined): string | null {
  return typeof value === "string" && SAFE_ID.test(value) ? value : null;
}
