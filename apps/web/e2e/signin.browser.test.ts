import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DEMO_USER,
  NEWCOMER,
  OTHER_WORKSPACE,
  PROXY_URL,
  startHarness,
  type Harness,
} from "./harness";

// Building the app (only when .next is missing) can take several minutes on a busy machine.
const SETUP_TIMEOUT_MS = 15 * 60_000;
const STEP_TIMEOUT_MS = 60_000;

let harness: Harness;
let context: BrowserContext;
let page: Page;

beforeAll(async () => {
  harness = await startHarness("web-e2e-signin");
  context = await harness.browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await context?.close();
  await harness?.close();
}, STEP_TIMEOUT_MS);

describe("signing in", { timeout: STEP_TIMEOUT_MS }, () => {
  it("serves a health check", async () => {
    const response = await fetch(`${harness.baseUrl}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok" });
  });

  it("shows the landing page with a way to sign in", async () => {
    await page.goto(harness.baseUrl);
    await page.getByRole("heading", { level: 1 }).waitFor();
    expect(await page.getByRole("heading", { level: 1 }).textContent()).toContain(
      "Control every LLM call",
    );
    expect(await page.getByRole("banner").textContent()).toContain("Gatehouse");
    await harness.screenshot(page, "01-landing");
  });

  it("sends a signed-out visitor from the dashboard to the sign-in page", async () => {
    await page.goto(`${harness.baseUrl}/dashboard`);
    await page.waitForURL(/\/signin\?callbackUrl=%2Fdashboard$/);
    await page.getByRole("heading", { name: "Sign in to Gatehouse" }).waitFor();
  });

  it("shows an error in the form for a wrong password", async () => {
    await page.goto(harness.baseUrl);
    await page
      .getByRole("main")
      .getByRole("link", { name: /sign in/i })
      .click();
    await page.waitForURL(/\/signin/);
    await page.getByLabel("Email").fill(DEMO_USER.email);
    await page.getByLabel("Password").fill("not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();

    const alert = page.getByRole("main").getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toBe("Wrong email or password.");
    expect(new URL(page.url()).pathname).toBe("/signin");
    // The email stays filled in; the password does not.
    expect(await page.getByLabel("Email").inputValue()).toBe(DEMO_USER.email);
    expect(await page.getByLabel("Password").inputValue()).toBe("");
    await harness.screenshot(page, "02-signin-wrong-password");
  });

  it("signs in with the right password and lands on the dashboard with the workspace", async () => {
    await page.getByLabel("Password").fill(DEMO_USER.password);
    await page.getByLabel("Password").press("Enter");
    await page.waitForURL(/\/dashboard$/);

    const item = page.getByTestId("workspace-item");
    await item.first().waitFor();
    expect(await item.count()).toBe(1);
    expect(await item.first().textContent()).toContain(DEMO_USER.workspace);
    expect(await item.first().textContent()).toContain("owner");
    expect(await page.content()).not.toContain(OTHER_WORKSPACE);
    expect(await page.getByTestId("proxy-url").textContent()).toBe(PROXY_URL);
    expect(await page.getByRole("banner").textContent()).toContain(DEMO_USER.email);
    await harness.screenshot(page, "03-dashboard");
  });

  it("keeps the dashboard usable at phone width", async () => {
    const phone = await harness.browser.newContext({
      viewport: { width: 390, height: 844 },
      storageState: await context.storageState(),
    });
    try {
      const phonePage = await phone.newPage();
      await phonePage.goto(`${harness.baseUrl}/dashboard`);
      await phonePage.getByTestId("workspace-item").first().waitFor();
      const overflow = await phonePage.evaluate(
        () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
      );
      expect(overflow).toBe(0);
      await harness.screenshot(phonePage, "04-dashboard-phone");
    } finally {
      await phone.close();
    }
  });

  it("redirects a signed-in visitor from the landing page to the dashboard", async () => {
    await page.goto(harness.baseUrl);
    await page.waitForURL(/\/dashboard$/);
  });

  it("signs out back to the landing page", async () => {
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.waitForURL((url) => url.pathname === "/");
    await page.getByRole("heading", { level: 1 }).waitFor();
    await page.goto(`${harness.baseUrl}/dashboard`);
    await page.waitForURL(/\/signin/);
  });

  it("tells a user without workspaces what to do next (signing in by keyboard alone)", async () => {
    const fresh = await harness.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const newcomerPage = await fresh.newPage();
      await newcomerPage.goto(`${harness.baseUrl}/signin`);
      await newcomerPage.getByLabel("Email").focus();
      await newcomerPage.keyboard.type(NEWCOMER.email);
      await newcomerPage.keyboard.press("Tab");
      await newcomerPage.keyboard.type(NEWCOMER.password);
      await newcomerPage.keyboard.press("Tab");
      expect(await newcomerPage.evaluate(() => document.activeElement?.textContent)).toBe(
        "Sign in",
      );
      await newcomerPage.keyboard.press("Enter");
      await newcomerPage.waitForURL(/\/dashboard$/);

      const empty = newcomerPage.getByText("You are not in any workspace yet");
      await empty.waitFor();
      expect(await newcomerPage.getByTestId("workspace-item").count()).toBe(0);
      expect(await newcomerPage.content()).not.toContain(DEMO_USER.workspace);
      await harness.screenshot(newcomerPage, "05-dashboard-empty");
    } finally {
      await fresh.close();
    }
  });
});
