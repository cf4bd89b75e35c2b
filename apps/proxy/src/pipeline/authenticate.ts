import { hashVirtualKey, isVirtualKeyFormat } from "@gatehouse/shared/server";
import type { KeyEntry, WorkspaceEntry } from "../config/workspace-plan";
import { GatewayError } from "../errors";
import type { RequestContext } from "./context";

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/** `Authorization: Bearer <key>` (OpenAI SDKs) or `x-api-key: <key>` (Anthropic SDKs). */
function presentedKey(ctx: RequestContext): string | null {
  const headers = ctx.req.headers;
  const authorization = headers.authorization;
  if (authorization !== undefined) {
    const match = BEARER.exec(authorization);
    if (match) return match[1]!;
  }
  const apiKey = headers["x-api-key"];
  return typeof apiKey === "string" && apiKey !== "" ? apiKey.trim() : null;
}

/**
 * secret → SHA-256 hex, memoised: a key is used for many requests, and the hash is a pure
 * function of it (nothing to invalidate). Bounded; cleared wholesale when full.
 */
const HASH_CACHE_MAX = 10_000;
const hashCache = new Map<string, string>();
function hashOf(secret: string): string {
  let hash = hashCache.get(secret);
  if (hash === undefined) {
    hash = hashVirtualKey(secret);
    if (hashCache.size >= HASH_CACHE_MAX) hashCache.clear();
    hashCache.set(secret, hash);
  }
  return hash;
}

const UNKNOWN_KEY = "Invalid API key: it is not a Gatehouse virtual key of any workspace.";

/**
 * Resolves the virtual key to its KeySnapshot and workspace (401 for a missing, unknown,
 * revoked, expired or rotated-out key, saying which; the key itself is never echoed).
 * Synchronous when both snapshots are cached.
 */
export function authenticate(ctx: RequestContext): void | Promise<void> {
  const secret = presentedKey(ctx);
  if (secret === null) {
    throw new GatewayError(
      "authentication",
      "Missing API key. Send your Gatehouse virtual key as 'Authorization: Bearer <key>' or 'x-api-key: <key>'.",
    );
  }
  // junk never costs a hash or a Redis lookup
  if (!isVirtualKeyFormat(secret)) throw new GatewayError("authentication", UNKNOWN_KEY);
  const key = ctx.services.config.getKey(hashOf(secret));
  if (key instanceof Promise) return key.then((k) => acceptKey(ctx, k));
  return acceptKey(ctx, key);
}

function acceptKey(ctx: RequestContext, key: KeyEntry | null): void | Promise<void> {
  if (key === null) throw new GatewayError("authentication", UNKNOWN_KEY);
  const snapshot = key.snapshot;
  if (snapshot.status === "revoked") {
    throw new GatewayError("authentication", "This API key has been revoked.");
  }
  const now = Date.now();
  if (key.expiresAtMs !== null && key.expiresAtMs <= now) {
    throw new GatewayError("authentication", `This API key expired at ${snapshot.expiresAt}.`);
  }
  if (key.graceUntilMs !== null && key.graceUntilMs <= now) {
    throw new GatewayError(
      "authentication",
      "This API key was rotated and its grace period is over; use the new key.",
    );
  }
  const workspace = ctx.services.config.getWorkspace(snapshot.workspaceId);
  if (workspace instanceof Promise) return workspace.then((w) => acceptWorkspace(ctx, key, w));
  acceptWorkspace(ctx, key, workspace);
}

function acceptWorkspace(
  ctx: RequestContext,
  key: KeyEntry,
  workspace: WorkspaceEntry | null,
): void {
  if (workspace === null) {
    throw new GatewayError("authentication", "This API key's workspace no longer exists.");
  }
  ctx.key = key;
  ctx.workspace = workspace;
}
