import { createTestDatabase } from "@gatehouse/db/testing";
import { deploymentHealthStats } from "@gatehouse/db/usage";
import { UsageEventSchema, type UpstreamAttempt } from "@gatehouse/shared";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ingestUsageBatch } from "./ingest";
import { createWorkspaceWithKey, usageEvent } from "./test-fixtures";

/**
 * Retries and fallbacks reach the request log whole: every attempt with its kind and what a
 * failed attempt was billed, as the request-log detail and the routes page's health read them.
 */

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let owner: { workspaceId: string; keyId: string };

const attempt = (over: Partial<UpstreamAttempt>): UpstreamAttempt => ({
  deploymentId: "dep_openai",
  credentialId: "cred_openai",
  provider: "openai",
  upstreamModel: "gpt-4o-mini",
  status: 200,
  errorType: null,
  startedAt: "2026-11-20T10:15:00.000Z",
  latencyMs: 40,
  kind: "first",
  ...over,
});

beforeAll(async () => {
  db = await createTestDatabase("worker-attempts");
  pool = new pg.Pool({ connectionString: db.url, max: 2 });
  owner = await createWorkspaceWithKey(db.prisma, "Attempts");
});

afterAll(async () => {
  await pool?.end();
  await db?.drop();
});

describe("upstream attempts in the request log", () => {
  it("keeps kind and billed tokens of every attempt; a lone clean attempt is not stored", async () => {
    const attempts = [
      attempt({ status: 503, errorType: "upstream_error", latencyMs: 12 }),
      // a stream cut after its first tokens: billed, then retried
      attempt({
        kind: "retry",
        status: 200,
        errorType: "upstream_stream_error",
        inputTokens: 100,
        outputTokens: 3,
        costNanoUsd: 17_000,
      }),
      attempt({
        kind: "fallback",
        deploymentId: "dep_anthropic",
        credentialId: "cred_anthropic",
        provider: "anthropic",
        upstreamModel: "claude-haiku-4-5",
        latencyMs: 300,
      }),
    ];
    // as the consumer gets them: JSON through the queue, parsed by the contract
    const saved = UsageEventSchema.parse(
      JSON.parse(
        JSON.stringify(
          usageEvent(owner, {
            ts: new Date().toISOString(),
            deploymentId: "dep_anthropic",
            attempts,
          }),
        ),
      ),
    );
    const plain = usageEvent(owner, {
      ts: new Date().toISOString(),
      deploymentId: "dep_openai",
      attempts: [attempt({})],
    });
    // an event from a proxy older than attempt kinds: read as "first"
    const legacy = JSON.parse(
      JSON.stringify(
        usageEvent(owner, { attempts: [attempt({ status: 500, errorType: "upstream_error" })] }),
      ),
    );
    delete legacy.attempts[0].kind;
    await ingestUsageBatch(pool, [saved, plain, UsageEventSchema.parse(legacy)]);

    const { rows } = await pool.query<{ id: string; attempts: unknown }>(
      "SELECT id, attempts FROM request_logs WHERE id = ANY($1)",
      [[saved.id, plain.id, legacy.id]],
    );
    const byId = new Map(rows.map((r) => [r.id, r.attempts]));
    expect(byId.get(saved.id)).toEqual(attempts);
    expect(byId.get(plain.id)).toBeNull();
    expect(byId.get(legacy.id)).toMatchObject([{ kind: "first", status: 500 }]);

    // the routes page's figures read the same rows: OpenAI failed twice (a 503, a broken
    // stream) and answered the plain request; Anthropic answered the fallback
    const health = await deploymentHealthStats(db.prisma, {
      workspaceId: owner.workspaceId,
      deploymentIds: ["dep_openai", "dep_anthropic"],
    });
    expect(health.deployments.map((d) => [d.deploymentId, d.attempts, d.failures])).toEqual([
      ["dep_openai", 3, 2],
      ["dep_anthropic", 1, 0],
    ]);
  });
});
