// The traffic generator's guardrails demo: a few prompts holding an e-mail address go through
// the proxy with the official SDKs (JSON and streamed, OpenAI and Anthropic formats), and the
// fake provider's record of what it received (GET /_fake/requests) shows the placeholder it
// saw while the client got its own address back. One prompt holding an AWS access key shows a
// block. The demo workspace's seeded policy masks e-mail addresses and blocks secrets; another
// policy gives other (honest) lines.
import { randomBytes } from "node:crypto";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";

const ADDRESS = "ada.lovelace@example.com";
// AWS's own documentation example of an access key id
const AWS_KEY = "AKIAIOSFODNN7EXAMPLE";

/**
 * @typedef {{ label: string, providerSaw: string | null, masked: boolean, restored: boolean }} MaskedCase
 * @typedef {{ status: number, message: string | null }} BlockedCase
 * @typedef {{ cases: MaskedCase[], secret: BlockedCase, ok: boolean }} GuardrailsDemo
 */

/** Letters only: a marker no detector takes for data (find our prompts in the fake's record). */
function nonce() {
  return Array.from(randomBytes(6), (b) => String.fromCharCode(65 + (b % 26))).join("");
}

/**
 * @param {unknown} body a recorded request body (OpenAI chat or Anthropic messages)
 * @returns {string | null} the last user message's text
 */
function lastUserText(body) {
  const messages = /** @type {{ messages?: Array<{ role?: string, content?: unknown }> }} */ (body)
    ?.messages;
  const last = messages?.filter((m) => m.role === "user").at(-1)?.content;
  if (typeof last === "string") return last;
  if (Array.isArray(last)) {
    return last
      .map((part) => (typeof part?.text === "string" ? part.text : ""))
      .join("")
      .trim();
  }
  return null;
}

/**
 * @param {{ proxyUrl: string, key: string, providerUrl: string }} options
 * @returns {Promise<GuardrailsDemo>}
 */
export async function runGuardrailsDemo({ proxyUrl, key, providerUrl }) {
  const base = proxyUrl.replace(/\/+$/, "");
  const openai = new OpenAI({ apiKey: key, baseURL: `${base}/v1`, maxRetries: 0, timeout: 30_000 });
  const anthropic = new Anthropic({ apiKey: key, baseURL: base, maxRetries: 0, timeout: 30_000 });
  // the fake echoes the prompt's first words: the address comes right at the start
  const prompt = (/** @type {string} */ marker) => `Email ${ADDRESS} about booking ${marker}.`;

  /** @type {Array<{ label: string, marker: string, send: (text: string) => Promise<string> }>} */
  const sends = [
    {
      label: "OpenAI, JSON",
      marker: nonce(),
      send: async (text) => {
        const answer = await openai.chat.completions.create({
          model: "gpt-4o-mini",
          max_tokens: 64,
          messages: [{ role: "user", content: text }],
        });
        return answer.choices[0]?.message.content ?? "";
      },
    },
    {
      label: "OpenAI, streamed",
      marker: nonce(),
      send: async (text) => {
        const stream = await openai.chat.completions.create({
          model: "gpt-4o-mini",
          max_tokens: 64,
          stream: true,
          messages: [{ role: "user", content: text }],
        });
        let out = "";
        for await (const chunk of stream) out += chunk.choices[0]?.delta.content ?? "";
        return out;
      },
    },
    {
      label: "Anthropic, streamed",
      marker: nonce(),
      send: async (text) => {
        const stream = anthropic.messages.stream({
          model: "claude-haiku-4-5",
          max_tokens: 64,
          messages: [{ role: "user", content: text }],
        });
        const message = await stream.finalMessage();
        return message.content.map((block) => (block.type === "text" ? block.text : "")).join("");
      },
    },
  ];

  const answers = [];
  for (const { label, marker, send } of sends) {
    answers.push({ label, marker, answer: await send(prompt(marker)) });
  }
  const recorded = /** @type {Array<{ body: unknown }>} */ (
    await (await fetch(`${providerUrl.replace(/\/+$/, "")}/_fake/requests`)).json()
  );
  const cases = answers.map(({ label, marker, answer }) => {
    const seen = recorded.find((r) => JSON.stringify(r.body ?? null).includes(marker));
    const providerSaw = seen ? lastUserText(seen.body) : null;
    return {
      label,
      providerSaw,
      masked: providerSaw !== null && !providerSaw.includes(ADDRESS),
      restored: answer.includes(ADDRESS),
    };
  });

  /** @type {BlockedCase} */
  let secret;
  try {
    await openai.chat.completions.create({
      model: "gpt-4o-mini",
      max_tokens: 16,
      messages: [{ role: "user", content: `Deploy with ${AWS_KEY} please.` }],
    });
    secret = { status: 200, message: null };
  } catch (caught) {
    const error = /** @type {{ status?: number, message?: string }} */ (caught ?? {});
    // the SDK puts the status in front of the gateway's message
    const message = String(error.message ?? "").replace(/^\d{3} /, "");
    secret = { status: error.status ?? 0, message: message.slice(0, 400) };
  }
  const ok = cases.every((c) => c.masked && c.restored) && secret.status >= 400;
  return { cases, secret, ok };
}

/**
 * The demo as lines for the terminal.
 * @param {GuardrailsDemo} demo
 * @returns {string[]}
 */
export function describeGuardrailsDemo(demo) {
  const lines = ["  guardrails (the demo workspace masks e-mail addresses and blocks secrets):"];
  for (const c of demo.cases) {
    if (c.providerSaw === null) {
      lines.push(`    ${c.label}: the fake provider has no record of the prompt`);
    } else if (c.masked) {
      lines.push(
        `    ${c.label}: the provider saw "${c.providerSaw}"; the client got ${
          c.restored ? `${ADDRESS} back in the answer` : "an answer WITHOUT the address restored"
        }`,
      );
    } else {
      lines.push(
        `    ${c.label}: the provider saw the address itself (e-mail masking is off for this key: see the Guardrails page)`,
      );
    }
  }
  lines.push(
    demo.secret.status >= 400
      ? `    a prompt holding an AWS access key: refused before any provider call (${demo.secret.status}: ${demo.secret.message})`
      : "    a prompt holding an AWS access key: NOT refused (secret blocking is off for this key)",
  );
  return lines;
}
