import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, type World } from "./fixtures";
import { eventOf, startGuardedWorld } from "./guardrails-world";

/**
 * The property: for random prompts with values planted in random places (message text,
 * content parts, system prompts, tool arguments and results, Responses and embeddings input),
 * with every detector set to mask, no planted value reaches the fake provider, the usage
 * event or its payload log — while the client still gets its values back where the fake
 * echoes them. Seeded, so a failure reproduces.
 */

let world: World;
let openai: OpenAI;
let anthropic: Anthropic;

beforeAll(async () => {
  world = await startGuardedWorld({
    enabled: true,
    actions: {
      ip: "mask",
      prompt_injection: "log",
      ...Object.fromEntries(
        [
          "aws_key",
          "openai_key",
          "anthropic_key",
          "google_key",
          "github_token",
          "gitlab_token",
          "slack_token",
          "stripe_key",
          "jwt",
          "private_key",
          "database_url",
        ].map((d) => [d, "mask"]),
      ),
    },
    customPatterns: [{ name: "TICKET", pattern: "TCK-\\d{6}", action: "mask" }],
    denyList: ["Project Nightingale"],
  });
  openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
});
afterAll(async () => {
  await world?.close();
});

/** mulberry32: a small seeded PRNG */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// no "version"/"release" before a planted IP: the IP detector reads "version 10.0.0.1" as a
// version number on purpose (detectors/ip.ts)
const WORDS =
  "the quarterly report mentions revenue churn roadmap please summarise ticket order v1.2.3 id 550e8400-e29b-41d4-a716-446655440000 at 2024-01-15T10:30:00Z commit 9fceb02".split(
    " ",
  );

function planted(r: () => number): string {
  const d = (n: number) => Array.from({ length: n }, () => Math.floor(r() * 10)).join("");
  const a = (n: number) =>
    Array.from(
      { length: n },
      () => "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"[Math.floor(r() * 56)],
    ).join("");
  const kinds = [
    () => `user${d(4)}@example${d(2)}.com`,
    () => `+44 20 7946 0${d(3)}`,
    () => `(415) 555-${2000 + Math.floor(r() * 7000)}`,
    () => "4111 1111 1111 1111",
    () => "DE89 3704 0044 0532 0130 00",
    () =>
      `${100 + Math.floor(r() * 500)}-${10 + Math.floor(r() * 89)}-${1000 + Math.floor(r() * 8999)}`,
    () => `10.${Math.floor(r() * 255)}.${Math.floor(r() * 255)}.${1 + Math.floor(r() * 254)}`,
    () => `AKIA${a(16).toUpperCase()}`,
    () => `sk-proj-${a(40)}`,
    () => `ghp_${a(36)}`,
    () => `sk_live_${a(24)}`,
    () => `xoxb-${d(12)}-${a(24)}`,
    () => `postgres://app:${a(12)}@db.internal:5432/app`,
    () => `TCK-${d(6)}`,
    () => "Project Nightingale",
  ];
  return kinds[Math.floor(r() * kinds.length)]!();
}

/** A sentence with 1–3 planted values; `values` collects what must never leave. */
function sentence(r: () => number, values: string[]): string {
  const parts: string[] = [];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    for (let w = Math.floor(r() * 4); w > 0; w--)
      parts.push(WORDS[Math.floor(r() * WORDS.length)]!);
    const value = planted(r);
    values.push(value.startsWith("postgres://") ? value.slice(15, value.indexOf("@")) : value);
    parts.push(value);
  }
  parts.push(WORDS[Math.floor(r() * WORDS.length)]!);
  return parts.join(" ");
}

type Send = (
  r: () => number,
  values: string[],
) => Promise<{ headers: { get(n: string): string | null } }>;

const SENDS: Record<string, Send> = {
  "chat JSON": async (r, v) =>
    (
      await openai.chat.completions
        .create({
          model: ROUTES.openai,
          messages: [
            { role: "system", content: sentence(r, v) },
            { role: "user", content: [{ type: "text", text: sentence(r, v) }] },
          ],
        })
        .withResponse()
    ).response,
  "chat stream": async (r, v) => {
    const { data, response } = await openai.chat.completions
      .create({
        model: ROUTES.anthropic,
        stream: true,
        messages: [{ role: "user", content: sentence(r, v) }],
      })
      .withResponse();
    for await (const _ of data) void _;
    return response;
  },
  "chat tools": async (r, v) =>
    (
      await openai.chat.completions
        .create({
          model: ROUTES.openai,
          messages: [
            { role: "user", content: sentence(r, v) },
            {
              role: "assistant",
              content: null,
              tool_calls: [
                {
                  id: "c",
                  type: "function",
                  function: { name: "f", arguments: JSON.stringify({ q: sentence(r, v) }) },
                },
              ],
            },
            { role: "tool", tool_call_id: "c", content: sentence(r, v) },
          ],
        })
        .withResponse()
    ).response,
  messages: async (r, v) =>
    (
      await anthropic.messages
        .create({
          model: ROUTES.anthropic,
          max_tokens: 100,
          system: sentence(r, v),
          messages: [
            { role: "user", content: sentence(r, v) },
            {
              role: "assistant",
              content: [{ type: "tool_use", id: "t", name: "f", input: { q: sentence(r, v) } }],
            },
            {
              role: "user",
              content: [{ type: "tool_result", tool_use_id: "t", content: sentence(r, v) }],
            },
          ],
        })
        .withResponse()
    ).response,
  "messages stream": async (r, v) => {
    const { data, response } = await anthropic.messages
      .create({
        model: ROUTES.openai,
        max_tokens: 100,
        stream: true,
        messages: [{ role: "user", content: sentence(r, v) }],
      })
      .withResponse();
    for await (const _ of data) void _;
    return response;
  },
  responses: async (r, v) =>
    (
      await openai.responses
        .create({
          model: ROUTES.openai,
          instructions: sentence(r, v),
          input: [{ role: "user", content: sentence(r, v) }],
        })
        .withResponse()
    ).response,
  embeddings: async (r, v) =>
    (
      await openai.embeddings
        .create({ model: ROUTES.embeddings, input: [sentence(r, v), sentence(r, v)] })
        .withResponse()
    ).response,
};

describe("no planted value leaves or is stored", () => {
  it("over 70 random requests on every endpoint and format", async () => {
    // GUARDRAILS_SEED=<n> tries other prompts (a failure names the request; the seed reproduces it)
    const r = prng(Number(process.env.GUARDRAILS_SEED ?? 20261207));
    const names = Object.keys(SENDS);
    for (let i = 0; i < 70; i++) {
      const name = names[i % names.length]!;
      const values: string[] = [];
      world.fake.reset();
      const response = await SENDS[name]!(r, values);
      const upstream = JSON.stringify(world.fake.requests.map((q) => q.body));
      const event = JSON.stringify(await eventOf(world, response));
      for (const value of values) {
        expect(upstream, `${name} #${i}: ${value} reached the provider`).not.toContain(value);
        expect(event, `${name} #${i}: ${value} is in the usage event`).not.toContain(value);
      }
      expect(world.fake.requests.length).toBe(1);
    }
  });
});
