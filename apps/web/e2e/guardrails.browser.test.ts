import { createPrismaClient, type Prisma, type PrismaClient } from "@gatehouse/db";
import { rebuildRollupsFromLogs } from "@gatehouse/db/usage";
import { KeySnapshotSchema, RedisKeys, WorkspaceSnapshotSchema } from "@gatehouse/shared";
import { Redis } from "ioredis";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_USER, startHarness, type Harness } from "./harness";

/**
 * Issue 15 in the browser: an owner turns guardrails on and sets actions in the detector ×
 * action table, has a catastrophic-backtracking pattern refused at its field and a safe one
 * accepted, saves (the policy reaches the proxies' snapshot), tries the "test this text" box
 * (masked and blocked), and sees the overview's findings chart render. The findings behind the
 * chart are request logs written here and rolled up by the worker's own rollup SQL. On a key's
 * page, the test box scans the override as edited (before it is saved), and a stored override
 * the schema refuses is shown as such and replaced by a valid one on save.
 */

const SETUP_TIMEOUT_MS = 15 * 60_000;
const STEP_TIMEOUT_MS = 60_000;

let harness: Harness;
let db: PrismaClient;
let redis: Redis;
let context: BrowserContext;
let page: Page;
let workspaceUrl = "";
let workspaceId = "";

beforeAll(async () => {
  harness = await startHarness("web-e2e-guardrails");
  db = createPrismaClient(harness.databaseUrl, { poolSize: 1 });
  redis = new Redis(harness.redisUrl);
  context = await harness.browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  await page.goto(`${harness.baseUrl}/signin`);
  await page.getByLabel("Email").fill(DEMO_USER.email);
  await page.getByLabel("Password").fill(DEMO_USER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/dashboard$/);
  await page.getByRole("link", { name: DEMO_USER.workspace }).click();
  await page.waitForURL(/\/w\/[^/]+$/);
  workspaceUrl = page.url();
  workspaceId = new URL(workspaceUrl).pathname.split("/")[2]!;
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await context?.close();
  redis?.disconnect();
  await db?.$disconnect();
  await harness?.close();
}, STEP_TIMEOUT_MS);

describe("guardrails for an owner", { timeout: STEP_TIMEOUT_MS }, () => {
  it("sets a policy: actions, a refused and an accepted custom pattern, saved and published", async () => {
    await page
      .getByRole("navigation", { name: "Workspace" })
      .getByRole("link", { name: "Guardrails" })
      .click();
    await page.getByRole("heading", { name: "Guardrails", level: 1 }).waitFor();
    // the prompt-injection row says it is a heuristic, with its measured false-positive rate
    const note = page.getByTestId("detector-prompt_injection").getByTestId("heuristic-note");
    expect(await note.textContent()).toMatch(
      /Heuristic.*% false positives on the look-alike corpus/,
    );

    await page.getByLabel("Scan requests before they reach a provider").check();
    await page.getByLabel("Phone numbers (international formats): redact", { exact: true }).check();

    await page.getByRole("button", { name: "Add a pattern" }).click();
    const row = page.getByTestId("pattern-0");
    await row.getByLabel("Name").fill("EMPLOYEE_ID");
    const pattern = row.getByLabel("Regular expression");
    await pattern.fill("(a+)+$");
    const status = page.getByTestId("pattern-0-status");
    await status.getByText(/backtrack catastrophically/).waitFor();
    await pattern.fill("\\bEMP-\\d{5}\\b");
    await status.getByText("Safe: matches in linear time.").waitFor();

    await page.getByRole("button", { name: "Save policy" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    await harness.screenshot(page, "guardrails-01-policy");

    const snapshot = WorkspaceSnapshotSchema.parse(
      JSON.parse((await redis.get(RedisKeys.workspaceSnapshot(workspaceId)))!),
    );
    expect(snapshot.guardrails.enabled).toBe(true);
    expect(snapshot.guardrails.actions).toEqual({ phone: "redact" });
    expect(snapshot.guardrails.customPatterns).toEqual([
      { name: "EMPLOYEE_ID", pattern: "\\bEMP-\\d{5}\\b", action: "mask" },
    ]);
  });

  it("the test box shows what would be masked and what would be blocked", async () => {
    const box = page.getByLabel("Test this text");
    await box.fill("Write to ada@example.com about badge EMP-12345, or call +44 20 7946 0958.");
    const output = page.getByTestId("test-output");
    await output.getByText(/\[EMAIL_1\]/).waitFor();
    const text = (await output.textContent()) ?? "";
    expect(text).toContain("Write to [EMAIL_1] about badge [EMPLOYEE_ID_1]");
    expect(text).toContain("[REDACTED_PHONE]");
    expect(text).not.toContain("ada@example.com");
    expect(await page.getByTestId("test-findings").textContent()).toContain("E-mail addresses");

    await box.fill("Deploy with AKIAIOSFODNN7EXAMPLE today.");
    await page
      .getByTestId("test-blocked")
      .getByText(/AWS access keys/)
      .waitFor();
    await harness.screenshot(page, "guardrails-02-test-box");
  });

  it("the overview charts findings per day by detector", async () => {
    const key = await db.virtualKey.create({
      data: { workspaceId, name: "Support bot", keyHash: `e2e_${Date.now()}`, prefix: "gh_e2e" },
    });
    const now = Date.now();
    const logs = [
      { at: now - 26 * 3_600_000, findings: [{ detector: "email", action: "mask", count: 2 }] },
      { at: now - 3_600_000, findings: [{ detector: "email", action: "mask", count: 1 }] },
      { at: now - 1_800_000, findings: [{ detector: "aws_key", action: "block", count: 1 }] },
      { at: now - 600_000, findings: null },
    ];
    await db.requestLog.createMany({
      data: logs.map((log, i) => ({
        id: `req_e2e_guardrails_${i}`,
        workspaceId,
        keyId: key.id,
        ts: new Date(log.at),
        endpoint: "chat_completions" as const,
        clientFormat: "openai" as const,
        model: "gpt-4o-mini",
        status: log.findings?.[0]?.action === "block" ? 400 : 200,
        inputTokens: 20,
        outputTokens: 5,
        cachedInputTokens: 0,
        costNanoUsd: 1_000n,
        latencyMs: 40,
        streamed: false,
        clientAborted: false,
        guardrailFindings: log.findings
          ? log.findings.map((f) => ({ ...f, in: "request" }))
          : undefined,
      })),
    });
    await rebuildRollupsFromLogs(db, workspaceId);

    await page.goto(workspaceUrl);
    await page.getByRole("button", { name: "7 days" }).click();
    const card = page.getByTestId("chart-guardrails");
    await card.locator(".recharts-bar-rectangle").first().waitFor();
    const legend = (await card.textContent()) ?? "";
    expect(legend).toContain("E-mail addresses");
    expect(legend).toContain("AWS access keys");
    const totals = (await card.getByTestId("guardrail-totals").textContent()) ?? "";
    expect(totals).toContain("E-mail addresses · Mask: 3 in 2 requests");
    expect(totals).toContain("AWS access keys · Block: 1 in 1 request");
    await harness.screenshot(page, "guardrails-03-overview");
  });
});

describe("a key's guardrail override", { timeout: STEP_TIMEOUT_MS }, () => {
  const keyPage = (keyId: string) => `${harness.baseUrl}/w/${workspaceId}/keys/${keyId}/guardrails`;

  async function createKey(name: string, guardrails?: Prisma.InputJsonValue) {
    return db.virtualKey.create({
      data: {
        workspaceId,
        name,
        keyHash: `e2e_${name.replace(/\W/g, "_")}_${Date.now()}`,
        prefix: "gh_e2e",
        guardrails,
      },
    });
  }

  /**
   * Waits for the test box's first answer (it scans its example text, which holds an AWS key,
   * once the page is hydrated): a control used before hydration loses what was typed or checked.
   */
  async function interactive() {
    await page.getByTestId("test-output").or(page.getByTestId("test-blocked")).waitFor();
  }

  beforeAll(async () => {
    // the workspace's own choices: e-mail addresses masked (the default), phone numbers logged
    await db.workspace.update({
      where: { id: workspaceId },
      data: { guardrails: { enabled: true, actions: { phone: "log" } } },
    });
  });

  it("the test box scans the override as edited, before it is saved; a save persists it", async () => {
    const key = await createKey("Batch job");
    await page.goto(keyPage(key.id));
    await page.getByRole("heading", { name: "Key guardrails", level: 1 }).waitFor();
    const box = page.getByLabel("Test this text");
    const output = page.getByTestId("test-output");
    await interactive();
    await box.fill("Write to ada@example.com about the invoice.");
    await output.getByText("Write to [EMAIL_1] about the invoice.").waitFor();

    await page.getByLabel("E-mail addresses: redact", { exact: true }).check();
    await output.getByText("Write to [REDACTED_EMAIL] about the invoice.").waitFor();
    expect(await output.textContent()).not.toContain("ada@example.com");
    const row = page.getByTestId("test-findings").getByRole("row").filter({ hasText: "E-mail" });
    expect(await row.textContent()).toContain("Redact");
    // nothing is saved yet: the key still follows the workspace
    expect(
      (await db.virtualKey.findUniqueOrThrow({ where: { id: key.id } })).guardrails,
    ).toBeNull();
    await harness.screenshot(page, "guardrails-04-key-unsaved-override");

    await page.getByRole("button", { name: "Save override" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    const snapshot = KeySnapshotSchema.parse(
      JSON.parse((await redis.get(RedisKeys.keySnapshot(key.keyHash)))!),
    );
    expect(snapshot.guardrails).toEqual({ actions: { email: "redact" } });

    await page.reload();
    await interactive();
    await box.fill("Write to ada@example.com again.");
    await output.getByText("Write to [REDACTED_EMAIL] again.").waitFor();
    expect(await page.getByLabel("E-mail addresses: redact", { exact: true }).isChecked()).toBe(
      true,
    );
  });

  it("shows a stored override the schema refuses for what it is, and saving replaces it", async () => {
    const key = await createKey("Legacy bot", {
      actions: { email: "hide", phone: "redact", emial: "mask" },
    });
    await page.goto(keyPage(key.id));
    await interactive();
    const alert = page.getByTestId("invalid-override");
    const warning = (await alert.textContent()) ?? "";
    expect(warning).toContain("E-mail addresses: hide is not an action");
    expect(warning).toContain("emial (set to mask) is not a detector");
    // the e-mail row shows the stored value and does not claim to inherit the workspace's
    expect(await page.getByTestId("invalid-email").textContent()).toBe("invalid: hide");
    const inherit = page.getByLabel("E-mail addresses: mask (inherited)", { exact: true });
    expect(await inherit.isChecked()).toBe(false);
    expect(await page.getByLabel("Phone numbers (international formats): redact").isChecked()).toBe(
      true,
    );
    await harness.screenshot(page, "guardrails-05-key-invalid-override");

    // saving waits for an action to be chosen for the invalid row
    await page.getByRole("button", { name: "Save override" }).click();
    await page
      .getByRole("alert")
      .filter({ hasText: "Choose an action for E-mail addresses" })
      .waitFor();
    expect((await db.virtualKey.findUniqueOrThrow({ where: { id: key.id } })).guardrails).toEqual({
      actions: { email: "hide", phone: "redact", emial: "mask" },
    });

    await page.getByLabel("E-mail addresses: block", { exact: true }).check();
    expect(await page.getByTestId("invalid-email").count()).toBe(0);
    await page.getByRole("button", { name: "Save override" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    expect((await db.virtualKey.findUniqueOrThrow({ where: { id: key.id } })).guardrails).toEqual({
      actions: { phone: "redact", email: "block" },
    });

    await page.reload();
    await interactive();
    expect(await page.getByLabel("E-mail addresses: block", { exact: true }).isChecked()).toBe(
      true,
    );
    expect(await page.getByTestId("invalid-override").count()).toBe(0);
  });
});
