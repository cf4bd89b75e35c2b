import { createPrismaClient } from "@gatehouse/db";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_USER, NEWCOMER, startHarness, type Harness } from "./harness";

/**
 * The credentials, routes, keys and audit pages beyond the newcomer path: every provider's
 * form fields, route and deployment editing, key limits and rotation with a grace period,
 * and what members and viewers are (not) offered.
 */

const SETUP_TIMEOUT_MS = 15 * 60_000;
const STEP_TIMEOUT_MS = 60_000;

let harness: Harness;
let db: ReturnType<typeof createPrismaClient>;
let context: BrowserContext;
let page: Page;
let workspaceUrl = "";
let workspaceId = "";

async function signIn(target: Page, email: string, password: string): Promise<void> {
  await target.goto(`${harness.baseUrl}/signin`);
  await target.getByLabel("Email").fill(email);
  await target.getByLabel("Password").fill(password);
  await target.getByRole("button", { name: "Sign in" }).click();
  await target.waitForURL(/\/dashboard$/);
}

async function open(target: Page, section: string): Promise<void> {
  await target.goto(`${workspaceUrl}/${section}`);
  await target.getByRole("heading", { level: 1 }).waitFor();
}

beforeAll(async () => {
  harness = await startHarness("web-e2e-workspace-pages");
  db = createPrismaClient(harness.databaseUrl, { poolSize: 1 });
  context = await harness.browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await signIn(page, DEMO_USER.email, DEMO_USER.password);
  await page.getByRole("link", { name: DEMO_USER.workspace }).click();
  await page.waitForURL(/\/w\/[^/]+$/);
  workspaceUrl = page.url();
  workspaceId = new URL(workspaceUrl).pathname.split("/")[2]!;
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await context?.close();
  await db?.$disconnect();
  await harness?.close();
}, STEP_TIMEOUT_MS);

describe("workspace pages for an owner", { timeout: STEP_TIMEOUT_MS }, () => {
  it("says what to do first on empty routes and keys pages", async () => {
    await open(page, "routes");
    await page.getByText("Routes need a provider credential").waitFor();
    await page.getByRole("main").getByRole("link", { name: "Add a credential" }).waitFor();
    await open(page, "keys");
    await page.getByText("No virtual keys yet").waitFor();
    await harness.screenshot(page, "pages-01-keys-empty");
  });

  it("validates the credential form in the browser with the server's schema", async () => {
    await open(page, "credentials");
    await page.getByLabel("Provider").selectOption("openai_compatible");
    await page.getByRole("button", { name: "Save credential" }).click();
    await page.getByText("a base URL is required for this provider").waitFor();
    await page.getByText("the API key is required").waitFor();
    expect(await page.getByLabel("API key").getAttribute("aria-invalid")).toBe("true");
    expect(await page.getByLabel(/Create default routes/).count()).toBe(0);
  });

  it("adds an Azure OpenAI credential with its resource URL and API version", async () => {
    await page.getByLabel("Provider").selectOption("azure_openai");
    expect(await page.getByLabel("API version").inputValue()).toBe("2024-10-21");
    await page.getByLabel("Name", { exact: true }).fill("Azure east");
    await page.getByLabel("Resource URL").fill("https://east.openai.azure.com");
    await page.getByLabel("API version").fill("2025-01-01-preview");
    await page.getByLabel("API key").fill("azure-secret-key-0042");
    await harness.screenshot(page, "pages-02-credentials-azure-form");
    await page.getByRole("button", { name: "Save credential" }).click();
    await page.getByRole("status").filter({ hasText: "Saved Azure east." }).waitFor();
    const item = page.getByTestId("credential-item").filter({ hasText: "Azure east" });
    expect(await item.textContent()).toContain("Azure OpenAI");
    expect(await item.textContent()).toContain("https://east.openai.azure.com");
    expect(await item.textContent()).toContain("••••0042");
    const stored = await db.providerCredential.findFirstOrThrow({ where: { name: "Azure east" } });
    expect(stored.options).toEqual({ apiVersion: "2025-01-01-preview" });
  });

  it("adds and deletes (after confirming) an OpenAI-compatible credential", async () => {
    await page.getByLabel("Provider").selectOption("openai_compatible");
    await page.getByLabel("Name", { exact: true }).fill("Local vLLM");
    await page.getByLabel("Base URL").fill("http://vllm.internal:8000/v1");
    await page.getByLabel("API key").fill("vllm-key-9999");
    await page.getByRole("button", { name: "Save credential" }).click();
    const item = page.getByTestId("credential-item").filter({ hasText: "Local vLLM" });
    await item.waitFor();

    await page.getByRole("button", { name: "Delete Local vLLM" }).click();
    const dialog = page.getByRole("dialog", { name: "Delete Local vLLM?" });
    await dialog.waitFor();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await dialog.waitFor({ state: "detached" });
    expect(await item.count()).toBe(1);

    await page.getByRole("button", { name: "Delete Local vLLM" }).click();
    await dialog.getByRole("button", { name: "Delete credential" }).click();
    await item.waitFor({ state: "detached" });
    expect(await page.getByTestId("credential-item").count()).toBe(1);
  });

  it("adds a route, adds, edits, disables and removes deployments, and renames it", async () => {
    await open(page, "routes");
    await page.getByLabel("Model name").fill("fast");
    await page.getByLabel("Upstream model").fill("gpt4o-mini-east");
    await page.getByRole("button", { name: "Add route" }).click();
    const route = page.getByTestId("route-item").filter({
      has: page.getByRole("heading", { name: "fast" }),
    });
    await route.waitFor();
    expect(await route.getByTestId("deployment-item").textContent()).toContain(
      "gpt4o-mini-east via Azure east (Azure OpenAI)",
    );

    await route.getByRole("button", { name: "Add deployment" }).click();
    await route.getByLabel("Upstream model").fill("gpt4o-mini-backup");
    await route.getByLabel("Priority").fill("1");
    await route.getByRole("button", { name: "Add deployment" }).last().click();
    const backup = route.getByTestId("deployment-item").filter({ hasText: "gpt4o-mini-backup" });
    await backup.waitFor();
    expect(await backup.textContent()).toContain("weight 1 · priority 1 · enabled");

    await backup.getByRole("button", { name: "Edit" }).click();
    await route.getByLabel("Weight").fill("5");
    await route.getByRole("button", { name: "Save deployment" }).click();
    await route.getByText("weight 5 · priority 1").waitFor();

    await backup.getByRole("button", { name: "Disable" }).click();
    await backup.getByText("disabled").waitFor();
    await harness.screenshot(page, "pages-03-routes");

    await backup.getByRole("button", { name: "Remove" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Remove deployment" }).click();
    await backup.waitFor({ state: "detached" });
    expect(await route.getByTestId("deployment-item").count()).toBe(1);

    await page.getByRole("button", { name: "Edit route fast" }).click();
    await route.getByLabel("Model name").fill("quick");
    await route.getByLabel("Description").fill("cheap and quick");
    await route.getByRole("button", { name: "Save route" }).click();
    const renamed = page.getByTestId("route-item").filter({
      has: page.getByRole("heading", { name: "quick" }),
    });
    await renamed.getByText("cheap and quick").waitFor();
    expect(await page.getByRole("heading", { name: "fast" }).count()).toBe(0);
  });

  it("creates a key limited to a route, edits its limits and rotates it with a grace period", async () => {
    await open(page, "keys");
    await page.getByLabel("Key name").fill("batch jobs");
    await page.getByLabel("quick", { exact: true }).check();
    await page.getByLabel("Tokens per minute").fill("50000");
    await page.getByLabel("Budget (USD)").fill("12.50");
    await page.getByRole("button", { name: "Create key" }).click();
    // a budget needs its period: the form says so before anything is sent
    await page.getByText("set both a budget amount and its period, or neither").waitFor();
    await page.getByLabel("Budget period").selectOption("weekly");
    await page.getByLabel("Alert at (% of budget)").fill("80");
    await page.getByRole("button", { name: "Create key" }).click();

    const created = page.getByRole("dialog", { name: "Secret of batch jobs" });
    await created.waitFor();
    const first = await created.getByTestId("virtual-key-secret").textContent();
    expect(await created.getByRole("tabpanel").textContent()).toContain('model="quick"');
    await created.getByRole("button", { name: "I have copied it" }).click();
    await created.waitFor({ state: "detached" });

    const item = page.getByTestId("key-item").filter({ hasText: "batch jobs" });
    expect(await item.textContent()).toContain("Models: quick");
    expect(await item.textContent()).toContain("TPM 50000");
    expect(await item.getByRole("progressbar").getAttribute("aria-valuetext")).toBe(
      "$0.00 of $12.50 this week",
    );

    await page.getByRole("button", { name: "Edit limits of batch jobs" }).click();
    await item.getByLabel("Requests per minute").fill("120");
    await item.getByLabel("Tokens per minute").fill("");
    await item.getByRole("button", { name: "Save changes" }).click();
    await item.getByText("RPM 120 · TPM — · parallel —").waitFor();

    await page.getByRole("button", { name: "Rotate batch jobs" }).click();
    const rotate = page.getByRole("dialog", { name: "Rotate batch jobs?" });
    await rotate.getByLabel("Old secret keeps working for").selectOption({ label: "1 hour" });
    await rotate.getByRole("button", { name: "Rotate key" }).click();
    const rotated = page.getByRole("dialog", { name: "Secret of batch jobs" });
    await rotated.waitFor();
    const second = await rotated.getByTestId("virtual-key-secret").textContent();
    expect(second).toMatch(/^gh_/);
    expect(second).not.toBe(first);
    await harness.screenshot(page, "pages-04-key-rotated-dialog");
    await rotated.getByRole("button", { name: "I have copied it" }).click();
    await item.getByText(/The previous secret works until/).waitFor();
    expect(await item.textContent()).toContain(second!.slice(0, 8));
    await harness.screenshot(page, "pages-05-keys");
  });

  it("pages through the audit log", async () => {
    // more entries than one page holds
    await db.auditLog.createMany({
      data: Array.from({ length: 30 }, (_, i) => ({
        workspaceId,
        actorType: "system",
        action: "config.resync",
        targetType: "workspace",
        targetId: `bulk-${i}`,
        createdAt: new Date(Date.UTC(2020, 0, 1, 0, i)),
      })),
    });
    await open(page, "audit");
    const entries = page.getByTestId("audit-entry");
    await entries.first().waitFor();
    expect(await entries.count()).toBe(25);
    expect(await entries.first().textContent()).toContain("virtual_key.rotate");
    await page.getByRole("button", { name: "Show older changes" }).click();
    await page.getByText("That is everything.").waitFor();
    expect(await entries.count()).toBeGreaterThan(30);
    expect(await entries.last().textContent()).toContain("bulk-0");
  });
});

describe("what members and viewers are offered", { timeout: STEP_TIMEOUT_MS }, () => {
  let other: BrowserContext;
  let otherPage: Page;

  beforeAll(async () => {
    const newcomer = await db.user.findUniqueOrThrow({ where: { email: NEWCOMER.email } });
    await db.membership.create({ data: { workspaceId, userId: newcomer.id, role: "viewer" } });
    other = await harness.browser.newContext({ viewport: { width: 1280, height: 900 } });
    otherPage = await other.newPage();
    await signIn(otherPage, NEWCOMER.email, NEWCOMER.password);
  }, STEP_TIMEOUT_MS);

  afterAll(async () => {
    await other?.close();
  });

  it("shows a viewer the lists without any control", async () => {
    await open(otherPage, "credentials");
    await otherPage.getByTestId("credential-item").waitFor();
    expect(await otherPage.getByRole("button", { name: /Test connection|Delete/ }).count()).toBe(0);
    expect(await otherPage.getByRole("button", { name: "Save credential" }).count()).toBe(0);

    await open(otherPage, "routes");
    await otherPage.getByTestId("route-item").first().waitFor();
    expect(
      await otherPage.getByRole("button", { name: /Add|Edit|Disable|Remove|Delete/ }).count(),
    ).toBe(0);

    await open(otherPage, "keys");
    await otherPage.getByTestId("key-item").first().waitFor();
    expect(
      await otherPage.getByRole("button", { name: /Create key|Edit|Rotate|Revoke/ }).count(),
    ).toBe(0);

    await open(otherPage, "audit");
    await otherPage.getByText("Only admins can see the audit log").waitFor();
    await harness.screenshot(otherPage, "pages-06-viewer-keys-audit");
  });

  it("lets a member manage keys but not credentials or routes", async () => {
    await db.membership.updateMany({
      where: { workspaceId, role: "viewer" },
      data: { role: "member" },
    });
    await open(otherPage, "keys");
    await otherPage.getByRole("button", { name: "Create key" }).waitFor();
    expect(await otherPage.getByRole("button", { name: "Revoke batch jobs" }).count()).toBe(1);

    await open(otherPage, "credentials");
    await otherPage.getByTestId("credential-item").waitFor();
    expect(await otherPage.getByRole("button", { name: "Save credential" }).count()).toBe(0);
    await otherPage.getByText("Only admins and owners can add or remove credentials.").waitFor();
  });
});
