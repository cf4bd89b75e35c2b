import type { UpstreamAttempt } from "@gatehouse/shared";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Prisma } from "../generated/prisma/client";
import { createTestDatabase, type TestDatabase } from "../testing";
import { deploymentHealthStats } from "./deployment-health";

/** The routes page's per-deployment figures, from request logs as the worker writes them. */

let testDb: TestDatabase;
let workspaceId: string;
let otherWorkspaceId: string;
const now = new Date("2026-12-07T12:00:00.000Z");
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
let seq = 0;

function attempt(
  deploymentId: string,
  status: number | null,
  latencyMs: number,
  kind: UpstreamAttempt["kind"] = "first",
  errorType: string | null = status !== null && status < 400 ? null : "upstream_error",
): UpstreamAttempt {
  return {
    deploymentId,
    credentialId: "cred",
    provider: "openai",
    upstreamModel: "m",
    status,
    errorType,
    startedAt: now.toISOString(),
    latencyMs,
    kind,
  };
}

function log(
  ws: string,
  ts: Date,
  fields: {
    deploymentId: string | null;
    status?: number;
    latencyMs: number;
    ttfbMs?: number | null;
    streamed?: boolean;
    attempts?: UpstreamAttempt[];
  },
): Prisma.RequestLogCreateManyInput {
  return {
    id: `req_${seq++}`,
    workspaceId: ws,
    keyId: "key",
    ts,
    endpoint: "chat_completions",
    clientFormat: "openai",
    model: "gpt-4o-mini",
    deploymentId: fields.deploymentId,
    status: fields.status ?? 200,
    inputTokens: 10,
    outputTokens: 5,
    cachedInputTokens: 0,
    costNanoUsd: 100n,
    latencyMs: fields.latencyMs,
    ttfbMs: fields.ttfbMs ?? null,
    streamed: fields.streamed ?? false,
    clientAborted: false,
    ...(fields.attempts ? { attempts: fields.attempts as unknown as Prisma.InputJsonValue } : {}),
  };
}

beforeAll(async () => {
  testDb = await createTestDatabase("db-deployment-health");
  const db = testDb.prisma;
  workspaceId = (await db.workspace.create({ data: { name: "Health", slug: "health" } })).id;
  otherWorkspaceId = (await db.workspace.create({ data: { name: "Other", slug: "other" } })).id;
  const rows: Prisma.RequestLogCreateManyInput[] = [];
  // A: ten single-attempt successes, latencies 100..1000 ms (JSON)
  for (let i = 1; i <= 10; i++)
    rows.push(log(workspaceId, minutesAgo(i), { deploymentId: "dep_a", latencyMs: i * 100 }));
  // a stream: its latency is the time to the first token, not the whole stream
  rows.push(
    log(workspaceId, minutesAgo(11), {
      deploymentId: "dep_a",
      latencyMs: 9_000,
      ttfbMs: 50,
      streamed: true,
    }),
  );
  // two requests that failed on A (a 503, then a time-out) and were answered by B
  rows.push(
    log(workspaceId, minutesAgo(12), {
      deploymentId: "dep_b",
      latencyMs: 700,
      attempts: [
        attempt("dep_a", 503, 30),
        attempt("dep_a", 503, 40, "retry"),
        attempt("dep_b", 200, 600, "fallback"),
      ],
    }),
    log(workspaceId, minutesAgo(13), {
      deploymentId: "dep_b",
      latencyMs: 900,
      attempts: [
        attempt("dep_a", null, 5_000, "first", "upstream_timeout"),
        attempt("dep_b", 200, 800, "fallback"),
      ],
    }),
  );
  // a client's own mistake (400) and a client gone are not A's failures
  rows.push(
    log(workspaceId, minutesAgo(14), {
      deploymentId: "dep_a",
      status: 400,
      latencyMs: 20,
      attempts: [attempt("dep_a", 400, 20)],
    }),
    log(workspaceId, minutesAgo(15), {
      deploymentId: "dep_a",
      status: 499,
      latencyMs: 20,
      attempts: [attempt("dep_a", null, 20, "first", "client_aborted")],
    }),
  );
  // outside the hour, and another workspace's traffic on the same deployment id: not counted
  rows.push(
    log(workspaceId, minutesAgo(61), {
      deploymentId: "dep_a",
      status: 500,
      latencyMs: 1,
      attempts: [attempt("dep_a", 500, 1)],
    }),
  );
  rows.push(
    log(otherWorkspaceId, minutesAgo(1), {
      deploymentId: "dep_a",
      status: 500,
      latencyMs: 1,
      attempts: [attempt("dep_a", 500, 1)],
    }),
  );
  await db.requestLog.createMany({ data: rows });
});

afterAll(async () => {
  await testDb?.drop();
});

describe("deploymentHealthStats", () => {
  it("counts every attempt on its own deployment: failures that a fallback saved are still A's", async () => {
    const result = await deploymentHealthStats(testDb.prisma, {
      workspaceId,
      deploymentIds: ["dep_a", "dep_b", "dep_idle"],
      now,
    });
    expect(result.requests).toBe(15);
    expect(result.sampled).toBe(false);
    const [a, b, idle] = result.deployments;
    // A: 10 JSON + 1 stream + 1 client 400 succeed as far as A is concerned; 3 failed tries
    expect(a).toMatchObject({ deploymentId: "dep_a", attempts: 15, failures: 3 });
    expect(a!.errorRate).toBeCloseTo(3 / 15);
    // successful latencies: 50 (stream's first token), 20 (the 400), 100..1000
    expect(a!.p50Ms).toBe(450);
    expect(a!.p95Ms).toBe(945);
    expect(b).toEqual({
      deploymentId: "dep_b",
      attempts: 2,
      failures: 0,
      errorRate: 0,
      p50Ms: 700,
      p95Ms: 790,
    });
    expect(idle).toEqual({
      deploymentId: "dep_idle",
      attempts: 0,
      failures: 0,
      errorRate: null,
      p50Ms: null,
      p95Ms: null,
    });
  });

  it("reads at most maxRequests of the newest rows, and says so", async () => {
    const result = await deploymentHealthStats(testDb.prisma, {
      workspaceId,
      deploymentIds: ["dep_a"],
      now,
      maxRequests: 5,
    });
    expect(result.requests).toBe(5);
    expect(result.sampled).toBe(true);
    // the five newest: A's 100..500 ms successes
    expect(result.deployments[0]).toMatchObject({ attempts: 5, failures: 0, p50Ms: 300 });
  });
});
