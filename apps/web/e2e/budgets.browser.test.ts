import http from "node:http";
import type { AddressInfo } from "node:net";
import { createPrismaClient, publishKey, publishWorkspace, type PrismaClient } from "@gatehouse/db";
import { generateVirtualKey } from "@gatehouse/shared/server";
import OpenAI from "openai";
import { Redis } from "ioredis";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_USER, startHarness, type GatewayHarness } from "./harness";

/**
 * Issue 6 in the browser: a key's budget is spent through the real proxy (official OpenAI
 * SDK) past its alert threshold and then to its cap; the worker records the alert and calls the
 * workspace's webhook; every workspace page shows the budget banner (desktop and phone).
 */

const SETUP_TIMEOUT_MS = 15 * 60_000;
const STEP_TIMEOUT_MS = 90_000;
// its own Redis db (flushed at start): the proxy's budget state of earlier runs never counts
const REDIS_DB = 15;
const BUDGET_NANO_USD = 100_000n;

let harness: GatewayHarness;
let context: BrowserContext;
let page: Page;
let db: PrismaClient;
let redis: Redis;
let hooks: http.Server;
const received: { body: string; headers: http.IncomingHttpHeaders }[] = [];
let workspaceUrl = "";
let workspaceId = "";
let keyId = "";

beforeAll(async () => {
  harness = await startHarness("web-e2e-budgets", { redisDb: REDIS_DB, gateway: { worker: true } });
  db = createPrismaClient(harness.databaseUrl, { poolSize: 2 });
  redis = new Redis(harness.redisUrl);
  hooks = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push({ body, headers: req.headers });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hooks.listen(0, "127.0.0.1", resolve));
  context = await harness.browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await context?.close();
  hooks?.close();
  redis?.disconnect();
  await db?.$disconnect();
  await harness?.close();
}, STEP_TIMEOUT_MS);

describe("budgets you can see", { timeout: STEP_TIMEOUT_MS }, () => {
  it("no banner while every budget is fine", async () => {
    await page.goto(`${harness.baseUrl}/signin?callbackUrl=%2Fdashboard`);
    await page.getByLabel("Email").fill(DEMO_USER.email);
    await page.getByLabel("Password").fill(DEMO_USER.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole("link", { name: DEMO_USER.workspace }).click();
    await page.waitForURL(/\/w\/[^/]+$/);
    workspaceUrl = page.url();
    workspaceId = new URL(workspaceUrl).pathname.split("/")[2]!;

    await page.goto(`${workspaceUrl}/credentials`);
    await page.getByLabel("Name", { exact: true }).fill("Fake OpenAI");
    await page.getByLabel("Base URL").fill(harness.fakeProvider.openaiBaseUrl);
    await page.getByLabel("API key").fill("sk-budget-e2e-0123456789");
    await page.getByRole("button", { name: "Save credential" }).click();
    await page.getByRole("status").filter({ hasText: "Saved Fake OpenAI" }).waitFor();
    await page.waitForLoadState("networkidle");
    expect(await page.getByText("Budget alert").count()).toBe(0);
  });

  it("spends a key's budget through the proxy: alert past the threshold, then refusals at the cap", async () => {
    const generated = generateVirtualKey();
    const key = await db.virtualKey.create({
      data: {
        workspaceId,
        name: "Checkout service",
        keyHash: generated.hash,
        prefix: generated.prefix,
        budgetAmountNanoUsd: BUDGET_NANO_USD,
        budgetPeriod: "daily",
        budgetAlertThresholdPct: 50,
      },
    });
    keyId = key.id;
    await publishKey(db, redis, key.id);
    await db.workspace.update({
      where: { id: workspaceId },
      data: { alertWebhookUrl: `http://127.0.0.1:${(hooks.address() as AddressInfo).port}/hook` },
    });
    await publishWorkspace(db, redis, workspaceId);

    const openai = new OpenAI({
      baseURL: `${harness.proxyUrl}/v1`,
      apiKey: generated.secret,
      maxRetries: 0,
    });
    let ok = 0;
    let refusal: InstanceType<typeof OpenAI.RateLimitError> | null = null;
    for (let i = 0; i < 100 && refusal === null; i++) {
      try {
        const { response } = await openai.chat.completions
          .create({
            model: "gpt-4o-mini",
            messages: [{ role: "user", content: `spend ${i}` }],
            max_tokens: 20,
          })
          .withResponse();
        expect(response.status).toBe(200);
        ok++;
      } catch (error) {
        if (!(error instanceof OpenAI.RateLimitError)) throw error;
        refusal = error;
      }
    }
    expect(ok).toBeGreaterThan(1);
    expect(refusal).not.toBeNull();
    expect(refusal!.type).toBe("insufficient_quota");
    expect(refusal!.message).toContain("daily budget of this key");

    // the worker records the alert once and calls the webhook
    const deadline = Date.now() + 30_000;
    while (received.length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(received).toHaveLength(1);
    expect(JSON.parse(received[0]!.body)).toMatchObject({
      type: "budget.threshold_reached",
      scope: "key",
      scopeId: keyId,
      scopeName: "Checkout service",
      thresholdPct: 50,
      budgetNanoUsd: Number(BUDGET_NANO_USD),
    });
    // the worker marks the alert delivered once the webhook's answer is back, just after the
    // hook above saw the request
    let alerts = await db.budgetAlert.findMany({ where: { workspaceId } });
    while (alerts[0]?.deliveredAt == null && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      alerts = await db.budgetAlert.findMany({ where: { workspaceId } });
    }
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.deliveredAt).not.toBeNull();
  });

  it("every workspace page shows the banner, naming the key, the spend and the reset", async () => {
    await page.goto(`${workspaceUrl}/keys`);
    const banner = page.getByRole("status").filter({ hasText: "Checkout service" });
    await banner.waitFor();
    const text = (await banner.textContent()) ?? "";
    expect(text).toContain("daily budget");
    expect(text).toContain("of $0.000100");
    expect(text).toMatch(/alert at 50%/);
    expect(text).toMatch(/Resets /);
    await harness.screenshot(page, "budgets-01-banner-keys-page");

    const phone = await harness.browser.newContext({
      viewport: { width: 390, height: 844 },
      storageState: await context.storageState(),
    });
    try {
      const phonePage = await phone.newPage();
      await phonePage.goto(workspaceUrl);
      await phonePage.getByRole("status").filter({ hasText: "Checkout service" }).waitFor();
      await phonePage.waitForLoadState("networkidle");
      expect(
        await phonePage.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        ),
      ).toBe(0);
      await harness.screenshot(phonePage, "budgets-02-banner-phone");
    } finally {
      await phone.close();
    }
  });
});
