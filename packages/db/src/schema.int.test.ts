import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointToDb } from "./endpoints";
import { compileWorkspaceSnapshot } from "./config/compile";
import { createTestDatabase, type TestDatabase } from "./testing";

describe("schema behaviour", () => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await createTestDatabase("schema");
  });

  afterAll(async () => {
    await db?.drop();
  });

  async function workspaceWithEverything(slug: string) {
    const prisma = db.prisma;
    const user = await prisma.user.create({ data: { email: `${slug}@example.test` } });
    const workspace = await prisma.workspace.create({
      data: { name: slug, slug, memberships: { create: { userId: user.id, role: "owner" } } },
    });
    const credential = await prisma.providerCredential.create({
      data: {
        workspaceId: workspace.id,
        name: "c",
        provider: "anthropic",
        baseUrl: "http://127.0.0.1:9",
        encryptedSecret: "gh1.x",
        secretHint: "abcd",
        createdById: user.id,
      },
    });
    const route = await prisma.modelRoute.create({
      data: { workspaceId: workspace.id, alias: "claude" },
    });
    await prisma.modelDeployment.create({
      data: {
        routeId: route.id,
        workspaceId: workspace.id,
        credentialId: credential.id,
        upstreamModel: "claude-x",
      },
    });
    const prompt = await prisma.prompt.create({
      data: { workspaceId: workspace.id, slug: "greet", name: "Greet" },
    });
    const v1 = await prisma.promptVersion.create({
      data: {
        promptId: prompt.id,
        workspaceId: workspace.id,
        version: 1,
        messages: [{ role: "system", content: "Greet {{name}}" }],
        variables: [{ name: "name", default: null }],
        authorId: user.id,
      },
    });
    await prisma.promptVersion.create({
      data: {
        promptId: prompt.id,
        workspaceId: workspace.id,
        version: 2,
        messages: [{ role: "system", content: "Greet {{name}} warmly" }],
        variables: [{ name: "name", default: "friend" }],
        model: "claude",
        params: { temperature: 0.2 },
      },
    });
    await prisma.promptLabel.create({
      data: {
        promptId: prompt.id,
        workspaceId: workspace.id,
        name: "production",
        versionId: v1.id,
      },
    });
    await prisma.requestLog.create({
      data: {
        id: `req_${slug}`,
        workspaceId: workspace.id,
        keyId: "key_1",
        ts: new Date(),
        endpoint: endpointToDb("chat.completions"),
        clientFormat: "openai",
        model: "claude",
        status: 200,
        inputTokens: 10,
        outputTokens: 5,
        cachedInputTokens: 0,
        costNanoUsd: 123_456n,
        latencyMs: 40,
        streamed: false,
        clientAborted: false,
        payload: { create: { request: "{}", response: "{}" } },
      },
    });
    await prisma.usageDaily.create({
      data: {
        workspaceId: workspace.id,
        day: new Date("2026-01-01"),
        keyId: "key_1",
        model: "claude",
        requests: 1,
      },
    });
    await prisma.auditLog.create({
      data: {
        workspaceId: workspace.id,
        actorUserId: user.id,
        actorType: "user",
        action: "workspace.create",
        targetType: "workspace",
      },
    });
    return { user, workspace, credential, prompt };
  }

  it("compiles prompts with their versions and labels into the workspace snapshot", async () => {
    const { workspace, prompt } = await workspaceWithEverything("prompts");
    const snapshot = await compileWorkspaceSnapshot(db.prisma, workspace.id);
    expect(snapshot!.prompts).toEqual([
      {
        id: prompt.id,
        slug: "greet",
        labels: { production: 1 },
        versions: [
          expect.objectContaining({
            version: 1,
            model: null,
            params: {},
            variables: [{ name: "name", default: null }],
          }),
          expect.objectContaining({ version: 2, model: "claude", params: { temperature: 0.2 } }),
        ],
      },
    ]);
  });

  it("stores endpoints under their wire names", async () => {
    await workspaceWithEverything("wire");
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(
        "SELECT endpoint::text AS endpoint FROM request_logs WHERE id = 'req_wire'",
      );
      expect(rows).toEqual([{ endpoint: "chat.completions" }]);
    } finally {
      await client.end();
    }
  });

  it("refuses to delete a credential that deployments still use", async () => {
    const { credential } = await workspaceWithEverything("in_use");
    await expect(
      db.prisma.providerCredential.delete({ where: { id: credential.id } }),
    ).rejects.toThrow();
  });

  it("deleting a workspace deletes everything it owns, and keeps its users", async () => {
    const { user, workspace } = await workspaceWithEverything("doomed");
    await db.prisma.workspace.delete({ where: { id: workspace.id } });

    const where = { workspaceId: workspace.id };
    const prisma = db.prisma;
    expect(
      await Promise.all([
        prisma.membership.count({ where }),
        prisma.providerCredential.count({ where }),
        prisma.modelRoute.count({ where }),
        prisma.modelDeployment.count({ where }),
        prisma.prompt.count({ where }),
        prisma.promptVersion.count({ where }),
        prisma.promptLabel.count({ where }),
        prisma.requestLog.count({ where }),
        prisma.requestPayload.count({ where: { requestId: "req_doomed" } }),
        prisma.usageDaily.count({ where }),
        prisma.auditLog.count({ where }),
      ]),
    ).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(await prisma.user.count({ where: { id: user.id } })).toBe(1);
  });

  it("keeps a user's history when the user is deleted", async () => {
    const { user, workspace } = await workspaceWithEverything("leaver");
    await db.prisma.user.delete({ where: { id: user.id } });
    const audit = await db.prisma.auditLog.findFirstOrThrow({
      where: { workspaceId: workspace.id },
    });
    expect(audit.actorUserId).toBeNull();
    expect(await db.prisma.providerCredential.count({ where: { workspaceId: workspace.id } })).toBe(
      1,
    );
  });

  it("upserts rollups on the empty-string prompt sentinel without duplicating rows", async () => {
    const { workspace } = await workspaceWithEverything("rollup");
    const id = {
      workspaceId: workspace.id,
      day: new Date("2026-01-02"),
      keyId: "key_1",
      model: "claude",
      promptVersionId: "",
    };
    for (let i = 0; i < 3; i += 1) {
      await db.prisma.usageDaily.upsert({
        where: { workspaceId_day_keyId_model_promptVersionId: id },
        create: { ...id, requests: 1, costNanoUsd: 5_000_000_000_000n },
        update: { requests: { increment: 1 }, costNanoUsd: { increment: 5_000_000_000_000n } },
      });
    }
    const rows = await db.prisma.usageDaily.findMany({
      where: { workspaceId: workspace.id, day: id.day },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ requests: 3, costNanoUsd: 15_000_000_000_000n });
  });
});
