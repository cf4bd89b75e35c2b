import type { GuardrailFinding } from "@gatehouse/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../testing";
import { guardrailFindingsByDay, rebuildRollupsFromLogs } from "./index";

/**
 * The overview's findings chart, read from guardrail_daily (built here from request logs by
 * the same rollup SQL the worker runs): per local day by detector, days without findings
 * included, other workspaces and days outside the range left out.
 */

let testDb: TestDatabase;
let workspaceId: string;
let otherWorkspaceId: string;
let seq = 0;

async function log(workspace: string, ts: string, findings: GuardrailFinding[] | null) {
  await testDb.prisma.requestLog.create({
    data: {
      id: `req_${seq++}`,
      workspaceId: workspace,
      keyId: "key_1",
      ts: new Date(ts),
      endpoint: "chat_completions",
      clientFormat: "openai",
      model: "gpt-4o-mini",
      status: findings?.some((f) => f.action === "block") ? 400 : 200,
      inputTokens: 10,
      outputTokens: 5,
      cachedInputTokens: 0,
      costNanoUsd: 100n,
      latencyMs: 12,
      streamed: false,
      clientAborted: false,
      guardrailFindings: findings ?? undefined,
    },
  });
}

const mask = (detector: GuardrailFinding["detector"], count: number): GuardrailFinding => ({
  detector,
  action: "mask",
  count,
  in: "request",
});

beforeAll(async () => {
  testDb = await createTestDatabase("db-guardrail-findings");
  const db = testDb.prisma;
  workspaceId = (
    await db.workspace.create({
      data: { name: "Findings", slug: "findings", timeZone: "America/New_York" },
    })
  ).id;
  otherWorkspaceId = (await db.workspace.create({ data: { name: "Other", slug: "other" } })).id;
  // New York is UTC-5 in November: 03:00 UTC on the 11th is still the 10th there
  await log(workspaceId, "2026-11-10T15:00:00.000Z", [mask("email", 2), mask("phone", 1)]);
  await log(workspaceId, "2026-11-11T03:00:00.000Z", [mask("email", 1)]);
  await log(workspaceId, "2026-11-12T15:00:00.000Z", [
    { detector: "github_token", action: "block", count: 1, in: "request" },
  ]);
  await log(workspaceId, "2026-11-12T16:00:00.000Z", null);
  // outside the range asked for below
  await log(workspaceId, "2026-11-20T15:00:00.000Z", [mask("email", 9)]);
  await log(otherWorkspaceId, "2026-11-10T15:00:00.000Z", [mask("email", 50)]);
  await rebuildRollupsFromLogs(db, workspaceId);
  await rebuildRollupsFromLogs(db, otherWorkspaceId);
});

afterAll(async () => {
  await testDb?.drop();
});

describe("guardrailFindingsByDay", () => {
  it("charts findings per local day by detector, with empty days, for this workspace only", async () => {
    const result = await guardrailFindingsByDay(testDb.prisma, {
      workspaceId,
      timeZone: "America/New_York",
      // local days 2026-11-09 .. 2026-11-13
      from: new Date("2026-11-09T05:00:00.000Z"),
      to: new Date("2026-11-14T05:00:00.000Z"),
    });
    expect(result.days).toEqual([
      { day: "2026-11-09", byDetector: {} },
      { day: "2026-11-10", byDetector: { email: 3, phone: 1 } },
      { day: "2026-11-11", byDetector: {} },
      { day: "2026-11-12", byDetector: { github_token: 1 } },
      { day: "2026-11-13", byDetector: {} },
    ]);
    expect(result.detectors).toEqual(["email", "github_token", "phone"]);
    expect(result.totals).toEqual([
      { detector: "email", action: "mask", findings: 3, requests: 2 },
      { detector: "github_token", action: "block", findings: 1, requests: 1 },
      { detector: "phone", action: "mask", findings: 1, requests: 1 },
    ]);
    expect(result.findings).toBe(5);
  });

  it("is empty (days only) for a range without findings", async () => {
    const result = await guardrailFindingsByDay(testDb.prisma, {
      workspaceId,
      timeZone: "America/New_York",
      from: new Date("2026-10-01T04:00:00.000Z"),
      to: new Date("2026-10-03T04:00:00.000Z"),
    });
    expect(result.days.map((d) => d.day)).toEqual(["2026-10-01", "2026-10-02"]);
    expect(result.findings).toBe(0);
    expect(result.totals).toEqual([]);
  });
});
