import { randomUUID } from "node:crypto";
import type { UsageEvent } from "@gatehouse/shared";
import type { PrismaClient } from "@gatehouse/db";

/** A workspace with one virtual key: what every usage event must point at. */
export async function createWorkspaceWithKey(
  prisma: PrismaClient,
  name: string,
): Promise<{ workspaceId: string; keyId: string }> {
  const ws = await prisma.workspace.create({
    data: { name, slug: `${name.toLowerCase()}-${randomUUID().slice(0, 8)}` },
  });
  const key = await prisma.virtualKey.create({
    data: {
      workspaceId: ws.id,
      name: "k",
      keyHash: randomUUID().replace(/-/g, ""),
      prefix: "gh_test",
    },
  });
  return { workspaceId: ws.id, keyId: key.id };
}

/** A valid usage event of a successful, non-streamed chat completion; override what a test needs. */
export function usageEvent(
  owner: { workspaceId: string; keyId: string },
  overrides: Partial<UsageEvent> = {},
): UsageEvent {
  return {
    id: `req_${randomUUID()}`,
    ts: "2026-11-20T10:15:00.000Z",
    workspaceId: owner.workspaceId,
    keyId: owner.keyId,
    endpoint: "chat.completions",
    clientFormat: "openai",
    model: "gpt-4o-mini",
    guardrails: [],
    routeId: null,
    deploymentId: null,
    credentialId: null,
    provider: "openai",
    upstreamModel: "gpt-4o-mini",
    promptId: null,
    promptVersionId: null,
    attempts: [],
    inputTokens: 100,
    outputTokens: 20,
    cachedInputTokens: 10,
    cacheWrite5mTokens: 0,
    cacheWrite1hTokens: 0,
    reasoningTokens: 0,
    costNanoUsd: 27_001,
    status: 200,
    errorType: null,
    streamed: false,
    clientAborted: false,
    latencyMs: 120.4,
    ttfbMs: 80.2,
    payload: null,
    ...overrides,
  };
}
