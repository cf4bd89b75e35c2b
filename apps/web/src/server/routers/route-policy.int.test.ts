import {
  DEFAULT_ROUTE_POLICY,
  RedisKeys,
  WorkspaceSnapshotSchema,
  type RoutePolicy,
} from "@gatehouse/shared";
import type { Keyring } from "@gatehouse/shared/server";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { TRPCError } from "@trpc/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";

/** The routes editor's server side: the route policy, the deployment order, live health. */

let testDb: TestDatabase;
let redis: Redis;
let keyring: Keyring;
let owner: Awaited<ReturnType<typeof createUser>>;
let member: Awaited<ReturnType<typeof createUser>>;
let workspaceId: string;
let otherWorkspaceId: string;
let otherRouteId: string;
let otherDeploymentId: string;

function callerFor(user: { id: string; email: string; name: string | null }, client = redis) {
  return createCaller(
    createInnerContext({ db: testDb.prisma, session: sessionFor(user), redis: client, keyring }),
  );
}

/** The error's code and its issues (path → message), as the editor receives them. */
async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const issues =
      error.cause instanceof z.ZodError
        ? Object.fromEntries(error.cause.issues.map((i) => [i.path.join("."), i.message]))
        : {};
    return { code: error.code, issues, message: error.message };
  }
  throw new Error("expected the call to fail");
}

async function snapshotRoute(alias: string) {
  const json = await redis.get(RedisKeys.workspaceSnapshot(workspaceId));
  return WorkspaceSnapshotSchema.parse(JSON.parse(json!)).routes.find((r) => r.alias === alias);
}

function policy(overrides: Partial<RoutePolicy> = {}): RoutePolicy {
  return { ...DEFAULT_ROUTE_POLICY, ...overrides };
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-route-policy");
  redis = new Redis(testRedisUrl(3));
  keyring = createTestKeyring();
  owner = await createUser(testDb.prisma, "Owner");
  member = await createUser(testDb.prisma, "Member");
  const other = await createUser(testDb.prisma, "Other");
  workspaceId = (
    await createWorkspace(testDb.prisma, "Routing", [
      { userId: owner.id, role: "owner" },
      { userId: member.id, role: "member" },
    ])
  ).id;
  otherWorkspaceId = (
    await createWorkspace(testDb.prisma, "Elsewhere", [{ userId: other.id, role: "owner" }])
  ).id;
  const caller = callerFor(owner);
  const openai = await caller.credential.create({
    workspaceId,
    name: "OpenAI",
    provider: "openai",
    secret: "sk-route-policy-test-0001",
    createDefaultRoutes: false,
  });
  const anthropic = await caller.credential.create({
    workspaceId,
    name: "Anthropic",
    provider: "anthropic",
    secret: "sk-ant-route-policy-0002",
    createDefaultRoutes: false,
  });
  await caller.route.create({
    workspaceId,
    alias: "mini",
    deployments: [
      { credentialId: openai.id, upstreamModel: "gpt-4o-mini" },
      { credentialId: anthropic.id, upstreamModel: "claude-haiku-4-5" },
    ],
  });
  for (const alias of ["long", "safe"]) {
    await caller.route.create({
      workspaceId,
      alias,
      deployments: [{ credentialId: anthropic.id, upstreamModel: "claude-sonnet-4-5" }],
    });
  }
  const otherCaller = callerFor(other);
  const theirs = await otherCaller.credential.create({
    workspaceId: otherWorkspaceId,
    name: "theirs",
    provider: "openai",
    secret: "sk-other-tenant-0003",
    createDefaultRoutes: false,
  });
  const theirRoute = await otherCaller.route.create({
    workspaceId: otherWorkspaceId,
    alias: "theirs-only",
    deployments: [{ credentialId: theirs.id, upstreamModel: "gpt-4o" }],
  });
  otherRouteId = theirRoute.id;
  otherDeploymentId = theirRoute.deployments[0]!.id;
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

async function route(alias: string) {
  const routes = await callerFor(owner).route.list({ workspaceId });
  return routes.find((r) => r.alias === alias)!;
}

describe("route.updatePolicy", () => {
  it("lists the defaults for a new route: retries on", async () => {
    const mini = await route("mini");
    expect(mini.policy).toEqual(DEFAULT_ROUTE_POLICY);
    expect((await snapshotRoute("mini"))!.policy).toEqual(DEFAULT_ROUTE_POLICY);
  });

  it("saves policy and deployment order together, publishes both, and audits the change", async () => {
    const mini = await route("mini");
    const [openai, anthropic] = mini.deployments;
    const wanted = policy({
      strategy: "least_inflight",
      retry: { ...DEFAULT_ROUTE_POLICY.retry, maxRetries: 4, retryOn: [429, 503] },
      timeouts: { connectMs: 2_000, ttfbMs: 8_000, idleMs: null, totalMs: null },
      cooldown: { failures: 3, windowMs: 10_000, cooldownMs: 60_000 },
      contextWindowFallbacks: ["long"],
      contentPolicyFallbacks: ["safe", "long"],
    });
    // Anthropic first, OpenAI as the fallback
    await callerFor(owner).route.updatePolicy({
      workspaceId,
      routeId: mini.id,
      policy: wanted,
      deployments: [
        { deploymentId: openai!.id, priority: 1, weight: 1 },
        { deploymentId: anthropic!.id, priority: 0, weight: 3 },
      ],
    });

    const listed = await route("mini");
    expect(listed.policy).toEqual(wanted);
    expect(listed.deployments.map((d) => [d.upstreamModel, d.priority, d.weight])).toEqual([
      ["claude-haiku-4-5", 0, 3],
      ["gpt-4o-mini", 1, 1],
    ]);
    const published = await snapshotRoute("mini");
    expect(published!.policy).toEqual(wanted);
    expect(published!.deployments.map((d) => d.upstreamModel)).toEqual([
      "claude-haiku-4-5",
      "gpt-4o-mini",
    ]);

    const audit = await callerFor(owner).audit.list({ workspaceId });
    const entry = audit.items.find((e) => e.action === "model_route.update_policy");
    expect(entry).toBeDefined();
    expect(entry!.before).toMatchObject({ policy: { retry: { maxRetries: 2 } } });
    expect(entry!.after).toMatchObject({
      policy: { retry: { maxRetries: 4 }, contextWindowFallbacks: ["long"] },
    });
  });

  it("refuses invalid settings with the field named, and keeps the saved policy", async () => {
    const mini = await route("mini");
    const bad = await failure(
      callerFor(owner).route.updatePolicy({
        workspaceId,
        routeId: mini.id,
        policy: {
          ...mini.policy,
          retry: { ...mini.policy.retry, maxRetries: 9, retryOn: [200] },
          timeouts: { ...mini.policy.timeouts, ttfbMs: 5 },
        },
      }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(Object.keys(bad.issues).sort()).toEqual([
      "policy.retry.maxRetries",
      "policy.retry.retryOn.0",
      "policy.timeouts.ttfbMs",
    ]);
    const twice = await failure(
      callerFor(owner).route.updatePolicy({
        workspaceId,
        routeId: mini.id,
        policy: { ...mini.policy, contextWindowFallbacks: ["long", "long"] },
      }),
    );
    expect(twice.issues).toEqual({ "policy.contextWindowFallbacks.1": "'long' is listed twice" });
    expect((await route("mini")).policy).toEqual(mini.policy);
  });

  it("accepts only other routes of the same workspace as fallbacks", async () => {
    const mini = await route("mini");
    const bad = await failure(
      callerFor(owner).route.updatePolicy({
        workspaceId,
        routeId: mini.id,
        policy: policy({
          contextWindowFallbacks: ["long", "mini", "nope"],
          contentPolicyFallbacks: ["theirs-only"],
        }),
      }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(bad.issues).toEqual({
      "policy.contextWindowFallbacks.1": "a route cannot fall back to itself",
      "policy.contextWindowFallbacks.2": "'nope' is not a route of this workspace",
      "policy.contentPolicyFallbacks.0": "'theirs-only' is not a route of this workspace",
    });
    expect((await route("mini")).policy).toEqual(mini.policy);
  });

  it("refuses another workspace's route or deployment, and members", async () => {
    const mini = await route("mini");
    const ownerCaller = callerFor(owner);
    const foreignRoute = await failure(
      ownerCaller.route.updatePolicy({ workspaceId, routeId: otherRouteId, policy: policy() }),
    );
    expect(foreignRoute.code).toBe("NOT_FOUND");
    const foreignDeployment = await failure(
      ownerCaller.route.updatePolicy({
        workspaceId,
        routeId: mini.id,
        policy: policy(),
        deployments: [{ deploymentId: otherDeploymentId, priority: 5, weight: 1 }],
      }),
    );
    expect(foreignDeployment.code).toBe("NOT_FOUND");
    expect(
      (await testDb.prisma.modelDeployment.findUniqueOrThrow({ where: { id: otherDeploymentId } }))
        .priority,
    ).toBe(0);
    const asMember = await failure(
      callerFor(member).route.updatePolicy({ workspaceId, routeId: mini.id, policy: policy() }),
    );
    expect(asMember.code).toBe("FORBIDDEN");
  });

  it("keeps fallback lists pointing at a renamed route, and drops a deleted one", async () => {
    const mini = await route("mini");
    await callerFor(owner).route.updatePolicy({
      workspaceId,
      routeId: mini.id,
      policy: policy({ contextWindowFallbacks: ["long"], contentPolicyFallbacks: ["safe"] }),
    });
    const long = await route("long");
    await callerFor(owner).route.update({ workspaceId, routeId: long.id, alias: "long-context" });
    expect((await route("mini")).policy.contextWindowFallbacks).toEqual(["long-context"]);
    expect((await snapshotRoute("mini"))!.policy.contextWindowFallbacks).toEqual(["long-context"]);

    await callerFor(owner).route.delete({ workspaceId, routeId: (await route("safe")).id });
    expect((await route("mini")).policy.contentPolicyFallbacks).toEqual([]);
  });
});

describe("route.health", () => {
  it("shows a deployment cooled down by the proxies, and the last hour's attempts", async () => {
    const mini = await route("mini");
    const [first, second] = mini.deployments;
    const until = Date.now() + 60_000;
    await redis.set(
      RedisKeys.deploymentCooldown(workspaceId, first!.id),
      String(until),
      "PX",
      60_000,
    );
    const now = Date.now();
    await testDb.prisma.requestLog.createMany({
      data: [0, 1, 2].map((i) => ({
        id: `health-${i}`,
        workspaceId,
        keyId: "k",
        ts: new Date(now - (i + 1) * 1_000),
        endpoint: "chat_completions",
        clientFormat: "openai",
        model: "mini",
        deploymentId: second!.id,
        status: 200,
        inputTokens: 1,
        outputTokens: 1,
        cachedInputTokens: 0,
        costNanoUsd: 1n,
        latencyMs: 100 * (i + 1),
        streamed: false,
        clientAborted: false,
        // the first request failed on `first` before `second` answered
        ...(i === 0
          ? {
              attempts: [
                {
                  deploymentId: first!.id,
                  status: 503,
                  errorType: "upstream_error",
                  latencyMs: 10,
                },
                { deploymentId: second!.id, status: 200, errorType: null, latencyMs: 90 },
              ],
            }
          : {}),
      })),
    });

    const health = await callerFor(member).route.health({ workspaceId });
    expect(health.deployments[first!.id]).toMatchObject({
      state: "cooling_down",
      cooldownUntil: new Date(until),
      attempts: 1,
      failures: 1,
      errorRate: 1,
    });
    expect(health.deployments[second!.id]).toMatchObject({
      state: "healthy",
      cooldownUntil: null,
      attempts: 3,
      failures: 0,
      p50Ms: 200,
    });
    await redis.del(RedisKeys.deploymentCooldown(workspaceId, first!.id));
  });

  it("says 'unknown' instead of failing when Redis does not answer", async () => {
    const down = new Redis("redis://127.0.0.1:1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    down.on("error", () => undefined); // refused connections are the point here
    try {
      const health = await callerFor(owner, down).route.health({ workspaceId });
      const states = Object.values(health.deployments).map((d) => d.state);
      expect(states.length).toBeGreaterThan(0);
      expect(new Set(states)).toEqual(new Set(["unknown"]));
    } finally {
      down.disconnect();
    }
  });
});
