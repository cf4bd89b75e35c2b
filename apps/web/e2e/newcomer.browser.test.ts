import { randomBytes } from "node:crypto";
import { createPrismaClient } from "@gatehouse/db";
import OpenAI from "openai";
import type { BrowserContext, Page, Response } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startHarness, type GatewayHarness } from "./harness";

/**
 * The newcomer path of issue 4, in the browser against the real proxy: sign up → create a
 * workspace → add a provider credential (the fake provider) → test the connection → the
 * default routes → create a virtual key → call the proxy with it through the official openai
 * SDK → revoke it in the UI → the next call is refused within a second. Along the way every
 * tRPC response, page, log line and audit row is searched for the provider secret (and, once
 * its dialog is closed, for the virtual key secret).
 */

const SETUP_TIMEOUT_MS = 15 * 60_000;
const STEP_TIMEOUT_MS = 60_000;
/** DESIGN.md invariant 7: a revoked key stops working in every proxy within one second. */
const REVOKE_DEADLINE_MS = 1_000;

// Unique per run, so a match can only come from this run's credential.
const PROVIDER_SECRET = `sk-newcomer-${randomBytes(16).toString("hex")}`;
const USER = {
  name: "Nora Newcomer",
  email: `nora-${randomBytes(4).toString("hex")}@example.test`,
  password: "a-long-enough-password",
};
const SECTIONS = ["", "/credentials", "/routes", "/keys", "/audit", "/members", "/settings"];

let harness: GatewayHarness;
let context: BrowserContext;
let page: Page;
let workspaceUrl = "";
let virtualKey = "";
/** every tRPC response body the browser received, in order */
const trpcResponses: Array<{ url: string; body: string }> = [];

function recordTrpc(response: Response): void {
  if (!response.url().includes("/api/trpc/")) return;
  response.text().then(
    (body) => trpcResponses.push({ url: response.url(), body }),
    () => undefined, // a response of a page that navigated away
  );
}

async function phoneOverflow(url: string): Promise<number> {
  const phone = await harness.browser.newContext({
    viewport: { width: 390, height: 844 },
    storageState: await context.storageState(),
  });
  try {
    const phonePage = await phone.newPage();
    await phonePage.goto(url);
    await phonePage.getByRole("heading", { level: 1 }).waitFor();
    return await phonePage.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
  } finally {
    await phone.close();
  }
}

beforeAll(async () => {
  harness = await startHarness("web-e2e-newcomer", {
    redisDb: 8,
    gateway: { worker: true, provider: { apiKey: PROVIDER_SECRET } },
  });
  context = await harness.browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on("response", recordTrpc);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await context?.close();
  await harness?.close();
}, STEP_TIMEOUT_MS);

describe("a newcomer's first call through Gatehouse", { timeout: STEP_TIMEOUT_MS }, () => {
  it("signs up", async () => {
    await page.goto(`${harness.baseUrl}/signup`);
    await page.getByLabel("Name", { exact: true }).fill(USER.name);
    await page.getByLabel("Email", { exact: true }).fill(USER.email);
    await page.getByLabel("Password", { exact: true }).fill(USER.password);
    await harness.screenshot(page, "newcomer-01-signup");
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByLabel("Workspace name").waitFor();
    await harness.screenshot(page, "newcomer-02-dashboard");
  });

  it("creates a workspace and lands in it", async () => {
    await page.getByLabel("Workspace name").fill("Nora's team");
    await page.getByRole("button", { name: "Create workspace" }).click();
    await page.waitForURL(/\/w\/[^/]+$/);
    workspaceUrl = page.url();
    await page.getByTestId("workspace-name").waitFor();
    expect(await page.getByTestId("workspace-name").textContent()).toBe("Nora's team");
    await harness.screenshot(page, "newcomer-03-workspace");
  });

  it("adds an OpenAI credential pointing at the (fake) provider", async () => {
    await page
      .getByRole("navigation", { name: "Workspace" })
      .getByRole("link", { name: "Credentials" })
      .click();
    await page.waitForURL(/\/credentials$/);
    await page.getByText("No provider credentials yet").waitFor();
    await harness.screenshot(page, "newcomer-04-credentials-empty");

    expect(await page.getByLabel("Provider").inputValue()).toBe("openai");
    await page.getByLabel("Name", { exact: true }).fill("Fake OpenAI");
    await page.getByLabel("Base URL").fill(harness.fakeProvider.openaiBaseUrl);
    await page.getByLabel("API key").fill(PROVIDER_SECRET);
    expect(await page.getByLabel(/Create default routes/).isChecked()).toBe(true);
    await page.getByRole("button", { name: "Save credential" }).click();

    const saved = page.getByRole("status").filter({ hasText: "Saved Fake OpenAI" });
    await saved.waitFor();
    expect(await saved.textContent()).toContain("Routes created: gpt-4o, gpt-4o-mini");
    const item = page.getByTestId("credential-item");
    await item.waitFor();
    const text = (await item.textContent()) ?? "";
    expect(text).toContain("Fake OpenAI");
    expect(text).toContain("OpenAI");
    expect(text).toContain(harness.fakeProvider.openaiBaseUrl);
    expect(text).toContain(`••••${PROVIDER_SECRET.slice(-4)}`);
    expect(text).toContain(USER.name);
    // the form forgot the secret
    expect(await page.getByLabel("API key").inputValue()).toBe("");
  });

  it("tests the connection through the proxy's adapter code", async () => {
    harness.fakeProvider.reset();
    await page.getByRole("button", { name: "Test connection of Fake OpenAI" }).click();
    const result = page.getByTestId("connection-result");
    await result.waitFor();
    expect(await result.textContent()).toMatch(
      /^OK · Connected to 127\.0\.0\.1:\d+: \d+ models? available\./,
    );
    expect(harness.fakeProvider.requests.map((r) => [r.path, r.receivedApiKey])).toEqual([
      ["/v1/models", PROVIDER_SECRET],
    ]);
    await harness.screenshot(page, "newcomer-05-credentials-tested");
  });

  it("shows the default routes", async () => {
    await page
      .getByRole("navigation", { name: "Workspace" })
      .getByRole("link", { name: "Routes" })
      .click();
    await page.waitForURL(/\/routes$/);
    const routes = page.getByTestId("route-item");
    await routes.first().waitFor();
    expect(await routes.count()).toBe(2);
    const mini = routes.filter({ has: page.getByRole("heading", { name: "gpt-4o-mini" }) });
    expect(await mini.getByTestId("deployment-item").textContent()).toContain(
      "gpt-4o-mini via Fake OpenAI (OpenAI)",
    );
    await harness.screenshot(page, "newcomer-06-routes");
  });

  it("creates a virtual key and sees its secret once, with snippets", async () => {
    await page
      .getByRole("navigation", { name: "Workspace" })
      .getByRole("link", { name: "Keys" })
      .click();
    await page.waitForURL(/\/keys$/);
    await page.getByText("No virtual keys yet").waitFor();
    await page.getByLabel("Key name").fill("first key");
    await page.getByLabel("Requests per minute").fill("600");
    await page.getByLabel("Budget (USD)").fill("25");
    await page.getByLabel("Budget period").selectOption("monthly");
    await harness.screenshot(page, "newcomer-07-keys-form");
    await page.getByRole("button", { name: "Create key" }).click();

    const dialog = page.getByRole("dialog", { name: "Secret of first key" });
    await dialog.waitFor();
    virtualKey = (await dialog.getByTestId("virtual-key-secret").textContent()) ?? "";
    expect(virtualKey).toMatch(/^gh_[A-Za-z0-9_-]{43}$/);
    const snippet = dialog.getByRole("tabpanel");
    expect(await snippet.textContent()).toContain(`base_url="${harness.proxyUrl}/v1"`);
    await dialog.getByRole("tab", { name: "curl" }).click();
    expect(await snippet.textContent()).toContain(`curl ${harness.proxyUrl}/v1/chat/completions`);
    expect(await dialog.getByRole("button", { name: "Copy secret" }).isVisible()).toBe(true);
    await harness.screenshot(page, "newcomer-08-key-secret-dialog");

    await dialog.getByRole("button", { name: "I have copied it" }).click();
    await dialog.waitFor({ state: "detached" });
    const item = page.getByTestId("key-item");
    await item.waitFor();
    expect(await item.getByTestId("key-status").textContent()).toBe("active");
    expect(await item.textContent()).toContain(virtualKey.slice(0, 8));
    expect(await item.getByRole("progressbar").getAttribute("aria-valuetext")).toBe(
      "$0.00 of $25.00 this month",
    );
    expect(await page.content()).not.toContain(virtualKey);
    await harness.screenshot(page, "newcomer-09-keys");
  });

  it("calls the proxy with the key through the official openai SDK", async () => {
    const client = new OpenAI({
      baseURL: `${harness.proxyUrl}/v1`,
      apiKey: virtualKey,
      maxRetries: 0,
    });
    const reply = await client.chat.completions.create({
      model: "gpt-4o-mini",
      messages: [{ role: "user", content: "Say hello to the newcomer." }],
    });
    expect(reply.choices[0]?.message.content?.length).toBeGreaterThan(0);
    // the proxy decrypted the saved credential and called the provider with it
    const upstream = harness.fakeProvider.requests.at(-1);
    expect(upstream?.path).toBe("/v1/chat/completions");
    expect(upstream?.receivedApiKey).toBe(PROVIDER_SECRET);
  });

  it("revokes the key in the UI, and the proxy refuses it within a second", async () => {
    const client = new OpenAI({
      baseURL: `${harness.proxyUrl}/v1`,
      apiKey: virtualKey,
      maxRetries: 0,
    });
    await page.getByRole("button", { name: "Revoke first key" }).click();
    const confirm = page.getByRole("dialog", { name: "Revoke first key?" });
    await confirm.waitFor();
    await harness.screenshot(page, "newcomer-10-revoke-confirm");
    await confirm.getByRole("button", { name: "Revoke key" }).click();
    await confirm.waitFor({ state: "detached" });
    const revokedAt = Date.now();
    await page.getByTestId("key-status").filter({ hasText: "revoked" }).waitFor();

    let status: number | undefined;
    while (Date.now() - revokedAt < REVOKE_DEADLINE_MS) {
      try {
        await client.chat.completions.create({
          model: "gpt-4o-mini",
          messages: [{ role: "user", content: "still there?" }],
        });
      } catch (error) {
        if (error instanceof OpenAI.APIError) {
          status = error.status;
          break;
        }
        throw error;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(status).toBe(401);
    console.info(
      `revoked key refused by the proxy ${Date.now() - revokedAt} ms after the revoke returned`,
    );
    expect(await page.getByRole("button", { name: "Revoke first key" }).count()).toBe(0);
    await harness.screenshot(page, "newcomer-11-key-revoked");
  });

  it("records every change in the audit log", async () => {
    await page
      .getByRole("navigation", { name: "Workspace" })
      .getByRole("link", { name: "Audit log" })
      .click();
    await page.waitForURL(/\/audit$/);
    const entries = page.getByTestId("audit-entry");
    await entries.first().waitFor();
    const actions = await entries.locator(".font-mono.text-indigo-700").allTextContents();
    expect(actions).toEqual(
      expect.arrayContaining([
        "virtual_key.revoke",
        "virtual_key.create",
        "provider_credential.create",
        "model_route.create",
      ]),
    );
    // newest first
    expect(actions[0]).toBe("virtual_key.revoke");
    await harness.screenshot(page, "newcomer-12-audit");
  });

  it("keeps the workspace pages usable at phone width", async () => {
    for (const section of ["/credentials", "/routes", "/keys", "/audit"]) {
      expect({ section, overflow: await phoneOverflow(`${workspaceUrl}${section}`) }).toEqual({
        section,
        overflow: 0,
      });
    }
  });

  it("never shows the provider secret (nor the closed key secret) anywhere", async () => {
    expect(trpcResponses.length).toBeGreaterThan(5);
    const secrets = [PROVIDER_SECRET, virtualKey];
    // the key's own create response carried it once, by design; everything else must not
    const keyCreate = trpcResponses.filter((r) => r.body.includes(virtualKey));
    expect(keyCreate.map((r) => new URL(r.url).pathname)).toEqual(["/api/trpc/key.create"]);
    for (const response of trpcResponses) {
      expect(response.body).not.toContain(PROVIDER_SECRET);
    }

    // the server-rendered HTML (with its hydration data) of every workspace page
    for (const section of SECTIONS) {
      const response = await context.request.get(`${workspaceUrl}${section}`);
      expect(response.status()).toBe(200);
      const html = await response.text();
      for (const secret of secrets) expect(html).not.toContain(secret);
    }

    for (const secret of secrets) {
      expect(harness.serverLog()).not.toContain(secret);
      expect(harness.gatewayLog()).not.toContain(secret);
    }

    const db = createPrismaClient(harness.databaseUrl, { poolSize: 1 });
    try {
      const rows = await db.auditLog.findMany();
      expect(rows.length).toBeGreaterThanOrEqual(4);
      const json = JSON.stringify(rows);
      for (const secret of secrets) expect(json).not.toContain(secret);
    } finally {
      await db.$disconnect();
    }
  });
});
