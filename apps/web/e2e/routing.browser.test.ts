import { createPrismaClient, type PrismaClient } from "@gatehouse/db";
import { RedisKeys, WorkspaceSnapshotSchema } from "@gatehouse/shared";
import { Redis } from "ioredis";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_USER, startHarness, type Harness } from "./harness";

/**
 * Issue 14 in the browser: the routes editor changes a route's retries and its context-window
 * fallback list (validated in the page with the server's schema, saved, published to the
 * proxies' snapshot), and each deployment shows its live health: a cooldown the proxies wrote
 * to Redis, and the last hour's attempts from the request log.
 */

const SETUP_TIMEOUT_MS = 15 * 60_000;
const STEP_TIMEOUT_MS = 60_000;

let harness: Harness;
let db: PrismaClient;
let redis: Redis;
let context: BrowserContext;
let page: Page;
let workspaceId = "";
const deploymentIds: { openai: string; anthropic: string } = { openai: "", anthropic: "" };
let cooldownUntil = 0;

beforeAll(async () => {
  // apps/web's shared Redis db: every key here carries this test's own workspace id
  harness = await startHarness("web-e2e-routing");
  db = createPrismaClient(harness.databaseUrl, { poolSize: 1 });
  redis = new Redis(harness.redisUrl);
  const workspace = await db.workspace.findFirstOrThrow({ where: { slug: "demo" } });
  workspaceId = workspace.id;
  const credential = (name: string, provider: "openai" | "anthropic") =>
    db.providerCredential.create({
      data: {
        workspaceId,
        name,
        provider,
        baseUrl: "http://127.0.0.1:9",
        // never decrypted here: no proxy runs in this test
        encryptedSecret: "gh1.test.aXY.Y2lwaGVy.dGFn",
        secretHint: "demo",
      },
    });
  const openai = await credential("Fake OpenAI", "openai");
  const anthropic = await credential("Fake Anthropic", "anthropic");
  const mini = await db.modelRoute.create({
    data: {
      workspaceId,
      alias: "gpt-4o-mini",
      deployments: {
        create: [
          { workspaceId, credentialId: openai.id, upstreamModel: "gpt-4o-mini", priority: 0 },
          {
            workspaceId,
            credentialId: anthropic.id,
            upstreamModel: "claude-haiku-4-5",
            priority: 1,
          },
        ],
      },
    },
    include: { deployments: { orderBy: { priority: "asc" } } },
  });
  deploymentIds.openai = mini.deployments[0]!.id;
  deploymentIds.anthropic = mini.deployments[1]!.id;
  await db.modelRoute.create({
    data: {
      workspaceId,
      alias: "long-context",
      deployments: {
        create: { workspaceId, credentialId: anthropic.id, upstreamModel: "claude-sonnet-4-5" },
      },
    },
  });
  // the last hour as the worker records it: the OpenAI deployment failed twice (a fallback
  // saved both requests), Anthropic answered those and three more
  const now = Date.now();
  await db.requestLog.createMany({
    data: Array.from({ length: 5 }, (_, i) => ({
      id: `routing-e2e-${i}`,
      workspaceId,
      keyId: "key",
      ts: new Date(now - (i + 1) * 60_000),
      endpoint: "chat_completions" as const,
      clientFormat: "openai" as const,
      model: "gpt-4o-mini",
      deploymentId: deploymentIds.anthropic,
      status: 200,
      inputTokens: 10,
      outputTokens: 5,
      cachedInputTokens: 0,
      costNanoUsd: 100n,
      latencyMs: 200,
      streamed: false,
      clientAborted: false,
      ...(i < 2
        ? {
            attempts: [
              {
                deploymentId: deploymentIds.openai,
                status: 503,
                errorType: "upstream_error",
                latencyMs: 20,
                kind: "first",
              },
              {
                deploymentId: deploymentIds.anthropic,
                status: 200,
                errorType: null,
                latencyMs: 200,
                kind: "fallback",
              },
            ],
          }
        : {}),
    })),
  });
  // what a proxy writes when it cools a deployment down for everyone
  cooldownUntil = now + 10 * 60_000;
  await redis.set(
    RedisKeys.deploymentCooldown(workspaceId, deploymentIds.openai),
    String(cooldownUntil),
    "PX",
    10 * 60_000,
  );

  context = await harness.browser.newContext({ viewport: { width: 1280, height: 1000 } });
  page = await context.newPage();
  await page.goto(`${harness.baseUrl}/signin`);
  await page.getByLabel("Email").fill(DEMO_USER.email);
  await page.getByLabel("Password").fill(DEMO_USER.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL(/\/dashboard$/);
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  await context?.close();
  await redis?.del(RedisKeys.deploymentCooldown(workspaceId, deploymentIds.openai));
  redis?.disconnect();
  await db?.$disconnect();
  await harness?.close();
}, STEP_TIMEOUT_MS);

const miniRoute = () =>
  page
    .getByTestId("route-item")
    .filter({ has: page.getByRole("heading", { name: "gpt-4o-mini" }) });

describe("the routes page for routing", { timeout: STEP_TIMEOUT_MS }, () => {
  it("shows each deployment's live health: cooling down, error rate and latency", async () => {
    await page.goto(`${harness.baseUrl}/w/${workspaceId}/routes`);
    const route = miniRoute();
    await route.waitFor();
    await route.getByText("Routing: weighted random · 2 retries within 30 s").waitFor();
    const [openai, anthropic] = [
      route.getByTestId("deployment-item").filter({ hasText: "gpt-4o-mini via Fake OpenAI" }),
      route
        .getByTestId("deployment-item")
        .filter({ hasText: "claude-haiku-4-5 via Fake Anthropic" }),
    ];
    const openaiHealth = openai.getByTestId("deployment-health");
    await openaiHealth.getByText("cooling down until").waitFor();
    expect(await openaiHealth.textContent()).toContain("2 attempts in the last hour · 100% errors");
    const anthropicHealth = anthropic.getByTestId("deployment-health");
    await anthropicHealth.getByText("healthy").waitFor();
    expect(await anthropicHealth.textContent()).toContain(
      "5 attempts in the last hour · no errors · p50 200 ms · p95 200 ms",
    );
    await harness.screenshot(page, "routing-01-health");
  });

  it("refuses an out-of-range retry count and an unknown fallback, at their fields", async () => {
    const route = miniRoute();
    await route.getByRole("button", { name: "Routing of gpt-4o-mini" }).click();
    const form = page.getByRole("form", { name: "Routing of gpt-4o-mini" });
    await form.getByLabel("Max retries").fill("9");
    await form.getByRole("button", { name: "Save routing" }).click();
    await form.getByText("at most 5").waitFor();
    expect(await form.getByLabel("Max retries").getAttribute("aria-invalid")).toBe("true");

    // the browser cannot know the workspace's routes: the server refuses, the field says why
    await form.getByLabel("Max retries").fill("4");
    await form.getByLabel("Context-window fallbacks").fill("no-such-route");
    await form.getByRole("button", { name: "Save routing" }).click();
    await form.getByText("'no-such-route' is not a route of this workspace").waitFor();
    expect(await form.getByLabel("Context-window fallbacks").getAttribute("aria-invalid")).toBe(
      "true",
    );
    await harness.screenshot(page, "routing-02-editor-errors");
  });

  it("saves retries and the fallback list: shown on the page, kept on reload, published", async () => {
    const form = page.getByRole("form", { name: "Routing of gpt-4o-mini" });
    await form.getByLabel("Context-window fallbacks").fill("long-context");
    await form.getByRole("button", { name: "Save routing" }).click();
    await form.waitFor({ state: "detached" });
    const route = miniRoute();
    await route.getByText("4 retries within 30 s").waitFor();
    await route.getByText("context-window fallbacks: long-context").waitFor();

    await page.reload();
    await miniRoute().getByRole("button", { name: "Routing of gpt-4o-mini" }).click();
    const reopened = page.getByRole("form", { name: "Routing of gpt-4o-mini" });
    expect(await reopened.getByLabel("Max retries").inputValue()).toBe("4");
    expect(await reopened.getByLabel("Context-window fallbacks").inputValue()).toBe("long-context");
    await harness.screenshot(page, "routing-03-saved");

    const snapshot = WorkspaceSnapshotSchema.parse(
      JSON.parse((await redis.get(RedisKeys.workspaceSnapshot(workspaceId)))!),
    );
    const published = snapshot.routes.find((r) => r.alias === "gpt-4o-mini")!;
    expect(published.policy.retry.maxRetries).toBe(4);
    expect(published.policy.contextWindowFallbacks).toEqual(["long-context"]);
    const audit = await db.auditLog.findMany({
      where: { workspaceId, action: "model_route.update_policy" },
    });
    expect(audit).toHaveLength(1);
  });
});
