import { publishKey, publishWorkspace } from "@gatehouse/db";
import { TRPCError } from "@trpc/server";
import type { Context } from "./trpc";
import { log } from "./log";

/**
 * Publishes config to Redis after the Postgres commit. A failure here leaves Postgres
 * ahead of Redis, so the caller is told (the change is saved; retrying or a resync repairs
 * the snapshot) rather than shown a success while the proxy still serves the old config.
 */
async function afterCommit(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    log().error("config publish failed", { error: (error as Error).message });
    throw new TRPCError({
      code: "INTERNAL_SERVER_ERROR",
      message:
        "The change was saved but could not be published to the proxy. Retry, or run a resync.",
    });
  }
}

export function publishWorkspaceConfig(ctx: Context, workspaceId: string): Promise<void> {
  return afterCommit(() => publishWorkspace(ctx.db, ctx.redis(), workspaceId));
}

export function publishKeyConfig(ctx: Context, keyId: string): Promise<void> {
  return afterCommit(() => publishKey(ctx.db, ctx.redis(), keyId));
}
