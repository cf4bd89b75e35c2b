/**
 * Budget spend between PostgreSQL and the proxies' Redis counters, with the real control plane
 * (@gatehouse/db's publish and restore) in front of a real proxy:
 *  - one "spent" figure: a budget set in the middle of a period starts from what the period has
 *    already spent, so the proxy refuses at the figure the dashboard shows (issue 12 item 4);
 *  - a Redis flush never reopens a spent budget: until the spend is restored from PostgreSQL,
 *    budgeted requests get a retryable 503, even for a key the proxy has cached (item 5).
 * Redis db 2, like the other proxy tests (which run one file at a time).
 */
import Anthropic from "@anthropic-ai/sdk";
import { publishKey, restoreBudgetSpend, type SeedDemoResult } from "@gatehouse/db";
import { budgetFigures, localDate } from "@gatehouse/db/usage";
import type { TestDatabase } from "@gatehouse/db/testing";
import {
  BUDGET_CAP_HEADER,
  estimateMaxCostNanoUsd,
  findModelPrice,
  formatUsd,
  periodStart,
  RedisKeys,
} from "@gatehouse/shared";
import type { FakeProvider } from "@gatehouse/testkit";
import type { Redis } from "ioredis";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { estimateRequestTokens, preloadTokenizer } from "../src/tokens/estimate";
import { sleep } from "./fixtures";
import { startSeededWorld, type SeededWorld } from "./seeded-world";

const MINI = findModelPrice("gpt-4o-mini")!;
const HAIKU = findModelPrice("claude-haiku-4-5")!;
const TZ = "UTC";

let world: SeededWorld;
let db: TestDatabase;
let redis: Redis;
let fake: FakeProvider;
let proxyUrl: string;
let seed: SeedDemoResult;

beforeAll(async () => {
  await preloadTokenizer();
  world = await startSeededWorld("proxy-budget-spend", 1);
  ({ db, redis, fake, seed, url: proxyUrl } = world);
});

afterAll(async () => {
  await world?.close();
});

/** What the worker's rollups would hold: `costNanoUsd` spent by the key on `day`. */
async function priorSpend(keyId: string, day: string, costNanoUsd: bigint): Promise<void> {
  await db.prisma.usageDaily.create({
    data: {
      workspaceId: seed.workspaceId,
      day: new Date(`${day}T00:00:00.000Z`),
      keyId,
      model: "gpt-4o-mini",
      costNanoUsd,
      requests: 10,
    },
  });
}

/** The dashboard's figure for a key budget (what the keys page, overview and banner show). */
async function dashboardSpent(keyId: string, amountNanoUsd: bigint, period: "daily" | "lifetime") {
  const { figures } = await budgetFigures(db.prisma, redis, {
    workspaceId: seed.workspaceId,
    timeZone: TZ,
    owners: [{ scope: "key", scopeId: keyId, amountNanoUsd, period }],
  });
  return figures[0]!;
}

async function redisSpent(keyId: string, period: "daily" | "lifetime"): Promise<number> {
  const start = periodStart(period, new Date(), TZ).toISOString();
  for (let i = 0; i < 250; i++) {
    const hash = await redis.hgetall(RedisKeys.budget(seed.workspaceId, "key", keyId, start));
    if (Number(hash.reserved ?? 0) === 0) return Number(hash.spent ?? 0);
    await sleep(20);
  }
  throw new Error("the reservation was not settled");
}

const chat = (secret: string, content: string, extra: Record<string, unknown> = {}) =>
  fetch(`${proxyUrl}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
    body: JSON.stringify({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content }],
      ...extra,
    }),
  });

describe("one spent figure: a budget set mid-period counts the whole period", () => {
  it("the proxy starts from PostgreSQL's figure and refuses at the figure the dashboard shows", async () => {
    const keyId = seed.keyId;
    const amount = 2_000_000n; // $0.002 a day
    // earlier today, before the key had a budget
    await priorSpend(keyId, localDate(new Date(), TZ), 1_500_000n);
    await db.prisma.virtualKey.update({
      where: { id: keyId },
      data: { budgetAmountNanoUsd: amount, budgetPeriod: "daily" },
    });
    await publishKey(db.prisma, redis, keyId);

    const shown = await dashboardSpent(keyId, amount, "daily");
    expect(shown.spentNanoUsd).toBe(1_500_000n);
    expect(shown.percent).toBe(75);
    expect(await redisSpent(keyId, "daily")).toBe(1_500_000);

    // costs less than the budget but more than what is left after the day's spend: refused,
    // naming the same spent figure as the dashboard
    const long = "x ".repeat(5_000);
    expect(estimateMaxCostNanoUsd(MINI, 5_010, 16)).toBeGreaterThan(500_000);
    expect(estimateMaxCostNanoUsd(MINI, 5_010, 16)).toBeLessThan(Number(amount));
    const refused = await chat(seed.key, long, { max_tokens: 16 });
    expect(refused.status).toBe(429);
    const body = (await refused.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe("budget_exceeded");
    expect(body.error.message).toContain(`${formatUsd(1_500_000)} is spent or reserved`);
    expect(body.error.message).toContain(`${formatUsd(500_000)} is left`);

    // a short question is answered within what is left, its max output lowered to fit
    const openai = new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: seed.key, maxRetries: 0 });
    const messages = [{ role: "user" as const, content: "hello [[fake:tokens=max]]" }];
    const prompt = estimateRequestTokens("chat.completions", { messages }) as number;
    const { response } = await openai.chat.completions
      .create({ model: "gpt-4o-mini", messages, max_tokens: 2_000 })
      .withResponse();
    const left = Number(amount - shown.spentNanoUsd);
    // the seeded gpt-4o-mini route falls back to claude-haiku-4-5: the reservation covers the
    // dearer of the two (issue 14), so the cap is what the fallback's price leaves room for
    const promptCost = estimateMaxCostNanoUsd(HAIKU, prompt, 0);
    const cap = Math.floor(((left - promptCost) * 1000) / HAIKU.outputMicroUsdPerMTok);
    expect(response.headers.get(BUDGET_CAP_HEADER)).toBe(String(cap));

    // after it, the dashboard (Redis ahead of the rollups) and the proxy still agree
    const spent = await redisSpent(keyId, "daily");
    expect(spent).toBeGreaterThan(1_500_000);
    expect(spent).toBeLessThanOrEqual(Number(amount));
    expect((await dashboardSpent(keyId, amount, "daily")).spentNanoUsd).toBe(BigInt(spent));
    const again = await chat(seed.key, long, { max_tokens: 16 });
    expect(again.status).toBe(429);
    expect(((await again.json()) as { error: { message: string } }).error.message).toContain(
      `${formatUsd(spent)} is spent or reserved`,
    );
  });
});

describe("a Redis flush never reopens a spent budget", () => {
  it("a warm key's spent lifetime budget answers 503 until the spend is restored, then 429; nothing is admitted past PostgreSQL's figure", async () => {
    const { keyId, key: secret } = seed.extraKeys[0]!;
    const amount = 1_000_000n;
    // used up: an earlier day and today add up to the whole lifetime budget
    await priorSpend(keyId, "2020-01-01", 600_000n);
    await priorSpend(keyId, localDate(new Date(), TZ), 400_000n);
    await db.prisma.virtualKey.update({
      where: { id: keyId },
      data: { budgetAmountNanoUsd: amount, budgetPeriod: "lifetime" },
    });
    await publishKey(db.prisma, redis, keyId);
    expect(await redisSpent(keyId, "lifetime")).toBe(1_000_000);

    // refused, and the proxy now has the key cached
    const before = await chat(secret, "hi", { max_tokens: 10 });
    expect(before.status).toBe(429);
    await before.text();
    const forwarded = fake.requests.length;

    await redis.flushdb();
    const openai = new OpenAI({ baseURL: `${proxyUrl}/v1`, apiKey: secret, maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: proxyUrl, apiKey: secret, maxRetries: 0 });
    for (let i = 0; i < 5; i++) {
      const error = await openai.chat.completions
        .create({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: `after the flush ${i}` }],
          max_tokens: 10,
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      const e = error as InstanceType<typeof OpenAI.InternalServerError>;
      expect(e.status).toBe(503);
      expect(e.message).toMatch(/budget spend is being restored/);
      expect(Number(e.headers?.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
    const aError = await anthropic.messages
      .create({
        model: "claude-haiku-4-5",
        max_tokens: 10,
        messages: [{ role: "user", content: "after the flush" }],
      })
      .catch((e: unknown) => e);
    expect(aError).toBeInstanceOf(Anthropic.APIError);
    expect((aError as InstanceType<typeof Anthropic.APIError>).status).toBe(503);
    expect(
      ((aError as InstanceType<typeof Anthropic.APIError>).error as { error: { type: string } })
        .error.type,
    ).toBe("overloaded_error");
    expect(fake.requests.length).toBe(forwarded);

    // the control plane's restore (part of the automatic republish) puts the spend back
    await restoreBudgetSpend(db.prisma, redis);
    expect(await redisSpent(keyId, "lifetime")).toBe(1_000_000);
    const after = await chat(secret, "hi", { max_tokens: 10 });
    expect(after.status).toBe(429);
    expect(
      ((await after.json()) as { error: { code: string; message: string } }).error,
    ).toMatchObject({
      code: "budget_exceeded",
      message: expect.stringContaining("lifetime budget of this key"),
    });
    expect(fake.requests.length).toBe(forwarded);
  });
});
