import { createPrismaClient, publishKey } from "@gatehouse/db";
import { generateVirtualKey } from "@gatehouse/shared/server";
import { Redis } from "ioredis";
import OpenAI from "openai";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_USER, startHarness, type GatewayHarness } from "./harness";

/**
 * Issue 7 in the browser, against the real proxy, worker and fake provider: create a prompt,
 * edit it (a new version), see the diff, promote it and roll back in one click, then run the
 * playground through the gateway and see the answer, tokens, cost and latency, and the
 * version's usage from the rollups.
 */

const SETUP_TIMEOUT_MS = 15 * 60_000;
const STEP_TIMEOUT_MS = 60_000;

let harness: GatewayHarness;
let context: BrowserContext;
let page: Page;
let workspaceUrl = "";
let promptUrl = "";

type Body = { messages?: Array<{ role: string; content: string }>; model?: string };

async function waitForNotice(text: string): Promise<void> {
  await page.getByRole("status").filter({ hasText: text }).waitFor();
}

beforeAll(async () => {
  harness = await startHarness("web-e2e-prompts", { redisDb: 9, gateway: { worker: true } });
  context = await harness.browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await context?.close();
  await harness?.close();
}, STEP_TIMEOUT_MS);

describe("prompts: edit, diff, promote, playground", { timeout: STEP_TIMEOUT_MS }, () => {
  it("signs in and adds a credential with default routes", async () => {
    await page.goto(`${harness.baseUrl}/signin?callbackUrl=%2Fdashboard`);
    await page.getByLabel("Email").fill(DEMO_USER.email);
    await page.getByLabel("Password").fill(DEMO_USER.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/dashboard$/);
    await page.getByRole("link", { name: DEMO_USER.workspace }).click();
    await page.waitForURL(/\/w\/[^/]+$/);
    workspaceUrl = page.url();

    await page.goto(`${workspaceUrl}/credentials`);
    await page.getByLabel("Name", { exact: true }).fill("Fake OpenAI");
    await page.getByLabel("Base URL").fill(harness.fakeProvider.openaiBaseUrl);
    await page.getByLabel("API key").fill("sk-prompts-e2e-0123456789");
    await page.getByRole("button", { name: "Save credential" }).click();
    await page.getByRole("status").filter({ hasText: "Saved Fake OpenAI" }).waitFor();
  });

  it("creates a prompt; its first version is production", async () => {
    await page
      .getByRole("navigation", { name: "Workspace" })
      .getByRole("link", { name: "Prompts" })
      .click();
    await page.waitForURL(/\/prompts$/);
    await page.getByText("No prompts yet").waitFor();
    await page.getByLabel("Slug").fill("support-reply");
    await page.getByLabel("Name", { exact: true }).fill("Support reply");
    await page.getByLabel("Model").selectOption("gpt-4o-mini");
    await page
      .getByLabel("System message")
      .fill("You are {{tone}} support for {{product}}. Keep it short.");
    await page.getByLabel("User message (optional)").fill("Customer asks: {{question}}");
    await harness.screenshot(page, "prompts-01-new-prompt");
    await page.getByRole("button", { name: "Create prompt" }).click();
    await page.waitForURL(/\/prompts\/[^/]+$/);
    promptUrl = page.url();
    await page.getByRole("heading", { name: "Support reply", level: 1 }).waitFor();
    const labels = page.getByTestId("prompt-labels");
    expect(await labels.getByTestId("label-production").textContent()).toContain("v1");
    await harness.screenshot(page, "prompts-02-prompt-page");
  });

  it("edits the prompt: saving makes v2 and shows the diff", async () => {
    const editor = page.getByRole("form", { name: "Prompt editor" });
    await editor
      .getByLabel("Content of message 1")
      .fill("You are {{tone}} support for {{product}}. Always offer a refund.");
    // tone becomes optional with a default
    await editor.getByRole("listitem").filter({ hasText: "tone" }).getByLabel("required").uncheck();
    await editor.getByLabel("Default of tone").fill("friendly");
    await editor.getByLabel("Parameters (JSON)").fill('{"temperature": 0.2}');
    await editor.getByLabel("Commit message").fill("Offer refunds");
    await harness.screenshot(page, "prompts-03-editor");
    await editor.getByRole("button", { name: "Save as new version" }).click();

    await waitForNotice("Saved v2. Labels did not move");
    await page.getByTestId("version-2").waitFor();
    // v1 is unchanged and still production
    expect(await page.getByTestId("version-1").textContent()).toContain("production");

    const diff = page.getByTestId("diff-table");
    await diff.waitFor();
    expect(await page.getByLabel("From", { exact: true }).inputValue()).toBe("1");
    expect(await page.getByLabel("to", { exact: true }).inputValue()).toBe("2");
    const changed = await diff.locator('[data-kind="changed"]').allTextContents();
    expect(
      changed.some(
        (row) => row.includes("Keep it short.") && row.includes("Always offer a refund."),
      ),
    ).toBe(true);
    const text = (await diff.textContent()) ?? "";
    expect(text).toContain("You are {{tone}} support for {{product}}. Keep it short.");
    expect(text).toContain("You are {{tone}} support for {{product}}. Always offer a refund.");
    expect(text).toContain('variable tone = "friendly"');
    expect(await page.getByTestId("diff-summary").textContent()).toMatch(/\d+ changed lines?/);
    await page.getByRole("heading", { name: "Compare versions" }).scrollIntoViewIfNeeded();
    await harness.screenshot(page, "prompts-04-diff");
  });

  it("promotes v2 to production and rolls back in one click", async () => {
    await page.getByRole("button", { name: "Promote v2 to production" }).click();
    await waitForNotice("Moved production from v1 to v2");
    const production = page.getByTestId("prompt-labels").getByTestId("label-production");
    expect(await production.textContent()).toContain("v2");
    await page.getByRole("heading", { name: "Versions", exact: true }).scrollIntoViewIfNeeded();
    await harness.screenshot(page, "prompts-05-promoted");

    await page.getByRole("button", { name: "Roll back production to v1" }).click();
    await waitForNotice("Moved production from v2 to v1");
    expect(await production.textContent()).toContain("v1");
    await harness.screenshot(page, "prompts-06-rolled-back");

    await page.getByRole("button", { name: "Promote v2 to production" }).click();
    await waitForNotice("Moved production from v1 to v2");
    expect(await production.textContent()).toContain("v2");

    const db = createPrismaClient(harness.databaseUrl);
    try {
      const moves = await db.auditLog.findMany({
        where: { action: "prompt.label.move" },
        orderBy: { createdAt: "asc" },
      });
      expect(moves.map((m) => (m.after as { version: number }).version)).toEqual([2, 1, 2]);
    } finally {
      await db.$disconnect();
    }
  });

  it("the gateway serves the promoted version to an SDK client", async () => {
    // a key made the way the dashboard makes them: a row, then its snapshot published
    const db = createPrismaClient(harness.databaseUrl);
    const redis = new Redis(harness.redisUrl);
    let secret = "";
    try {
      const workspace = await db.workspace.findFirstOrThrow({ where: { slug: "demo" } });
      const key = generateVirtualKey();
      const row = await db.virtualKey.create({
        data: {
          workspaceId: workspace.id,
          name: "sdk",
          keyHash: key.hash,
          prefix: key.prefix,
        },
      });
      await publishKey(db, redis, row.id);
      secret = key.secret;
    } finally {
      redis.disconnect();
      await db.$disconnect();
    }
    const read = await fetch(`${harness.proxyUrl}/v1/prompts/support-reply?label=production`, {
      headers: { authorization: `Bearer ${secret}` },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({ version: 2, label: "production" });

    harness.fakeProvider.reset();
    const client = new OpenAI({ baseURL: `${harness.proxyUrl}/v1`, apiKey: secret, maxRetries: 0 });
    await client.chat.completions.create({
      model: "prompt:support-reply",
      messages: [],
      // @ts-expect-error -- Gatehouse extension: template variables
      variables: { product: "Acme Cloud", question: "Hello?" },
    });
    const body = harness.fakeProvider.requests.at(-1)?.body as Body & { temperature?: number };
    expect(body.messages?.[0]?.content).toBe(
      "You are friendly support for Acme Cloud. Always offer a refund.",
    );
    expect(body.temperature).toBe(0.2);
  });

  it("runs the playground through the gateway, streaming, with tokens, cost and latency", async () => {
    harness.fakeProvider.reset();
    await page.getByRole("heading", { name: "Playground" }).scrollIntoViewIfNeeded();
    await page.getByLabel("Version", { exact: true }).selectOption("2");
    await page.locator("#pg-var-product").fill("Acme Cloud");
    await page.locator("#pg-var-question").fill("Where is my invoice?");
    await page.getByText("Rendered messages").click();
    expect(await page.getByTestId("playground-preview").textContent()).toContain(
      "You are friendly support for Acme Cloud. Always offer a refund.",
    );
    await page.getByRole("button", { name: "Run v2" }).click();
    const stats = page.getByTestId("playground-stats");
    await stats.waitFor();
    const output = (await page.getByTestId("playground-output").textContent()) ?? "";
    expect(output.length).toBeGreaterThan(0);
    const statsText = (await stats.textContent()) ?? "";
    expect(statsText).toMatch(/Tokens in \/ out\d+ \/ \d+/);
    expect(statsText).toMatch(/Cost\$\d/);
    expect(statsText).toMatch(/Latency\d+ ms/);
    await harness.screenshot(page, "prompts-07-playground");

    // what the provider received: v2 rendered by the proxy, sent to the route's model
    const upstream = harness.fakeProvider.requests.at(-1);
    const body = upstream?.body as Body;
    expect(body.model).toBe("gpt-4o-mini");
    expect(body.messages).toEqual([
      {
        role: "system",
        content: "You are friendly support for Acme Cloud. Always offer a refund.",
      },
      { role: "user", content: "Customer asks: Where is my invoice?" },
    ]);

    // the throw-away key was scoped, is revoked now, and its secret never reached the page
    const db = createPrismaClient(harness.databaseUrl);
    try {
      const keys = await db.virtualKey.findMany({ where: { name: "Playground (dashboard)" } });
      expect(keys).toHaveLength(1);
      expect(keys[0]).toMatchObject({ status: "revoked", allowedModels: ["gpt-4o-mini"] });
      expect(keys[0]!.expiresAt!.getTime()).toBeLessThan(Date.now() + 5 * 60_000 + 1);
      expect(await page.content()).not.toMatch(/gh_[A-Za-z0-9_-]{43}/);
    } finally {
      await db.$disconnect();
    }
  });

  it("shows the version's usage from the rollups", async () => {
    // v2 was called twice: by the SDK client and by the playground
    const deadline = Date.now() + 30_000;
    for (;;) {
      await page.goto(promptUrl);
      await page.getByRole("heading", { name: "Usage by version (30 days)" }).waitFor();
      const row = page.getByRole("table").getByRole("row").filter({ hasText: "v2" });
      const requests =
        (await row.count()) > 0 ? await row.getByRole("cell").nth(1).textContent() : null;
      if (requests === "2") break;
      if (Date.now() > deadline) {
        throw new Error(`the worker did not roll up both calls (v2 requests: ${requests})`);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    await page
      .getByRole("heading", { name: "Usage by version (30 days)" })
      .scrollIntoViewIfNeeded();
    await harness.screenshot(page, "prompts-08-usage");
  });

  it("fits a 390 px phone without horizontal scrolling", async () => {
    const phone = await harness.browser.newContext({
      viewport: { width: 390, height: 844 },
      storageState: await context.storageState(),
    });
    try {
      for (const url of [`${workspaceUrl}/prompts`, promptUrl]) {
        const phonePage = await phone.newPage();
        await phonePage.goto(url);
        await phonePage.getByRole("heading", { level: 1 }).waitFor();
        const overflow = await phonePage.evaluate(
          () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
        );
        expect(overflow, url).toBe(0);
        if (url === promptUrl) await harness.screenshot(phonePage, "prompts-09-phone");
        await phonePage.close();
      }
    } finally {
      await phone.close();
    }
  });
});
