import { createHmac } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Queue, QueueEvents } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, testRedisUrl } from "@gatehouse/db/testing";
import { JobName, QUEUE_PREFIX, QueueName } from "@gatehouse/shared";
import {
  encryptSecret,
  generateEncryptionKey,
  parseEncryptionKeys,
} from "@gatehouse/shared/server";
import { startAlertsConsumer } from "../consumers/alerts";
import { createWorkspaceWithKey } from "../usage/test-fixtures";
import type { BudgetAlertPayload } from "./deliver";

// its own Redis db (CONTRIBUTING.md): the other worker tests flush db 4
const REDIS_URL = testRedisUrl(13);
const SECRET = "whsec_test_0123456789";
const keyring = parseEncryptionKeys(generateEncryptionKey("alerts1"));

interface Delivery {
  headers: http.IncomingHttpHeaders;
  body: string;
}

let db: Awaited<ReturnType<typeof createTestDatabase>>;
let pool: pg.Pool;
let redis: Redis;
let queue: Queue;
let events: QueueEvents;
let worker: ReturnType<typeof startAlertsConsumer>;
let server: http.Server;
let webhookUrl: string;
const deliveries: Delivery[] = [];
/** statuses the webhook answers with, in order (then 200) */
const answers: number[] = [];

beforeAll(async () => {
  db = await createTestDatabase("alerts");
  pool = new pg.Pool({ connectionString: db.url, max: 3 });
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
  await redis.flushdb();
  server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      deliveries.push({ headers: req.headers, body });
      res.writeHead(answers.shift() ?? 200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/gatehouse`;
  queue = new Queue(QueueName.alerts, { connection: redis, prefix: QUEUE_PREFIX });
  events = new QueueEvents(QueueName.alerts, {
    connection: redis.duplicate(),
    prefix: QUEUE_PREFIX,
  });
  await events.waitUntilReady();
  worker = startAlertsConsumer({ connection: redis.duplicate(), pool, keyring });
});

afterAll(async () => {
  await worker?.close();
  await events?.close();
  await queue?.close();
  redis?.disconnect();
  await pool?.end();
  await db?.drop();
  server?.close();
});

function job(owner: { workspaceId: string; keyId: string }, periodStart: string) {
  return {
    workspaceId: owner.workspaceId,
    scope: "key" as const,
    scopeId: owner.keyId,
    periodStart,
    thresholdPct: 80,
    spentNanoUsd: 8_100_000_000,
    budgetNanoUsd: 10_000_000_000,
  };
}

async function run(data: ReturnType<typeof job>, jobId: string): Promise<string> {
  const added = await queue.add(JobName.budgetAlert, data, {
    jobId,
    attempts: 4,
    backoff: { type: "exponential", delay: 100 },
  });
  return (await added.waitUntilFinished(events, 20_000)) as string;
}

describe("alerts consumer", () => {
  it("records the alert and POSTs a signed payload, retrying a failing webhook with backoff", async () => {
    const owner = await createWorkspaceWithKey(db.prisma, "Alerts");
    await db.prisma.workspace.update({
      where: { id: owner.workspaceId },
      data: {
        alertWebhookUrl: webhookUrl,
        alertWebhookSecretEncrypted: encryptSecret(SECRET, keyring, owner.workspaceId),
      },
    });
    answers.push(500, 503);
    const before = deliveries.length;
    const data = job(owner, "2026-11-01T00:00:00.000Z");
    expect(await run(data, "a1")).toBe("delivered");
    const mine = deliveries.slice(before);
    // two failures, then the delivery that counted
    expect(mine).toHaveLength(3);
    const last = mine[2]!;
    const signature = String(last.headers["x-gatehouse-signature"]);
    const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(signature);
    expect(match).not.toBeNull();
    const expected = createHmac("sha256", SECRET).update(`${match![1]}.${last.body}`).digest("hex");
    expect(match![2]).toBe(expected);
    expect(Math.abs(Number(match![1]) - Date.now() / 1000)).toBeLessThan(60);
    const payload = JSON.parse(last.body) as BudgetAlertPayload;
    expect(payload).toMatchObject({
      type: "budget.threshold_reached",
      workspaceId: owner.workspaceId,
      scope: "key",
      scopeId: owner.keyId,
      scopeName: "k",
      periodStart: "2026-11-01T00:00:00.000Z",
      thresholdPct: 80,
      spentNanoUsd: 8_100_000_000,
      budgetNanoUsd: 10_000_000_000,
      spentUsd: "$8.10",
      budgetUsd: "$10.00",
    });
    expect(last.headers["x-gatehouse-delivery"]).toBe(payload.id);
    // the secret itself never travels
    expect(JSON.stringify(mine)).not.toContain(SECRET);

    const rows = await db.prisma.budgetAlert.findMany({
      where: { workspaceId: owner.workspaceId },
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: payload.id,
      scope: "key",
      scopeId: owner.keyId,
      thresholdPct: 80,
      spentNanoUsd: 8_100_000_000n,
      budgetNanoUsd: 10_000_000_000n,
    });
    expect(rows[0]!.deliveredAt).not.toBeNull();

    // the same alert again (another proxy, a replayed job): recorded once, delivered once
    expect(await run(data, "a1-again")).toBe("already_delivered");
    expect(deliveries.length).toBe(before + 3);
    expect(await db.prisma.budgetAlert.count({ where: { workspaceId: owner.workspaceId } })).toBe(
      1,
    );
  });

  it("without a webhook the alert is still recorded (the dashboard shows it)", async () => {
    const owner = await createWorkspaceWithKey(db.prisma, "Quiet");
    const before = deliveries.length;
    expect(await run(job(owner, "2026-11-01T00:00:00.000Z"), "q1")).toBe("no_webhook");
    expect(deliveries.length).toBe(before);
    const row = await db.prisma.budgetAlert.findFirstOrThrow({
      where: { workspaceId: owner.workspaceId },
    });
    expect(row.deliveredAt).toBeNull();
  });
});
