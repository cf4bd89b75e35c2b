import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { RedisKeys, WorkspaceSnapshotSchema, type PromptVersionInput } from "@gatehouse/shared";
import { TRPCError } from "@trpc/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";

let testDb: TestDatabase;
let redis: Redis;
let member: Awaited<ReturnType<typeof createUser>>;
let workspaceId: string;

function caller() {
  return createCaller(
    createInnerContext({
      db: testDb.prisma,
      session: sessionFor(member),
      redis,
      keyring: createTestKeyring(),
    }),
  );
}

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof TRPCError) return error.code;
    throw error;
  }
}

/** The prompts of the workspace snapshot the proxy reads. */
async function publishedPrompts() {
  const json = await redis.get(RedisKeys.workspaceSnapshot(workspaceId));
  return WorkspaceSnapshotSchema.parse(JSON.parse(json!)).prompts;
}

const draft = (text: string, extra: Partial<PromptVersionInput> = {}): PromptVersionInput => ({
  messages: [
    { role: "system", content: `You help with {{product}}. ${text}` },
    { role: "user", content: "{{question}}" },
  ],
  variables: [
    { name: "product", default: "Gatehouse" },
    { name: "question", default: null },
  ],
  model: "gpt-4o-mini",
  params: { temperature: 0.3 },
  commitMessage: text,
  ...extra,
});

beforeAll(async () => {
  testDb = await createTestDatabase("web-prompt");
  redis = new Redis(testRedisUrl(3));
  member = await createUser(testDb.prisma, "Member");
  workspaceId = (
    await createWorkspace(testDb.prisma, "Prompts", [{ userId: member.id, role: "member" }])
  ).id;
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

describe("prompts", () => {
  let promptId = "";

  it("creates a prompt whose first version is labelled production, and publishes it", async () => {
    const prompt = await caller().prompt.create({
      workspaceId,
      slug: "support-reply",
      name: "Support reply",
      description: "First answer to a ticket",
      version: draft("v1"),
    });
    promptId = prompt.id;
    expect(prompt).toMatchObject({
      slug: "support-reply",
      versionCount: 1,
      latest: { version: 1, model: "gpt-4o-mini" },
      labels: [{ name: "production", version: 1 }],
    });
    const published = await publishedPrompts();
    expect(published).toEqual([
      expect.objectContaining({ id: promptId, slug: "support-reply", labels: { production: 1 } }),
    ]);
    expect(published[0]!.versions[0]).toMatchObject({
      version: 1,
      model: "gpt-4o-mini",
      messages: draft("v1").messages,
      params: { temperature: 0.3 },
    });
    const audit = await testDb.prisma.auditLog.findFirst({
      where: { workspaceId, action: "prompt.create" },
    });
    expect(audit).toMatchObject({ actorUserId: member.id, targetId: promptId });

    expect(
      await code(
        caller().prompt.create({
          workspaceId,
          slug: "support-reply",
          name: "x",
          version: draft(""),
        }),
      ),
    ).toBe("CONFLICT");
  });

  it("refuses templates whose declared variables do not match their placeholders", async () => {
    expect(
      await code(
        caller().prompt.saveVersion({
          workspaceId,
          promptId,
          version: draft("bad", { variables: [{ name: "question", default: null }] }),
        }),
      ),
    ).toBe("BAD_REQUEST");
    expect(await testDb.prisma.promptVersion.count({ where: { promptId } })).toBe(1);
  });

  it("saves new versions without touching old ones or moving labels", async () => {
    const before = await testDb.prisma.promptVersion.findFirstOrThrow({
      where: { promptId, version: 1 },
    });
    const v2 = await caller().prompt.saveVersion({
      workspaceId,
      promptId,
      version: draft("v2", { model: "smart", params: { temperature: 0.9, max_tokens: 50 } }),
    });
    expect(v2).toMatchObject({ version: 2, model: "smart", commitMessage: "v2" });
    expect(v2.author?.id).toBe(member.id);
    const after = await testDb.prisma.promptVersion.findFirstOrThrow({
      where: { promptId, version: 1 },
    });
    expect(after).toEqual(before);

    const prompt = await caller().prompt.byId({ workspaceId, promptId });
    expect(prompt.labels).toEqual([expect.objectContaining({ name: "production", version: 1 })]);
    expect(prompt.latest?.version).toBe(2);
    expect((await publishedPrompts())[0]!.versions.map((v) => v.version)).toEqual([1, 2]);

    const versions = await caller().prompt.versions({ workspaceId, promptId });
    expect(versions.map((v) => v.version)).toEqual([2, 1]);
    expect(await caller().prompt.bySlug({ workspaceId, slug: "support-reply" })).toMatchObject({
      id: promptId,
    });
  });

  it("two saves at the same time never share a version number", async () => {
    const results = await Promise.allSettled([
      caller().prompt.saveVersion({ workspaceId, promptId, version: draft("race a") }),
      caller().prompt.saveVersion({ workspaceId, promptId, version: draft("race b") }),
    ]);
    for (const result of results) {
      if (result.status === "rejected") {
        expect((result.reason as TRPCError).code).toBe("CONFLICT");
      }
    }
    const numbers = (
      await testDb.prisma.promptVersion.findMany({ where: { promptId }, select: { version: true } })
    ).map((v) => v.version);
    expect(new Set(numbers).size).toBe(numbers.length);
    expect(results.some((r) => r.status === "fulfilled")).toBe(true);
  });

  it("diffs two versions line by line", async () => {
    const diff = await caller().prompt.diff({ workspaceId, promptId, a: 1, b: 2 });
    expect(diff.a.version).toBe(1);
    expect(diff.b.version).toBe(2);
    expect(diff.rows).toContainEqual({
      kind: "changed",
      left: "model: gpt-4o-mini",
      right: "model: smart",
    });
    expect(diff.rows).toContainEqual({
      kind: "changed",
      left: "You help with {{product}}. v1",
      right: "You help with {{product}}. v2",
    });
    expect(diff.rows).toContainEqual({ kind: "same", left: "{{question}}", right: "{{question}}" });
    expect(await code(caller().prompt.diff({ workspaceId, promptId, a: 1, b: 99 }))).toBe(
      "NOT_FOUND",
    );
  });

  it("moves labels atomically, audits each move, and republishes (promote, roll back)", async () => {
    const versions = await caller().prompt.versions({ workspaceId, promptId });
    const v1 = versions.find((v) => v.version === 1)!;
    const v2 = versions.find((v) => v.version === 2)!;

    const promoted = await caller().prompt.moveLabel({
      workspaceId,
      promptId,
      label: "production",
      versionId: v2.id,
    });
    expect(promoted).toEqual({ label: "production", version: 2, previousVersion: 1 });
    expect((await publishedPrompts())[0]!.labels).toEqual({ production: 2 });

    await caller().prompt.moveLabel({ workspaceId, promptId, label: "staging", versionId: v1.id });
    await caller().prompt.moveLabel({
      workspaceId,
      promptId,
      label: "production",
      versionId: v1.id,
    });
    expect((await publishedPrompts())[0]!.labels).toEqual({ production: 1, staging: 1 });

    const moves = await testDb.prisma.auditLog.findMany({
      where: { workspaceId, action: "prompt.label.move" },
      orderBy: { createdAt: "asc" },
    });
    expect(moves.map((m) => [m.before, m.after])).toEqual([
      [
        { slug: "support-reply", label: "production", version: 1 },
        { slug: "support-reply", label: "production", version: 2 },
      ],
      [null, { slug: "support-reply", label: "staging", version: 1 }],
      [
        { slug: "support-reply", label: "production", version: 2 },
        { slug: "support-reply", label: "production", version: 1 },
      ],
    ]);

    // many concurrent moves: one label row, one audit entry per move, Redis ends where Postgres is
    const targets = Array.from({ length: 8 }, (_, i) => (i % 2 === 0 ? v1 : v2));
    await Promise.all(
      targets.map((v) =>
        caller().prompt.moveLabel({ workspaceId, promptId, label: "canary", versionId: v.id }),
      ),
    );
    const labels = await testDb.prisma.promptLabel.findMany({
      where: { promptId, name: "canary" },
      include: { version: true },
    });
    expect(labels).toHaveLength(1);
    expect(
      await testDb.prisma.auditLog.count({
        where: {
          workspaceId,
          action: "prompt.label.move",
          after: { path: ["label"], equals: "canary" },
        },
      }),
    ).toBe(8);
    expect((await publishedPrompts())[0]!.labels.canary).toBe(labels[0]!.version.version);

    await caller().prompt.removeLabel({ workspaceId, promptId, label: "canary" });
    expect((await publishedPrompts())[0]!.labels).toEqual({ production: 1, staging: 1 });

    // a version of another prompt cannot be labelled here
    const other = await caller().prompt.create({
      workspaceId,
      slug: "other",
      name: "Other",
      version: draft("other"),
    });
    const otherVersion = (await caller().prompt.versions({ workspaceId, promptId: other.id }))[0]!;
    expect(
      await code(
        caller().prompt.moveLabel({
          workspaceId,
          promptId,
          label: "production",
          versionId: otherVersion.id,
        }),
      ),
    ).toBe("NOT_FOUND");
    await caller().prompt.delete({ workspaceId, promptId: other.id });
  });

  it("publishes the labelled versions and the newest ten, not every version", async () => {
    const prompt = await caller().prompt.create({
      workspaceId,
      slug: "long-history",
      name: "Long history",
      version: draft("1"),
    });
    for (let i = 2; i <= 13; i++) {
      await caller().prompt.saveVersion({
        workspaceId,
        promptId: prompt.id,
        version: draft(String(i)),
      });
    }
    const published = (await publishedPrompts()).find((p) => p.slug === "long-history")!;
    expect(published.labels).toEqual({ production: 1 });
    expect(published.versions.map((v) => v.version)).toEqual([1, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13]);
    await caller().prompt.delete({ workspaceId, promptId: prompt.id });
  });

  it("sums usage per version from the daily rollups", async () => {
    const versions = await caller().prompt.versions({ workspaceId, promptId });
    const v1 = versions.find((v) => v.version === 1)!;
    const day = new Date();
    day.setUTCHours(0, 0, 0, 0);
    const row = {
      workspaceId,
      day,
      model: "gpt-4o-mini",
      promptVersionId: v1.id,
      requests: 3,
      inputTokens: 300n,
      outputTokens: 60n,
      costNanoUsd: 1_500_000n,
      latencyMsSum: 900n,
    };
    await testDb.prisma.usageDaily.createMany({
      data: [
        { ...row, keyId: "key_a" },
        { ...row, keyId: "key_b", requests: 1, costNanoUsd: 500_000n },
        { ...row, keyId: "key_c", promptVersionId: "" },
      ],
    });
    const usage = await caller().prompt.usage({ workspaceId, promptId });
    expect(usage.find((u) => u.version === 1)).toMatchObject({
      requests: 4,
      inputTokens: 600,
      outputTokens: 120,
      costUsd: "$0.002",
    });
    expect(usage.find((u) => u.version === 2)).toMatchObject({ requests: 0, costUsd: "$0.00" });
  });

  it("deletes a prompt: audited, and gone from the snapshot", async () => {
    await caller().prompt.delete({ workspaceId, promptId });
    expect(await publishedPrompts()).toEqual([]);
    expect(await testDb.prisma.promptVersion.count({ where: { promptId } })).toBe(0);
    const audit = await testDb.prisma.auditLog.findFirst({
      where: { workspaceId, action: "prompt.delete", targetId: promptId },
    });
    expect(audit?.before).toMatchObject({ slug: "support-reply", labels: { production: 1 } });
    expect(await code(caller().prompt.byId({ workspaceId, promptId }))).toBe("NOT_FOUND");
  });
});
