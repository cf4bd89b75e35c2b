import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { createTestDatabase } from "@gatehouse/db/testing";
import { rebuildRollupsFromLogs } from "@gatehouse/db/usage";
import type { UsageEvent } from "@gatehouse/shared";
import { ingestUsageBatch } from "./ingest";
import { createWorkspaceWithKey, usageEvent } from "./test-fixtures";

/**
 * The usage event's guardrail findings land in the request log row and in guardrail_daily,
 * exactly once per event id, on the workspace's calendar day.
 */

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let workspaceId: string;
let keyId: string;

const event = (overrides: Partial<UsageEvent> = {}) =>
  usageEvent({ workspaceId, keyId }, overrides);

async function guardrailDaily() {
  const { rows } = await pool.query(
    `SELECT to_char(day, 'YYYY-MM-DD') AS day, detector, action, findings, requests
       FROM guardrail_daily WHERE workspace_id = $1 ORDER BY day, detector, action`,
    [workspaceId],
  );
  return rows;
}

beforeAll(async () => {
  db = await createTestDatabase("worker-guardrails");
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  ({ workspaceId, keyId } = await createWorkspaceWithKey(db.prisma, "Guarded"));
  // 23:30 UTC is already the next day in Berlin
  await db.prisma.workspace.update({
    where: { id: workspaceId },
    data: { timeZone: "Europe/Berlin" },
  });
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("guardrail findings ingestion", () => {
  it("stores each request's findings and rolls them up per local day, detector and action, once", async () => {
    const masked = event({
      ts: "2026-11-20T10:00:00.000Z",
      guardrails: [
        { detector: "email", action: "mask", count: 2, in: "request" },
        { detector: "phone", action: "mask", count: 1, in: "request" },
        // the same detector and action in the answer: one more finding, not one more request
        { detector: "email", action: "mask", count: 1, in: "response" },
      ],
    });
    const blocked = event({
      ts: "2026-11-20T23:30:00.000Z",
      status: 400,
      errorType: "guardrail_blocked",
      guardrails: [{ detector: "aws_key", action: "block", count: 1, in: "request" }],
    });
    const second = event({
      ts: "2026-11-20T11:00:00.000Z",
      guardrails: [{ detector: "email", action: "mask", count: 3, in: "request" }],
    });
    const clean = event({ ts: "2026-11-20T12:00:00.000Z" });
    const batch = [masked, blocked, second, clean];

    expect(await ingestUsageBatch(pool, batch)).toEqual({ received: 4, inserted: 4 });
    // redelivered (a retried job), and again mixed into a later batch: nothing counts twice
    expect(await ingestUsageBatch(pool, batch)).toEqual({ received: 4, inserted: 0 });
    expect(await ingestUsageBatch(pool, [blocked, masked])).toEqual({ received: 2, inserted: 0 });

    const expected = [
      { day: "2026-11-20", detector: "email", action: "mask", findings: 6, requests: 2 },
      { day: "2026-11-20", detector: "phone", action: "mask", findings: 1, requests: 1 },
      { day: "2026-11-21", detector: "aws_key", action: "block", findings: 1, requests: 1 },
    ];
    expect(await guardrailDaily()).toEqual(expected);

    const { rows } = await pool.query(
      `SELECT id, guardrail_findings FROM request_logs WHERE workspace_id = $1`,
      [workspaceId],
    );
    const findings = new Map(rows.map((r) => [r.id as string, r.guardrail_findings as unknown]));
    expect(findings.get(masked.id)).toEqual(masked.guardrails);
    expect(findings.get(blocked.id)).toEqual(blocked.guardrails);
    // no findings: no jsonb at all
    expect(findings.get(clean.id)).toBeNull();

    // the rebuild from request logs runs the same rollup SQL and arrives at the same rows
    await rebuildRollupsFromLogs(db.prisma, workspaceId);
    expect(await guardrailDaily()).toEqual(expected);
  });
});
