import { createTestDatabase, testRedisUrl, type TestDatabase } from "@gatehouse/db/testing";
import { KeySnapshotSchema, RedisKeys, WorkspaceSnapshotSchema } from "@gatehouse/shared";
import { generateVirtualKey, type Keyring } from "@gatehouse/shared/server";
import { TRPCError } from "@trpc/server";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import type { GuardrailPolicyInput, KeyOverrideActions } from "~/lib/guardrail-schemas";
import { createTestKeyring, createUser, createWorkspace, sessionFor } from "~/test/fixtures";
import { createCaller } from "../root";
import { createInnerContext } from "../trpc";

/** The guardrail policy pages' server side, on a real database and Redis. */

let testDb: TestDatabase;
let redis: Redis;
let keyring: Keyring;
type User = Awaited<ReturnType<typeof createUser>>;
let admin: User;
let viewer: User;
let workspaceId: string;
let otherWorkspaceId: string;
let key: { id: string; hash: string };
let otherKeyId: string;

function callerFor(user: User) {
  return createCaller(
    createInnerContext({ db: testDb.prisma, session: sessionFor(user), redis, keyring }),
  );
}

/** The error's code and its issues (path → message), as the form receives them. */
async function failure(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TRPCError)) throw error;
    const issues =
      error.cause instanceof z.ZodError
        ? Object.fromEntries(error.cause.issues.map((i) => [i.path.join("."), i.message]))
        : {};
    return { code: error.code, issues: issues as Record<string, string> };
  }
  throw new Error("expected the call to fail");
}

function policy(overrides: Partial<GuardrailPolicyInput> = {}): GuardrailPolicyInput {
  return {
    enabled: true,
    actions: { email: "mask", phone: "mask", aws_key: "block" },
    customPatterns: [],
    denyList: [],
    scanResponses: true,
    ...overrides,
  };
}

async function workspaceGuardrails() {
  const json = await redis.get(RedisKeys.workspaceSnapshot(workspaceId));
  return WorkspaceSnapshotSchema.parse(JSON.parse(json!)).guardrails;
}

beforeAll(async () => {
  testDb = await createTestDatabase("web-guardrails");
  redis = new Redis(testRedisUrl(3));
  keyring = createTestKeyring();
  admin = await createUser(testDb.prisma, "Admin");
  viewer = await createUser(testDb.prisma, "Viewer");
  const stranger = await createUser(testDb.prisma, "Stranger");
  workspaceId = (
    await createWorkspace(testDb.prisma, "Guarded", [
      { userId: admin.id, role: "admin" },
      { userId: viewer.id, role: "viewer" },
    ])
  ).id;
  otherWorkspaceId = (
    await createWorkspace(testDb.prisma, "Elsewhere", [{ userId: stranger.id, role: "owner" }])
  ).id;
  const secret = generateVirtualKey();
  const row = await testDb.prisma.virtualKey.create({
    data: { workspaceId, name: "Support bot", keyHash: secret.hash, prefix: secret.prefix },
  });
  key = { id: row.id, hash: secret.hash };
  const otherSecret = generateVirtualKey();
  otherKeyId = (
    await testDb.prisma.virtualKey.create({
      data: {
        workspaceId: otherWorkspaceId,
        name: "Theirs",
        keyHash: otherSecret.hash,
        prefix: otherSecret.prefix,
      },
    })
  ).id;
});

afterAll(async () => {
  redis?.disconnect();
  await testDb?.drop();
});

describe("guardrails.update", () => {
  it("saves a valid policy, publishes it to the proxies and records the change", async () => {
    const saved = await callerFor(admin).guardrails.update({
      workspaceId,
      ...policy({
        customPatterns: [{ name: "EMPLOYEE_ID", pattern: "\\bEMP-\\d{5}\\b", action: "mask" }],
        denyList: ["Project Falcon", " project falcon ", "", "Bluebird"],
      }),
    });
    // deny-list terms trimmed, blanks and case-insensitive duplicates dropped
    expect(saved.policy.denyList).toEqual(["Project Falcon", "Bluebird"]);
    expect(await workspaceGuardrails()).toEqual({
      enabled: true,
      actions: { email: "mask", phone: "mask", aws_key: "block" },
      customPatterns: [{ name: "EMPLOYEE_ID", pattern: "\\bEMP-\\d{5}\\b", action: "mask" }],
      denyList: ["Project Falcon", "Bluebird"],
      scanResponses: true,
    });
    const audit = await testDb.prisma.auditLog.findFirstOrThrow({
      where: { workspaceId, action: "workspace.update_guardrails" },
      orderBy: { createdAt: "desc" },
    });
    expect(audit.actorUserId).toBe(admin.id);
    // the deny list is counted, not copied, into the audit log
    expect(audit.after).toMatchObject({ enabled: true, denyListTerms: 2 });
    expect(JSON.stringify(audit.after)).not.toContain("Falcon");

    const read = await callerFor(viewer).guardrails.policy({ workspaceId });
    expect(read.policy.customPatterns).toHaveLength(1);
    expect(read.storedInvalid).toBe(false);
  });

  it("refuses invalid fields with errors that name them", async () => {
    const bad = await failure(
      callerFor(admin).guardrails.update({
        workspaceId,
        ...policy({
          actions: { email: "hide" } as unknown as GuardrailPolicyInput["actions"],
          customPatterns: [
            { name: "lower case", pattern: "x+", action: "mask" },
            { name: "BROKEN", pattern: "(unclosed", action: "mask" },
            { name: "EMPTY", pattern: "a*", action: "mask" },
          ],
          denyList: ["x".repeat(201)],
        }),
      }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(Object.keys(bad.issues).sort()).toEqual([
      "actions.email",
      "customPatterns.0.name",
      "customPatterns.1.pattern",
      "customPatterns.2.pattern",
      "denyList.0",
    ]);
    expect(bad.issues["customPatterns.1.pattern"]).toMatch(/not a valid regular expression/);
    expect(bad.issues["customPatterns.2.pattern"]).toMatch(/matches empty text/);
    // nothing was saved
    expect((await workspaceGuardrails()).customPatterns).toHaveLength(1);
  });

  it("refuses patterns that can backtrack catastrophically, exponential or polynomial", async () => {
    const bad = await failure(
      callerFor(admin).guardrails.update({
        workspaceId,
        ...policy({
          customPatterns: [
            { name: "NESTED", pattern: "(a+)+$", action: "mask" },
            { name: "SAFE", pattern: "\\bORD-\\d{6}\\b", action: "block" },
            { name: "QUADRATIC", pattern: "[a-z]+@corp\\.com", action: "mask" },
            { name: "ALTERNATION", pattern: "(?:ab|a)+c", action: "mask" },
          ],
        }),
      }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(Object.keys(bad.issues).sort()).toEqual([
      "customPatterns.0.pattern",
      "customPatterns.2.pattern",
      "customPatterns.3.pattern",
    ]);
    expect(bad.issues["customPatterns.0.pattern"]).toMatch(/backtrack catastrophically/);
    expect(bad.issues["customPatterns.2.pattern"]).toMatch(/2nd-degree polynomial/);
    expect((await workspaceGuardrails()).customPatterns.map((p) => p.name)).toEqual([
      "EMPLOYEE_ID",
    ]);
  });

  it("is for admins: a viewer is refused, and another workspace does not exist for them", async () => {
    expect(
      (await failure(callerFor(viewer).guardrails.update({ workspaceId, ...policy() }))).code,
    ).toBe("FORBIDDEN");
    expect(
      (
        await failure(
          callerFor(admin).guardrails.update({ workspaceId: otherWorkspaceId, ...policy() }),
        )
      ).code,
    ).toBe("NOT_FOUND");
    expect(
      (await failure(callerFor(admin).guardrails.policy({ workspaceId: otherWorkspaceId }))).code,
    ).toBe("NOT_FOUND");
  });
});

describe("guardrails.checkPattern", () => {
  it("gives the form the server's verdict while the pattern is typed", async () => {
    const caller = callerFor(viewer);
    expect(
      await caller.guardrails.checkPattern({ workspaceId, pattern: "\\bEMP-\\d{5}\\b" }),
    ).toEqual({
      ok: true,
    });
    expect(
      await caller.guardrails.checkPattern({ workspaceId, pattern: "(x+x+)+y" }),
    ).toMatchObject({
      ok: false,
      reason: "backtracking",
    });
  });
});

describe("key overrides", () => {
  it("publishes a key's override to its snapshot, and clearing it goes back to inherit", async () => {
    const caller = callerFor(admin);
    await caller.guardrails.updateKeyOverride({
      workspaceId,
      keyId: key.id,
      actions: { email: "off", prompt_injection: "block" },
    });
    const snapshot = async () =>
      KeySnapshotSchema.parse(JSON.parse((await redis.get(RedisKeys.keySnapshot(key.hash)))!))
        .guardrails;
    expect(await snapshot()).toEqual({ actions: { email: "off", prompt_injection: "block" } });
    const read = await callerFor(viewer).guardrails.keyOverride({ workspaceId, keyId: key.id });
    expect(read.override).toEqual({ actions: { email: "off", prompt_injection: "block" } });
    expect(read.key.name).toBe("Support bot");

    await caller.guardrails.updateKeyOverride({ workspaceId, keyId: key.id, actions: {} });
    expect(await snapshot()).toBeNull();
    const audits = await testDb.prisma.auditLog.count({
      where: { workspaceId, action: "virtual_key.update_guardrails", targetId: key.id },
    });
    expect(audits).toBe(2);
  });

  it("shows a stored override the schema refuses entry by entry, and a save replaces it", async () => {
    await testDb.prisma.virtualKey.update({
      where: { id: key.id },
      data: { guardrails: { actions: { email: "hide", phone: "redact", emial: "mask" } } },
    });
    const read = await callerFor(viewer).guardrails.keyOverride({ workspaceId, keyId: key.id });
    expect(read.override).toEqual({ actions: { phone: "redact" } });
    expect(read.invalid).toEqual({
      entries: [
        { kind: "action", detector: "email", value: "hide" },
        { kind: "detector", detector: "emial", value: "mask" },
      ],
    });

    await callerFor(admin).guardrails.updateKeyOverride({
      workspaceId,
      keyId: key.id,
      actions: { email: "redact", phone: "redact" },
    });
    const fixed = await callerFor(viewer).guardrails.keyOverride({ workspaceId, keyId: key.id });
    expect(fixed.invalid).toBeNull();
    expect(fixed.override).toEqual({ actions: { email: "redact", phone: "redact" } });
    const snapshot = KeySnapshotSchema.parse(
      JSON.parse((await redis.get(RedisKeys.keySnapshot(key.hash)))!),
    );
    expect(snapshot.guardrails).toEqual({ actions: { email: "redact", phone: "redact" } });
    // the audit log says what was wrong with what the save replaced
    const audit = await testDb.prisma.auditLog.findFirstOrThrow({
      where: { workspaceId, action: "virtual_key.update_guardrails", targetId: key.id },
      orderBy: { createdAt: "desc" },
    });
    expect(audit.before).toMatchObject({
      override: { actions: { phone: "redact" } },
      invalid: [
        { kind: "action", detector: "email", value: "hide" },
        { kind: "detector", detector: "emial", value: "mask" },
      ],
    });
    await callerFor(admin).guardrails.updateKeyOverride({
      workspaceId,
      keyId: key.id,
      actions: null,
    });
  });

  it("never reaches another workspace's key", async () => {
    const caller = callerFor(admin);
    expect(
      (await failure(caller.guardrails.keyOverride({ workspaceId, keyId: otherKeyId }))).code,
    ).toBe("NOT_FOUND");
    expect(
      (
        await failure(
          caller.guardrails.updateKeyOverride({
            workspaceId,
            keyId: otherKeyId,
            actions: { email: "off" },
          }),
        )
      ).code,
    ).toBe("NOT_FOUND");
    const theirs = await testDb.prisma.virtualKey.findUniqueOrThrow({ where: { id: otherKeyId } });
    expect(theirs.guardrails).toBeNull();
    expect(
      (await failure(caller.guardrails.test({ workspaceId, text: "hi", keyId: otherKeyId }))).code,
    ).toBe("NOT_FOUND");
  });
});

describe("guardrails.test (the test box)", () => {
  const text = "Mail ada@example.com or ada@example.com, key AKIAIOSFODNN7EXAMPLE, EMP-12345.";

  it("shows what the saved policy masks and blocks, with the proxy's placeholders", async () => {
    const result = await callerFor(viewer).guardrails.test({ workspaceId, text });
    expect(result.enabled).toBe(true);
    expect(result.blockedBy).toEqual(["aws_key"]);
    // the same address twice is one placeholder; the custom pattern masks too
    expect(result.output).toContain("Mail [EMAIL_1] or [EMAIL_1]");
    expect(result.output).toContain("[EMPLOYEE_ID_1]");
    expect(result.output).not.toContain("ada@example.com");
    const email = result.hits.filter((h) => h.detector === "email");
    expect(email.map((h) => [text.slice(h.start, h.end), h.action, h.replacement])).toEqual([
      ["ada@example.com", "mask", "[EMAIL_1]"],
      ["ada@example.com", "mask", "[EMAIL_1]"],
    ]);
    expect(result.findings).toContainEqual({
      detector: "email",
      action: "mask",
      count: 2,
      in: "request",
    });
  });

  it("scans an unsaved draft, and applies a key's override", async () => {
    const caller = callerFor(viewer);
    const draft = await caller.guardrails.test({
      workspaceId,
      text,
      policy: policy({ actions: { email: "redact", aws_key: "log" } }),
    });
    expect(draft.blockedBy).toEqual([]);
    expect(draft.output).toContain("Mail [REDACTED_EMAIL] or [REDACTED_EMAIL]");

    await callerFor(admin).guardrails.updateKeyOverride({
      workspaceId,
      keyId: key.id,
      actions: { email: "off" },
    });
    const withKey = await caller.guardrails.test({ workspaceId, text, keyId: key.id });
    expect(withKey.output).toContain("ada@example.com");
    expect(withKey.hits.some((h) => h.detector === "email")).toBe(false);
  });

  it("scans the key page's unsaved override instead of the stored one, and validates it", async () => {
    // the key's saved override (from the test above) turns e-mail scanning off
    const caller = callerFor(viewer);
    const draft = await caller.guardrails.test({
      workspaceId,
      text,
      keyId: key.id,
      override: { actions: { email: "redact" } },
    });
    expect(draft.output).toContain("Mail [REDACTED_EMAIL] or [REDACTED_EMAIL]");
    // an empty draft inherits the workspace's actions for everything
    const inherit = await caller.guardrails.test({
      workspaceId,
      text,
      keyId: key.id,
      override: { actions: {} },
    });
    expect(inherit.output).toContain("Mail [EMAIL_1] or [EMAIL_1]");

    const bad = await failure(
      caller.guardrails.test({
        workspaceId,
        text,
        keyId: key.id,
        override: { actions: { email: "hide" } as unknown as KeyOverrideActions },
      }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(Object.keys(bad.issues)).toEqual(["override.actions.email"]);
    expect(
      (
        await failure(
          caller.guardrails.test({
            workspaceId,
            text,
            keyId: otherKeyId,
            override: { actions: { email: "off" } },
          }),
        )
      ).code,
    ).toBe("NOT_FOUND");
  });

  it("refuses a draft whose custom pattern could stall the server", async () => {
    const bad = await failure(
      callerFor(viewer).guardrails.test({
        workspaceId,
        text: "a".repeat(40) + "!",
        policy: policy({ customPatterns: [{ name: "BAD", pattern: "(a|aa)+$", action: "mask" }] }),
      }),
    );
    expect(bad.code).toBe("BAD_REQUEST");
    expect(Object.keys(bad.issues)).toEqual(["policy.customPatterns.0.pattern"]);
  });
});

describe("guardrails.findings", () => {
  it("charts this workspace's findings per day by detector", async () => {
    const today = new Date().toISOString().slice(0, 10);
    await testDb.prisma.guardrailDaily.createMany({
      data: [
        {
          workspaceId,
          day: new Date(today),
          detector: "email",
          action: "mask",
          findings: 4,
          requests: 3,
        },
        {
          workspaceId: otherWorkspaceId,
          day: new Date(today),
          detector: "jwt",
          action: "block",
          findings: 9,
          requests: 9,
        },
      ],
    });
    const result = await callerFor(viewer).guardrails.findings({
      workspaceId,
      range: { kind: "custom", fromDay: today, toDay: today },
    });
    expect(result.days).toEqual([{ day: today, byDetector: { email: 4 } }]);
    expect(result.totals).toEqual([
      { detector: "email", action: "mask", findings: 4, requests: 3 },
    ]);
  });
});

describe("the request detail", () => {
  it("shows each request's findings: detector, action, count, where", async () => {
    await testDb.prisma.requestLog.create({
      data: {
        id: "req_with_findings",
        workspaceId,
        keyId: key.id,
        ts: new Date(),
        endpoint: "chat_completions",
        clientFormat: "openai",
        model: "gpt-4o-mini",
        status: 200,
        inputTokens: 10,
        outputTokens: 5,
        cachedInputTokens: 0,
        costNanoUsd: 100n,
        latencyMs: 12,
        streamed: true,
        clientAborted: false,
        guardrailFindings: [
          { detector: "email", action: "mask", count: 2, in: "request" },
          { detector: "github_token", action: "mask", count: 1, in: "response" },
        ],
      },
    });
    const detail = await callerFor(viewer).requests.byId({
      workspaceId,
      requestId: "req_with_findings",
    });
    expect(detail.guardrailFindings).toEqual([
      { detector: "email", action: "mask", count: 2, in: "request" },
      { detector: "github_token", action: "mask", count: 1, in: "response" },
    ]);
  });
});
