import path from "node:path";
import { pathToFileURL } from "node:url";
import { createPrismaClient, publishKey, publishWorkspace, type PrismaClient } from "@gatehouse/db";
import { RedisKeys } from "@gatehouse/shared";
import { generateVirtualKey } from "@gatehouse/shared/server";
import { Redis } from "ioredis";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_USER, startHarness, type GatewayHarness } from "./harness";

/**
 * Issue 5 in the browser: traffic from the traffic generator (scripts/traffic.mjs, official
 * OpenAI SDK) through the real proxy and worker into the rollups, then the overview (each
 * grouping), the request log with a detail panel, and the prices page — with the numbers on
 * the page checked against the database.
 */

const SETUP_TIMEOUT_MS = 15 * 60_000;
const STEP_TIMEOUT_MS = 90_000;
const REQUESTS = 60;
const REPO = path.resolve(import.meta.dirname, "..", "..", "..");

interface TrafficResult {
  status: number;
  requestId: string | null;
}
interface TrafficModule {
  runTraffic(options: {
    proxyUrl: string;
    keys: string[];
    requests: number;
    concurrency: number;
    seed: number;
    models: Array<{ model: string; weight: number }>;
  }): Promise<{ results: TrafficResult[] }>;
  quietModelDeprecations(): void;
}

let harness: GatewayHarness;
let context: BrowserContext;
let page: Page;
let db: PrismaClient;
let redis: Redis;
let workspaceUrl = "";
let workspaceId = "";
let recorded = 0;

async function phoneOverflow(url: string, heading: string): Promise<number> {
  const phone = await harness.browser.newContext({
    viewport: { width: 390, height: 844 },
    storageState: await context.storageState(),
  });
  try {
    const phonePage = await phone.newPage();
    await phonePage.goto(url);
    await phonePage.getByRole("heading", { name: heading, level: 1 }).waitFor();
    await phonePage.waitForLoadState("networkidle");
    return await phonePage.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
  } finally {
    await phone.close();
  }
}

beforeAll(async () => {
  harness = await startHarness("web-e2e-usage", { redisDb: 10, gateway: { worker: true } });
  db = createPrismaClient(harness.databaseUrl, { poolSize: 2 });
  redis = new Redis(harness.redisUrl);
  context = await harness.browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await context?.close();
  redis?.disconnect();
  await db?.$disconnect();
  await harness?.close();
}, STEP_TIMEOUT_MS);

describe("spend you can see", { timeout: STEP_TIMEOUT_MS }, () => {
  it("a new workspace's overview says how to make the first call", async () => {
    await page.goto(`${harness.baseUrl}/signin?callbackUrl=%2Fdashboard`);
    await page.getByLabel("Email").fill(DEMO_USER.email);
    await page.getByLabel("Password").fill(DEMO_USER.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole("link", { name: DEMO_USER.workspace }).click();
    await page.waitForURL(/\/w\/[^/]+$/);
    workspaceUrl = page.url();
    workspaceId = new URL(workspaceUrl).pathname.split("/")[2]!;
    const empty = page.getByTestId("overview-empty");
    await empty.waitFor();
    expect(await empty.textContent()).toContain(`${harness.proxyUrl}/v1/chat/completions`);
    await harness.screenshot(page, "usage-01-overview-empty");
  });

  it("records the traffic generator's requests through proxy and worker", async () => {
    await page.goto(`${workspaceUrl}/credentials`);
    await page.getByLabel("Name", { exact: true }).fill("Fake OpenAI");
    await page.getByLabel("Base URL").fill(harness.fakeProvider.openaiBaseUrl);
    await page.getByLabel("API key").fill("sk-usage-e2e-0123456789");
    await page.getByRole("button", { name: "Save credential" }).click();
    await page.getByRole("status").filter({ hasText: "Saved Fake OpenAI" }).waitFor();

    // Two keys straight in the database (their secrets stay in this test), one with a budget,
    // and a workspace budget: published to Redis like the dashboard does.
    const secrets: string[] = [];
    for (const [name, budget] of [
      ["Checkout service", 5_000_000_000n],
      ["Nightly batch", null],
    ] as const) {
      const generated = generateVirtualKey();
      const key = await db.virtualKey.create({
        data: {
          workspaceId,
          name,
          keyHash: generated.hash,
          prefix: generated.prefix,
          budgetAmountNanoUsd: budget,
          budgetPeriod: budget ? "daily" : null,
        },
      });
      await publishKey(db, redis, key.id);
      secrets.push(generated.secret);
    }
    await db.workspace.update({
      where: { id: workspaceId },
      data: { budgetAmountNanoUsd: 100_000_000_000n, budgetPeriod: "monthly" },
    });
    await publishWorkspace(db, redis, workspaceId);

    const traffic = (await import(
      pathToFileURL(path.join(REPO, "scripts", "traffic.mjs")).href
    )) as TrafficModule;
    traffic.quietModelDeprecations();
    const { results } = await traffic.runTraffic({
      proxyUrl: harness.proxyUrl,
      keys: secrets,
      requests: REQUESTS,
      concurrency: 4,
      seed: 5,
      models: [
        { model: "gpt-4o-mini", weight: 60 },
        { model: "gpt-4o", weight: 40 },
      ],
    });
    const sent = results.filter((r) => r.requestId !== null).length;
    expect(sent).toBe(REQUESTS);

    // the worker writes asynchronously: wait until every request is in the rollups
    const deadline = Date.now() + 30_000;
    for (;;) {
      const rows = await db.$queryRaw<Array<{ n: bigint }>>`
        SELECT COALESCE(sum(requests), 0)::int8 AS n FROM usage_hourly WHERE workspace_id = ${workspaceId}`;
      recorded = Number(rows[0]!.n);
      if (recorded >= sent || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(recorded).toBe(sent);
    expect(await db.requestLog.count({ where: { workspaceId } })).toBe(sent);
  });

  it("shows the overview with the database's totals, stacked by model, key and prompt", async () => {
    await page.goto(workspaceUrl);
    const total = page.getByTestId("total-requests");
    await total.waitFor();
    expect(await total.textContent()).toBe(String(recorded));
    const cost = await db.$queryRaw<Array<{ cost: bigint; errors: bigint }>>`
      SELECT sum(cost_nano_usd)::int8 AS cost, sum(errors)::int8 AS errors FROM usage_hourly
      WHERE workspace_id = ${workspaceId}`;
    const spend = (await page.getByTestId("total-spend").textContent()) ?? "";
    expect(spend).toMatch(/^\$\d+\.\d+$/);
    // the page rounds; the database is exact: they agree to the shown precision
    const decimals = spend.split(".")[1]!.length;
    expect(Number(spend.slice(1))).toBeCloseTo(Number(cost[0]!.cost) / 1e9, decimals - 1);
    const errorRate = (Number(cost[0]!.errors) / recorded) * 100;
    expect(await page.getByTestId("total-error-rate").textContent()).toBe(
      `${errorRate < 10 ? errorRate.toFixed(1) : Math.round(errorRate)}%`,
    );
    await page.getByTestId("chart-spend").locator(".recharts-bar-rectangle").first().waitFor();
    const legend = (await page.getByTestId("chart-spend").textContent()) ?? "";
    expect(legend).toContain("gpt-4o-mini");
    expect(await page.getByTestId("budgets").textContent()).toContain("Checkout service");
    await harness.screenshot(page, "usage-02-overview-by-model");

    await page.getByRole("button", { name: "Key", exact: true }).click();
    await page.getByTestId("group-list").getByText("Nightly batch").waitFor();
    expect(await page.getByTestId("chart-spend").textContent()).toContain("Checkout service");
    await harness.screenshot(page, "usage-03-overview-by-key");

    await page.getByRole("button", { name: "Prompt", exact: true }).click();
    await page.getByTestId("group-list").getByText("No prompt").waitFor();
    await harness.screenshot(page, "usage-04-overview-by-prompt");

    // a filter narrows every figure: only the gpt-4o requests
    const gpt4o = await db.requestLog.count({ where: { workspaceId, model: "gpt-4o" } });
    await page.getByLabel("Model", { exact: true }).selectOption("gpt-4o");
    await page
      .getByTestId("total-requests")
      .filter({ hasText: new RegExp(`^${gpt4o}$`) })
      .waitFor();
    await page.getByRole("button", { name: "30 days" }).click();
    await page
      .getByTestId("total-requests")
      .filter({ hasText: new RegExp(`^${gpt4o}$`) })
      .waitFor();
    await harness.screenshot(page, "usage-05-overview-30d-gpt-4o");
  });

  it("lists requests newest first, pages with Load more, and opens a request's details", async () => {
    await page.goto(`${workspaceUrl}/requests`);
    const rows = page.getByTestId("request-row");
    await rows.first().waitFor();
    expect(await rows.count()).toBe(50);
    await page.getByRole("button", { name: "Load more" }).click();
    await page.getByText("That is every matching request.").waitFor();
    expect(await rows.count()).toBe(recorded);

    const newest = await db.requestLog.findFirst({
      where: { workspaceId },
      orderBy: [{ ts: "desc" }, { id: "desc" }],
    });
    await page.getByRole("button", { name: `Details of request ${newest!.id}` }).click();
    const detail = page.getByTestId("request-detail");
    await detail.getByText(newest!.id).waitFor();
    expect(await detail.getByTestId("payload-off").textContent()).toContain(
      "Payload logging is off",
    );
    await harness.screenshot(page, "usage-06-request-detail");
    await page.getByRole("button", { name: "Close" }).click();

    // errors only
    await page.getByLabel("Status").fill("error");
    await page.getByRole("button", { name: "Apply filters" }).click();
    const errors = await db.requestLog.count({ where: { workspaceId, status: { gte: 400 } } });
    await page.waitForFunction(
      (n) => document.querySelectorAll('[data-testid="request-row"]').length === n,
      errors,
    );
    await harness.screenshot(page, "usage-07-requests-errors");
  });

  it("shows the prices and saves an override the proxy will use", async () => {
    await page.goto(`${workspaceUrl}/settings/prices`);
    await page.getByTestId("price-table").waitFor();
    await page.getByRole("button", { name: "Override the price of gpt-4o-mini" }).click();
    await page.getByLabel("Input, $ per 1M tokens").fill("0.1");
    await page.getByLabel("Output, $ per 1M tokens").fill("0.4");
    await page.getByRole("button", { name: "Save override" }).click();
    const row = page.getByTestId("price-row").filter({ hasText: "gpt-4o-mini" }).first();
    await row.getByText("override", { exact: true }).waitFor();
    expect(await row.textContent()).toContain("$0.10");
    const snapshot = JSON.parse(
      (await redis.get(RedisKeys.workspaceSnapshot(workspaceId))) ?? "{}",
    ) as {
      priceOverrides?: Array<{ model: string; inputMicroUsdPerMTok: number }>;
    };
    expect(snapshot.priceOverrides).toEqual([
      expect.objectContaining({ model: "gpt-4o-mini", inputMicroUsdPerMTok: 100_000 }),
    ]);
    await harness.screenshot(page, "usage-08-prices");
  });

  it("fits a phone screen", async () => {
    expect(await phoneOverflow(workspaceUrl, "Overview")).toBe(0);
    expect(await phoneOverflow(`${workspaceUrl}/requests`, "Requests")).toBe(0);
    expect(await phoneOverflow(`${workspaceUrl}/settings/prices`, "Model prices")).toBe(0);
  });
});
