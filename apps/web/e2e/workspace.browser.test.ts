import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_USER, startHarness, type Harness } from "./harness";

/**
 * Accounts and workspaces in the browser: sign up (a weak password first), create and rename
 * a workspace, invite a second user who accepts in their own browser, switch workspaces in
 * the header, manage roles, change settings, and the failed sign-in limit.
 */

const SETUP_TIMEOUT_MS = 15 * 60_000;
const STEP_TIMEOUT_MS = 60_000;
// Its own Redis db (flushed at start), so failed sign-ins of earlier runs never count here.
const REDIS_DB = 14;

const OWNER = {
  name: "Wendy Owner",
  email: "wendy@example.test",
  password: "a long and unusual passphrase",
};
const WEBHOOK_SECRET = "whsec-browser-test-signing-secret";

let harness: Harness;
let owner: BrowserContext;
let page: Page;
let invitee: BrowserContext | undefined;
let workspaceId = "";
let inviteUrl = "";

async function noHorizontalOverflow(p: Page): Promise<number> {
  return p.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
}

beforeAll(async () => {
  harness = await startHarness("web-e2e-workspace", { redisDb: REDIS_DB });
  owner = await harness.browser.newContext({ viewport: { width: 1280, height: 800 } });
  page = await owner.newPage();
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await invitee?.close();
  await owner?.close();
  await harness?.close();
}, STEP_TIMEOUT_MS);

describe("accounts and workspaces", { timeout: STEP_TIMEOUT_MS }, () => {
  it("signs up from the landing page, refusing a weak password in the form first", async () => {
    await page.goto(harness.baseUrl);
    await page.getByRole("main").getByRole("link", { name: "Create an account" }).click();
    await page.waitForURL(/\/signup$/);
    await page.getByLabel("Name", { exact: true }).fill(OWNER.name);
    await page.getByLabel("Email", { exact: true }).fill(OWNER.email);
    await page.getByLabel("Password", { exact: true }).fill("password123");
    await page.getByRole("button", { name: "Create account" }).click();

    const error = page.locator("#password-error");
    await error.waitFor();
    expect(await error.textContent()).toBe(
      "This password is too common. Choose one that is harder to guess.",
    );
    expect(await page.getByLabel("Password", { exact: true }).getAttribute("aria-invalid")).toBe(
      "true",
    );
    expect(new URL(page.url()).pathname).toBe("/signup");
    await harness.screenshot(page, "workspace-01-signup-weak-password");

    await page.getByLabel("Password", { exact: true }).fill(OWNER.password);
    await page.getByRole("button", { name: "Create account" }).click();
    await page.waitForURL(/\/dashboard$/);
    expect(await page.getByRole("banner").textContent()).toContain(OWNER.email);
    await page.getByText("You are not in any workspace yet").waitFor();
    await harness.screenshot(page, "workspace-02-dashboard-new-user");
  });

  it("tells a second sign-up with the same email to sign in instead", async () => {
    const other = await harness.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await other.newPage();
      await p.goto(`${harness.baseUrl}/signin`);
      await p.getByRole("link", { name: "Create an account" }).click();
      await p.waitForURL(/\/signup$/);
      await p.getByLabel("Email", { exact: true }).fill(OWNER.email.toUpperCase());
      await p.getByLabel("Password", { exact: true }).fill("another long passphrase");
      await p.getByRole("button", { name: "Create account" }).click();
      const alert = p.getByRole("main").getByRole("alert");
      await alert.waitFor();
      expect(await alert.textContent()).toBe(
        "An account with this email already exists. Sign in instead.",
      );
    } finally {
      await other.close();
    }
  });

  it("creates a workspace from the dashboard and lands in it", async () => {
    const section = page.locator("#new-workspace");
    await section.getByLabel("Workspace name").fill("Wendy's team");
    await section.getByRole("button", { name: "Create workspace" }).click();
    await page.waitForURL(/\/w\/[^/]+$/);
    workspaceId = new URL(page.url()).pathname.split("/")[2]!;
    expect(await page.getByTestId("workspace-name").textContent()).toBe("Wendy's team");
    expect(await page.getByTestId("workspace-switcher").inputValue()).toBe(workspaceId);
  });

  it("renames the workspace on the settings page", async () => {
    await page.goto(`${harness.baseUrl}/w/${workspaceId}/settings`);
    const name = page.getByLabel("Workspace name");
    expect(await name.inputValue()).toBe("Wendy's team");
    await name.fill("Wendy's platform team");
    await page.getByRole("button", { name: "Rename" }).click();
    await page.getByTestId("workspace-name").filter({ hasText: "Wendy's platform team" }).waitFor();
    expect(
      await page.getByTestId("workspace-switcher").locator("option:checked").textContent(),
    ).toBe("Wendy's platform team");
    expect(await page.getByRole("link", { name: "Model prices" }).getAttribute("href")).toBe(
      `/w/${workspaceId}/settings/prices`,
    );
  });

  it("changes settings with validation in the form, and keeps the webhook secret write-only", async () => {
    const save = page.getByRole("button", { name: "Save settings" });
    await page.getByLabel("Time zone").fill("Mars/Base");
    await save.click();
    await page.locator("#timeZone-error").waitFor();
    expect(await page.locator("#timeZone-error").textContent()).toBe("Unknown time zone.");

    await page.getByLabel("Time zone").fill("Europe/Berlin");
    await page.getByLabel("Requests per minute").fill("600");
    await page.getByLabel("Budget (USD)").fill("250");
    await save.click();
    // the error points at the missing half of the pair
    await page.locator("#budgetPeriod-error").waitFor();
    expect(await page.locator("#budgetPeriod-error").textContent()).toBe(
      "Set both a budget amount and its period, or neither.",
    );
    expect(await page.locator("#timeZone-error").count()).toBe(0);

    await page.getByLabel("Period").selectOption("monthly");
    await page.getByLabel("Alert at (% of budget)").fill("80");
    await page.getByLabel("Tokens per minute").fill("100000");
    await page.getByLabel("Fail open (keep serving)").check();
    await page.getByLabel("Log request and response bodies").check();
    await page.getByLabel("Webhook URL").fill("https://hooks.example.test/gatehouse");
    await page.getByLabel("Signing secret", { exact: true }).fill(WEBHOOK_SECRET);
    await page.getByRole("button", { name: "Save settings" }).click();
    await page.getByText("Settings saved and published to the proxies.").waitFor();
    await harness.screenshot(page, "workspace-03-settings");

    await page.reload();
    expect(await page.getByLabel("Time zone").inputValue()).toBe("Europe/Berlin");
    expect(await page.getByLabel("Requests per minute").inputValue()).toBe("600");
    expect(await page.getByLabel("Budget (USD)").inputValue()).toBe("250.00");
    expect(await page.getByLabel("Period").inputValue()).toBe("monthly");
    expect(await page.getByLabel("Fail open (keep serving)").isChecked()).toBe(true);
    expect(await page.getByLabel("Log request and response bodies").isChecked()).toBe(true);
    expect(await page.getByLabel("Signing secret", { exact: true }).inputValue()).toBe("");
    await page.getByText("A secret is set.", { exact: false }).waitFor();
    expect(await page.content()).not.toContain(WEBHOOK_SECRET);

    await page.getByRole("button", { name: "Resync configuration" }).click();
    await page.getByText("Configuration republished.").waitFor();
  });

  it("invites a teammate: the link is shown once, with a Copy button, and listed as pending", async () => {
    await page.goto(`${harness.baseUrl}/w/${workspaceId}/members`);
    await page.getByText("No pending invitations").waitFor();
    await page.getByLabel("Email").fill(DEMO_USER.email);
    await page.getByLabel("Role", { exact: true }).selectOption("admin");
    await page.getByRole("button", { name: "Create invite link" }).click();
    const link = page.getByLabel("Invite link");
    await link.waitFor();
    inviteUrl = await link.inputValue();
    expect(inviteUrl).toMatch(new RegExp(`^${harness.baseUrl}/invite/[A-Za-z0-9_-]{43}$`));
    await page.getByTestId("invite-link").getByRole("button", { name: "Copy" }).waitFor();
    const pending = page.getByTestId("invitation-row");
    await pending.first().waitFor();
    expect(await pending.first().textContent()).toContain(DEMO_USER.email);
    await harness.screenshot(page, "workspace-04-members-invite");

    await page.reload();
    await page.getByTestId("invitation-row").first().waitFor();
    expect(await page.content()).not.toContain(inviteUrl.split("/invite/")[1]!);
  });

  it("the invitee signs in from the link, comes back to it and joins", async () => {
    invitee = await harness.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await invitee.newPage();
    await p.goto(inviteUrl);
    await p.getByRole("link", { name: "Sign in to accept" }).click();
    await p.waitForURL(/\/signin\?callbackUrl=%2Finvite%2F/);
    await p.getByLabel("Email").fill(DEMO_USER.email);
    await p.getByLabel("Password").fill(DEMO_USER.password);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.waitForURL(/\/invite\/[A-Za-z0-9_-]{43}$/);
    await p.getByRole("heading", { name: "Join Wendy's platform team" }).waitFor();
    expect(await p.getByRole("main").textContent()).toContain("as admin");
    await harness.screenshot(p, "workspace-05-invite-accept");

    await p.getByRole("button", { name: "Accept invitation" }).click();
    await p.waitForURL(new RegExp(`/w/${workspaceId}$`));
    expect(await p.getByTestId("workspace-name").textContent()).toBe("Wendy's platform team");

    // The link worked once.
    await p.goto(inviteUrl);
    await p.getByText("This invitation has already been used.").waitFor();
  });

  it("switches between workspaces with the header switcher, keeping the section", async () => {
    const p = await invitee!.newPage();
    await p.goto(`${harness.baseUrl}/w/${workspaceId}/members`);
    const switcher = p.getByTestId("workspace-switcher");
    await switcher.waitFor();
    expect(await switcher.locator("option").allTextContents()).toEqual([
      DEMO_USER.workspace,
      "Wendy's platform team",
      "New workspace…",
    ]);
    await switcher.selectOption({ label: DEMO_USER.workspace });
    await p.waitForURL(
      (url) => /^\/w\/[^/]+\/members$/.test(url.pathname) && !url.pathname.includes(workspaceId),
    );
    await p.getByTestId("workspace-name").filter({ hasText: DEMO_USER.workspace }).waitFor();
    await harness.screenshot(p, "workspace-06-switched");

    await p.getByTestId("workspace-switcher").selectOption({ label: "Wendy's platform team" });
    await p.waitForURL(new RegExp(`/w/${workspaceId}/members$`));
    await p.getByTestId("workspace-name").filter({ hasText: "Wendy's platform team" }).waitFor();
    await p.close();
  });

  it("the owner changes the new member's role; a viewer sees read-only pages", async () => {
    await page.goto(`${harness.baseUrl}/w/${workspaceId}/members`);
    const rows = page.getByTestId("member-row");
    await rows.nth(1).waitFor();
    expect(await rows.count()).toBe(2);
    // the invitations list loads on its own, after the members
    await page.getByText("No pending invitations").waitFor();
    expect(await page.getByText("No pending invitations").count()).toBe(1);
    const roleSelect = page.getByLabel(`Role of ${DEMO_USER.name}`);
    expect(await roleSelect.inputValue()).toBe("admin");
    await Promise.all([
      page.waitForResponse((r) => r.url().includes("workspace.changeRole") && r.ok()),
      roleSelect.selectOption("viewer"),
    ]);
    await page.reload();
    await expect
      .poll(() => page.getByLabel(`Role of ${DEMO_USER.name}`).inputValue())
      .toBe("viewer");
    // The owner is the last owner: their own role is not editable.
    expect(await page.getByLabel(`Role of ${OWNER.name}`).count()).toBe(0);
    await harness.screenshot(page, "workspace-07-members");

    const p = await invitee!.newPage();
    await p.goto(`${harness.baseUrl}/w/${workspaceId}/members`);
    await p.getByTestId("member-row").nth(1).waitFor();
    expect(await p.getByRole("button", { name: "Create invite link" }).count()).toBe(0);
    expect(await p.getByRole("button", { name: /^Remove/ }).count()).toBe(0);
    expect(await p.locator("select:not([data-testid])").count()).toBe(0);
    await p.goto(`${harness.baseUrl}/w/${workspaceId}/settings`);
    await p.getByLabel("Time zone").waitFor();
    expect(await p.getByLabel("Time zone").isDisabled()).toBe(true);
    expect(await p.getByRole("button", { name: "Save settings" }).count()).toBe(0);
    expect(await p.getByRole("button", { name: "Rename" }).count()).toBe(0);
    expect(await p.getByRole("button", { name: "Resync configuration" }).count()).toBe(0);
    // viewers see only the webhook's origin
    expect(await p.getByLabel("Webhook URL").inputValue()).toBe("https://hooks.example.test/…");
    await harness.screenshot(p, "workspace-08-settings-viewer");
    await p.close();
  });

  it("keeps the members page usable at phone width", async () => {
    const phone = await harness.browser.newContext({
      viewport: { width: 390, height: 844 },
      storageState: await owner.storageState(),
    });
    try {
      const p = await phone.newPage();
      await p.goto(`${harness.baseUrl}/w/${workspaceId}/members`);
      await p.getByTestId("member-row").nth(1).waitFor();
      expect(await noHorizontalOverflow(p)).toBe(0);
      await harness.screenshot(p, "workspace-09-members-phone");
    } finally {
      await phone.close();
    }
  });

  it("the viewer leaves the workspace", async () => {
    const p = await invitee!.newPage();
    await p.goto(`${harness.baseUrl}/w/${workspaceId}/members`);
    await p.getByRole("button", { name: "Leave workspace" }).click();
    await p.getByRole("dialog").getByRole("button", { name: "Leave" }).click();
    await p.waitForURL(/\/dashboard$/);
    await p.getByTestId("workspace-item").first().waitFor();
    expect(await p.getByTestId("workspace-item").allTextContents()).toEqual([
      expect.stringContaining(DEMO_USER.workspace),
    ]);
    await p.goto(`${harness.baseUrl}/w/${workspaceId}`);
    await p.getByText("This page could not be found").waitFor();
    await p.close();
  });

  it("refuses sign-ins after 5 failures for an email, saying how long to wait", async () => {
    const fresh = await harness.browser.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const p = await fresh.newPage();
      await p.goto(`${harness.baseUrl}/signin`);
      const alert = p.getByRole("main").getByRole("alert");
      const attempt = async (password: string) => {
        const button = p.getByRole("button", { name: "Sign in", exact: true });
        await button.and(p.locator(":enabled")).waitFor();
        await p.getByLabel("Email").fill(OWNER.email);
        await p.getByLabel("Password").fill(password);
        await Promise.all([
          p.waitForResponse((r) => r.url().includes("/api/auth/callback/credentials")),
          button.click(),
        ]);
        await button.and(p.locator(":enabled")).waitFor();
        return alert.textContent();
      };
      for (let i = 1; i <= 5; i += 1) {
        expect(await attempt(`wrong password ${i}`)).toBe("Wrong email or password.");
      }
      // Now even the right password is refused.
      await attempt(OWNER.password);
      expect(await alert.textContent()).toBe("Too many failed sign-ins. Try again in 15 minutes.");
      expect(new URL(p.url()).pathname).toBe("/signin");
      await harness.screenshot(p, "workspace-10-signin-rate-limited");
    } finally {
      await fresh.close();
    }
  });
});
