import { randomBytes } from "node:crypto";
import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { startFakeProvider, type FakeProvider } from "@gatehouse/testkit";
import { Redis } from "ioredis";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { appRouter, createCaller } from "./root";
import { createInnerContext } from "./trpc";

/**
 * DESIGN.md invariants 1 and 2 over the whole API surface of credentials, routes, keys, audit
 * and config: every procedure is called, and no response and no audit row carries the provider
 * secret, nor a virtual key secret after the response that issued it.
 */

const PROVIDER_SECRET = `sk-leak-check-${randomBytes(16).toString("hex")}`;
const ROUTERS = ["credential", "route", "key", "audit", "config"] as const;

const keyring = createTestKeyring();
let testDb: TestDatabase;
let redis: Redis;
let provider: FakeProvider;

beforeAll(async () => {
  testDb = await createTestDatabase("web-secret-leak");
  redis = new Redis(testRedisUrl(3));
  provider = await startFakeProvider({ apiKey: PROVIDER_SECRET });
});

afterAll(async () => {
  await provider?.close();
  redis?.disconnect();
  await testDb?.drop();
});

describe("secrets never leave the server", () => {
  it("appear in no response of any credential, route, key, audit or config procedure, nor in the audit log", async () => {
    const owner = await createUser(testDb.prisma, "Owner");
    const workspaceId = (
      await createWorkspace(testDb.prisma, "Leaks", [{ userId: owner.id, role: "owner" }])
    ).id;
    const caller = createCaller(
      createInnerContext({ db: testDb.prisma, session: sessionFor(owner), redis, keyring }),
    );
    /** every response, serialized as the wire would carry it, with the procedure's name */
    const responses: Array<{ path: string; json: string }> = [];
    const called = new Set<string>();
    async function call<T>(path: string, run: () => Promise<T>): Promise<T> {
      const result = await run();
      called.add(path);
      responses.push({ path, json: superjson.stringify(result) });
      return result;
    }

    // credentials (one more to delete), with a real connection test and a refused one
    const credential = await call("credential.create", () =>
      caller.credential.create({
        workspaceId,
        name: "OpenAI",
        provider: "openai",
        baseUrl: provider.openaiBaseUrl,
        secret: PROVIDER_SECRET,
      }),
    );
    const spare = await caller.credential.create({
      workspaceId,
      name: "spare",
      provider: "anthropic",
      baseUrl: provider.anthropicBaseUrl,
      secret: `${PROVIDER_SECRET}-wrong`,
      createDefaultRoutes: false,
    });
    const connected = await call("credential.testConnection", () =>
      caller.credential.testConnection({ workspaceId, credentialId: credential.id }),
    );
    expect(connected.ok).toBe(true);
    const refused = await caller.credential.testConnection({ workspaceId, credentialId: spare.id });
    expect(refused.status).toBe(401);
    responses.push({ path: "credential.testConnection", json: superjson.stringify(refused) });
    await call("credential.list", () => caller.credential.list({ workspaceId }));

    // routes and deployments
    const route = await call("route.create", () =>
      caller.route.create({
        workspaceId,
        alias: "fast",
        deployments: [{ credentialId: credential.id, upstreamModel: "gpt-4o-mini" }],
      }),
    );
    await call("route.update", () =>
      caller.route.update({ workspaceId, routeId: route.id, description: "cheap and quick" }),
    );
    const deployment = await call("route.addDeployment", () =>
      caller.route.addDeployment({
        workspaceId,
        routeId: route.id,
        credentialId: spare.id,
        upstreamModel: "claude-haiku-4-5",
        priority: 1,
      }),
    );
    await call("route.updateDeployment", () =>
      caller.route.updateDeployment({ workspaceId, deploymentId: deployment.id, weight: 3 }),
    );
    const listed = await call("route.list", () => caller.route.list({ workspaceId }));
    await call("route.updatePolicy", () =>
      caller.route.updatePolicy({
        workspaceId,
        routeId: route.id,
        policy: listed.find((r) => r.id === route.id)!.policy,
      }),
    );
    await call("route.health", () => caller.route.health({ workspaceId }));
    await call("route.removeDeployment", () =>
      caller.route.removeDeployment({ workspaceId, deploymentId: deployment.id }),
    );
    await call("credential.delete", () =>
      caller.credential.delete({ workspaceId, credentialId: spare.id }),
    );

    // keys: each secret is allowed in the one response that issues it
    const keySecrets: string[] = [];
    const created = await call("key.create", () =>
      caller.key.create({ workspaceId, name: "app", budgetUsd: "10", budgetPeriod: "monthly" }),
    );
    keySecrets.push(created.secret);
    await call("key.update", () =>
      caller.key.update({ workspaceId, keyId: created.key.id, rpmLimit: 100 }),
    );
    const rotated = await call("key.rotate", () =>
      caller.key.rotate({ workspaceId, keyId: created.key.id, gracePeriodSeconds: 3600 }),
    );
    keySecrets.push(rotated.secret);
    await call("key.revoke", () => caller.key.revoke({ workspaceId, keyId: created.key.id }));
    await call("key.list", () => caller.key.list({ workspaceId }));

    await call("config.resync", () => caller.config.resync({ workspaceId }));
    await call("route.delete", () => caller.route.delete({ workspaceId, routeId: route.id }));
    await call("audit.list", () => caller.audit.list({ workspaceId, limit: 100 }));

    // every procedure of these routers was exercised
    const procedures = Object.keys(appRouter._def.procedures).filter((path) =>
      ROUTERS.some((router) => path.startsWith(`${router}.`)),
    );
    expect([...called].sort()).toEqual(procedures.sort());

    for (const { path, json } of responses) {
      expect({ path, leaks: json.includes(PROVIDER_SECRET) }).toEqual({ path, leaks: false });
    }
    const issuedBy = (secret: string) =>
      responses.filter((r) => r.json.includes(secret)).map((r) => r.path);
    expect(issuedBy(keySecrets[0]!)).toEqual(["key.create"]);
    expect(issuedBy(keySecrets[1]!)).toEqual(["key.rotate"]);

    const audit = JSON.stringify(
      await testDb.prisma.auditLog.findMany({ where: { workspaceId } }),
      (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value),
    );
    expect(audit).toContain("provider_credential.create");
    for (const secret of [PROVIDER_SECRET, ...keySecrets]) expect(audit).not.toContain(secret);
    // nor the stored envelope or the key hashes
    const stored = await testDb.prisma.providerCredential.findUniqueOrThrow({
      where: { id: credential.id },
    });
    expect(audit).not.toContain(stored.encryptedSecret);
    const key = await testDb.prisma.virtualKey.findUniqueOrThrow({ where: { id: created.key.id } });
    expect(audit).not.toContain(key.keyHash);
  });
});
