import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { startFakeProvider, type FakeProvider } from "@gatehouse/testkit";
import { TRPCError } from "@trpc/server";
import { Redis } from "ioredis";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { redact } from "./credential-connection";
import { createCaller } from "./root";
import { createInnerContext } from "./trpc";

/** "Test connection" against the fake provider, through the credential router. */

const GOOD_SECRET = "sk-fake-provider-good-key-7d41c9e2b8";
const WRONG_SECRET = "sk-wrong-secret-that-must-not-leak-5a6b";

const keyring = createTestKeyring();
let testDb: TestDatabase;
let redis: Redis;
let provider: FakeProvider;
let owner: Awaited<ReturnType<typeof createUser>>;
let member: Awaited<ReturnType<typeof createUser>>;
let workspaceId: string;

function callerFor(user: { id: string; email: string; name: string | null }) {
  return createCaller(
    createInnerContext({ db: testDb.prisma, session: sessionFor(user), redis, keyring }),
  );
}

/** A port nothing listens on: bound, read back, released. */
function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      const port = typeof address === "object" && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

async function addCredential(
  name: string,
  input: { provider?: "openai" | "anthropic"; baseUrl: string; secret: string },
) {
  return callerFor(owner).credential.create({
    workspaceId,
    name,
    provider: input.provider ?? "openai",
    baseUrl: input.baseUrl,
    secret: input.secret,
    createDefaultRoutes: false,
  });
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-credential-connection");
  redis = new Redis(testRedisUrl(3));
  provider = await startFakeProvider({ apiKey: GOOD_SECRET });
  owner = await createUser(testDb.prisma, "Owner");
  member = await createUser(testDb.prisma, "Member");
  workspaceId = (
    await createWorkspace(testDb.prisma, "Connections", [
      { userId: owner.id, role: "owner" },
      { userId: member.id, role: "member" },
    ])
  ).id;
});

afterAll(async () => {
  await provider?.close();
  redis?.disconnect();
  await testDb?.drop();
});

describe("credential.testConnection", () => {
  it("lists the models with the saved secret (OpenAI format)", async () => {
    const credential = await addCredential("good", {
      baseUrl: provider.openaiBaseUrl,
      secret: GOOD_SECRET,
    });
    provider.reset();
    const result = await callerFor(owner).credential.testConnection({
      workspaceId,
      credentialId: credential.id,
    });
    expect(result).toMatchObject({ ok: true, status: 200 });
    expect(result.modelCount).toBeGreaterThan(0);
    expect(result.message).toMatch(/^Connected to 127\.0\.0\.1:\d+: \d+ models? available\.$/);
    expect(result.latencyMs).toBeGreaterThanOrEqual(0);
    // the adapter's request: GET /v1/models with the decrypted key as Bearer
    expect(provider.requests.map((r) => [r.method, r.path, r.receivedApiKey])).toEqual([
      ["GET", "/v1/models", GOOD_SECRET],
    ]);
    expect(JSON.stringify(result)).not.toContain(GOOD_SECRET);
  });

  it("uses the Anthropic adapter (x-api-key, anthropic-version) for an Anthropic credential", async () => {
    const credential = await addCredential("anthropic", {
      provider: "anthropic",
      baseUrl: provider.anthropicBaseUrl,
      secret: GOOD_SECRET,
    });
    provider.reset();
    const result = await callerFor(owner).credential.testConnection({
      workspaceId,
      credentialId: credential.id,
    });
    expect(result).toMatchObject({ ok: true, status: 200 });
    const [request] = provider.requests;
    expect(request?.headers["x-api-key"]).toBe(GOOD_SECRET);
    expect(request?.headers["anthropic-version"]).toBeDefined();
  });

  it("reports a refused key with the provider's message, without the secret", async () => {
    const credential = await addCredential("wrong key", {
      baseUrl: provider.openaiBaseUrl,
      secret: WRONG_SECRET,
    });
    const result = await callerFor(owner).credential.testConnection({
      workspaceId,
      credentialId: credential.id,
    });
    expect(result.ok).toBe(false);
    expect(result.status).toBe(401);
    expect(result.message).toContain("refused the API key (401)");
    expect(result.message).toContain("Incorrect API key provided");
    expect(result.modelCount).toBeUndefined();
    expect(JSON.stringify(result)).not.toContain(WRONG_SECRET);
  });

  it("strips the secret from a provider message that echoes it", async () => {
    // an OpenAI-compatible server that quotes the whole key back in its error
    const echo = createHttpServer((req, res) => {
      res.writeHead(401, { "content-type": "application/json" });
      res.end(
        JSON.stringify({ error: { message: `key ${req.headers.authorization} is invalid` } }),
      );
    });
    await new Promise<void>((resolve) => echo.listen(0, "127.0.0.1", resolve));
    try {
      const address = echo.address();
      const port = typeof address === "object" && address ? address.port : 0;
      const credential = await callerFor(owner).credential.create({
        workspaceId,
        name: "echoing server",
        provider: "openai_compatible",
        baseUrl: `http://127.0.0.1:${port}/v1`,
        secret: WRONG_SECRET,
      });
      const result = await callerFor(owner).credential.testConnection({
        workspaceId,
        credentialId: credential.id,
      });
      expect(result).toMatchObject({ ok: false, status: 401 });
      expect(result.message).toBe(
        `127.0.0.1:${port} refused the API key (401): key Bearer [redacted] is invalid`,
      );
    } finally {
      await new Promise((resolve) => echo.close(resolve));
    }
  });

  it("reports an unreachable provider without throwing", async () => {
    const port = await closedPort();
    const credential = await addCredential("unreachable", {
      baseUrl: `http://127.0.0.1:${port}/v1`,
      secret: GOOD_SECRET,
    });
    const result = await callerFor(owner).credential.testConnection({
      workspaceId,
      credentialId: credential.id,
    });
    expect(result).toMatchObject({
      ok: false,
      status: null,
      message: `Could not reach 127.0.0.1:${port}: connection refused.`,
    });
  });

  it("is admin work and scoped to the workspace", async () => {
    const credential = await addCredential("scoped", {
      baseUrl: provider.openaiBaseUrl,
      secret: GOOD_SECRET,
    });
    await expect(
      callerFor(member).credential.testConnection({ workspaceId, credentialId: credential.id }),
    ).rejects.toSatisfy((e) => e instanceof TRPCError && e.code === "FORBIDDEN");
    const stranger = await createUser(testDb.prisma, "Stranger");
    const theirs = await createWorkspace(testDb.prisma, "Theirs", [
      { userId: stranger.id, role: "owner" },
    ]);
    await expect(
      callerFor(stranger).credential.testConnection({
        workspaceId: theirs.id,
        credentialId: credential.id,
      }),
    ).rejects.toSatisfy((e) => e instanceof TRPCError && e.code === "NOT_FOUND");
  });
});

describe("credential.create default routes", () => {
  it("creates the provider's default routes unless asked not to, and never overwrites an alias", async () => {
    const caller = callerFor(owner);
    const first = await caller.credential.create({
      workspaceId,
      name: "Anthropic defaults",
      provider: "anthropic",
      baseUrl: provider.anthropicBaseUrl,
      secret: GOOD_SECRET,
    });
    expect(first.defaultRoutes).toEqual(["claude-sonnet", "claude-haiku"]);
    const second = await caller.credential.create({
      workspaceId,
      name: "Anthropic again",
      provider: "anthropic",
      baseUrl: provider.anthropicBaseUrl,
      secret: GOOD_SECRET,
    });
    expect(second.defaultRoutes).toEqual([]);
    const routes = await caller.route.list({ workspaceId });
    const sonnet = routes.find((r) => r.alias === "claude-sonnet");
    expect(sonnet?.deployments.map((d) => [d.credentialId, d.upstreamModel])).toEqual([
      [first.id, "claude-sonnet-4-5"],
    ]);

    const none = await caller.credential.create({
      workspaceId,
      name: "OpenAI without defaults",
      provider: "openai",
      baseUrl: provider.openaiBaseUrl,
      secret: GOOD_SECRET,
      createDefaultRoutes: false,
    });
    expect(none.defaultRoutes).toEqual([]);
    expect((await caller.route.list({ workspaceId })).map((r) => r.alias)).not.toContain("gpt-4o");
  });
});

describe("redact", () => {
  it("removes the whole secret and any long run of it", () => {
    const secret = "sk-proj-abcdef1234567890";
    expect(redact(`key ${secret} refused`, secret)).toBe("key [redacted] refused");
    expect(redact("key sk-proj-abcdef12**** refused", secret)).toBe("key [redacted]**** refused");
    expect(redact("Incorrect API key provided: sk-****7890.", secret)).toBe(
      "Incorrect API key provided: sk-****7890.",
    );
  });
});
