import {
  DEFAULT_ROUTE_POLICY,
  RoutePolicySchema,
  WorkspaceSnapshotSchema,
} from "@gatehouse/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing";
import { compileWorkspaceSnapshot } from "./compile";

/** The route policy from its JSON column into the snapshot every proxy reads. */
describe("route policy → workspace snapshot", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase("route_policy");
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function workspaceWith(
    slug: string,
    routes: { alias: string; policy?: object; served?: boolean }[],
  ) {
    const prisma = db.prisma;
    const workspace = await prisma.workspace.create({ data: { name: slug, slug } });
    const credential = await prisma.providerCredential.create({
      data: {
        workspaceId: workspace.id,
        name: "OpenAI",
        provider: "openai",
        baseUrl: "http://127.0.0.1:9/v1",
        encryptedSecret: "gh1.test.aXY.Y2lwaGVy.dGFn",
        secretHint: "1234",
      },
    });
    for (const route of routes) {
      await prisma.modelRoute.create({
        data: {
          workspaceId: workspace.id,
          alias: route.alias,
          ...(route.policy ? { policy: route.policy } : {}),
          deployments: {
            create: {
              workspaceId: workspace.id,
              credentialId: credential.id,
              upstreamModel: route.alias,
              enabled: route.served !== false,
            },
          },
        },
      });
    }
    const snapshot = await compileWorkspaceSnapshot(prisma, workspace.id);
    // what Redis holds is the JSON; the proxy parses it with the same schema
    const parsed = WorkspaceSnapshotSchema.parse(JSON.parse(JSON.stringify(snapshot)));
    return Object.fromEntries(parsed.routes.map((route) => [route.alias, route.policy]));
  }

  it("a route saved without a policy ('{}') gets the defaults: retries on", async () => {
    const policies = await workspaceWith("defaults", [{ alias: "gpt-4o-mini" }]);
    expect(policies["gpt-4o-mini"]).toEqual(DEFAULT_ROUTE_POLICY);
    expect(policies["gpt-4o-mini"]!.retry.maxRetries).toBe(2);
  });

  it("carries the stored settings, partial ones filled with defaults", async () => {
    const policies = await workspaceWith("custom", [
      {
        alias: "fast",
        policy: {
          strategy: "lowest_latency",
          retry: { maxRetries: 4, retryOn: [429, 503] },
          timeouts: { ttfbMs: 5_000 },
          cooldown: { failures: 3 },
          contextWindowFallbacks: ["long"],
        },
      },
      { alias: "long" },
    ]);
    expect(policies.fast).toEqual(
      RoutePolicySchema.parse({
        strategy: "lowest_latency",
        retry: { maxRetries: 4, retryOn: [429, 503] },
        timeouts: { ttfbMs: 5_000 },
        cooldown: { failures: 3 },
        contextWindowFallbacks: ["long"],
      }),
    );
    expect(policies.fast!.retry.budgetMs).toBe(DEFAULT_ROUTE_POLICY.retry.budgetMs);
    expect(policies.fast!.timeouts).toEqual({
      connectMs: null,
      ttfbMs: 5_000,
      idleMs: null,
      totalMs: null,
    });
  });

  it("drops fallback aliases that went stale: itself, a deleted route, a route with nothing served", async () => {
    const policies = await workspaceWith("stale", [
      {
        alias: "main",
        policy: {
          contextWindowFallbacks: ["main", "long", "gone", "long"],
          contentPolicyFallbacks: ["idle", "other"],
        },
      },
      { alias: "long" },
      { alias: "other" },
      { alias: "idle", served: false },
    ]);
    expect(policies.main!.contextWindowFallbacks).toEqual(["long"]);
    expect(policies.main!.contentPolicyFallbacks).toEqual(["other"]);
    expect(Object.keys(policies).sort()).toEqual(["long", "main", "other"]);
  });

  it("a stored policy the schema refuses compiles to the defaults instead of blocking the publish", async () => {
    const policies = await workspaceWith("invalid", [
      { alias: "broken", policy: { retry: { maxRetries: 99 } } },
      { alias: "fine", policy: { retry: { maxRetries: 1 } } },
    ]);
    expect(policies.broken).toEqual(DEFAULT_ROUTE_POLICY);
    expect(policies.fine!.retry.maxRetries).toBe(1);
  });
});
