/**
 * A guardrail policy change reaches a running proxy within a second: the dashboard's path
 * (PostgreSQL row, then @gatehouse/db's publishWorkspace / publishKey, as the guardrails
 * router calls them) against a real proxy with the demo workspace cached, no restart. The
 * workspace policy and a key's override alike. Redis db 2, like the other proxy tests.
 */
import { publishKey, publishWorkspace } from "@gatehouse/db";
import { GuardrailPolicySchema } from "@gatehouse/shared";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSeededWorld, type SeededWorld } from "./seeded-world";

const EMAIL = "jane.doe@example.com";

let world: SeededWorld;
let openai: OpenAI;

beforeAll(async () => {
  world = await startSeededWorld("proxy-guardrails-publish");
  openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.seed.key, maxRetries: 0 });
});

afterAll(async () => {
  await world?.close();
});

/** What the provider was sent for a prompt holding the address. */
async function sent(): Promise<string> {
  await openai.chat.completions.create({
    model: "gpt-4o-mini",
    max_tokens: 5,
    messages: [{ role: "user", content: `write to ${EMAIL}` }],
  });
  return JSON.stringify(world.fake.requests[world.fake.requests.length - 1]!.body);
}

/** Milliseconds from `change` until the provider is sent what `seen` accepts. */
async function msUntil(change: () => Promise<unknown>, seen: (body: string) => boolean) {
  await change();
  const started = performance.now();
  while (!seen(await sent())) {
    if (performance.now() - started > 5_000) throw new Error("the change never reached the proxy");
  }
  return performance.now() - started;
}

describe("a guardrail policy change reaches a running proxy", () => {
  it("the workspace policy, then a key's override, each within a second", async () => {
    // the demo policy masks addresses, and the proxy has the workspace cached now
    expect(await sent()).toContain("[EMAIL_1]");

    const workspace = await world.db.prisma.workspace.findUniqueOrThrow({
      where: { id: world.seed.workspaceId },
      select: { guardrails: true },
    });
    const policy = GuardrailPolicySchema.parse(workspace.guardrails);
    const redactAfter = await msUntil(
      async () => {
        await world.db.prisma.workspace.update({
          where: { id: world.seed.workspaceId },
          data: { guardrails: { ...policy, actions: { ...policy.actions, email: "redact" } } },
        });
        await publishWorkspace(world.db.prisma, world.redis, world.seed.workspaceId);
      },
      (body) => body.includes("[REDACTED_EMAIL]"),
    );
    expect(redactAfter).toBeLessThan(1_000);

    // this key may send addresses as they are
    const overrideAfter = await msUntil(
      async () => {
        await world.db.prisma.virtualKey.update({
          where: { id: world.seed.keyId },
          data: { guardrails: { actions: { email: "off" } } },
        });
        await publishKey(world.db.prisma, world.redis, world.seed.keyId);
      },
      (body) => body.includes(EMAIL),
    );
    expect(overrideAfter).toBeLessThan(1_000);
  });
});
