import {
  GuardrailPolicySchema,
  RedisKeys,
  WorkspaceSnapshotSchema,
  type UsageEvent,
  type WorkspaceSnapshot,
} from "@gatehouse/shared";
import { publishWorkspace, startWorld, waitForEvent, type World } from "./fixtures";

/**
 * The guardrail integration tests' world: the standard test world (fixtures.ts) whose
 * workspace is republished, before any request, with a guardrail policy and payload logging
 * on (so the tests can check what would be stored).
 */
export async function startGuardedWorld(
  policy: object,
  extra: Partial<WorkspaceSnapshot> = {},
): Promise<World> {
  const world = await startWorld();
  const base = WorkspaceSnapshotSchema.parse(
    JSON.parse((await world.redis.get(RedisKeys.workspaceSnapshot(world.workspaceId)))!),
  );
  await publishWorkspace(
    world.redis,
    WorkspaceSnapshotSchema.parse({
      ...base,
      ...extra,
      version: base.version + 1,
      payloadLogging: true,
      guardrails: GuardrailPolicySchema.parse(policy),
    }),
  );
  return world;
}

/** Every request body the fake provider received, as text. */
export function upstreamBodies(world: World): string {
  return world.fake.requests.map((r) => JSON.stringify(r.body)).join("\n");
}

export function lastUpstreamBody(world: World): Record<string, unknown> {
  return world.fake.requests[world.fake.requests.length - 1]!.body as Record<string, unknown>;
}

/** The usage event of a response (its x-request-id is the event id when the client sent none). */
export function eventOf(
  world: World,
  response: { headers: { get(name: string): string | null } },
): Promise<UsageEvent> {
  return waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
}
