import Anthropic from "@anthropic-ai/sdk";
import {
  RedisKeys,
  WorkspaceSnapshotSchema,
  type PromptSnapshot,
  type PromptVersionSnapshot,
  type WorkspaceSnapshot,
} from "@gatehouse/shared";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  ANTHROPIC_UPSTREAM_MODEL,
  publishNewKey,
  publishWorkspace,
  ROUTES,
  startWorld,
  waitForEvent,
  type World,
} from "./fixtures";

/**
 * Prompts served by the proxy: `model: "prompt:<slug>[@label|@n]"` or the x-gatehouse-prompt
 * header, rendered from the workspace snapshot (published to Redis with an invalidation, as
 * the control plane does), label moves taking effect within a second, and the read API.
 */

let world: World;
let openai: OpenAI;
let anthropic: Anthropic;
let base: WorkspaceSnapshot;

const SLUG = "support-reply";

const v1: PromptVersionSnapshot = {
  id: "pv_support_1",
  version: 1,
  messages: [
    { role: "system", content: "You are {{tone}} support for {{product}}. (v1)" },
    { role: "user", content: "Customer asks: {{question}}" },
  ],
  variables: [
    { name: "tone", default: "friendly" },
    { name: "product", default: null },
    { name: "question", default: null },
  ],
  model: ROUTES.openai,
  params: { temperature: 0.2, max_tokens: 40 },
};

const v2: PromptVersionSnapshot = {
  id: "pv_support_2",
  version: 2,
  messages: [
    { role: "system", content: "You answer for {{product}} in a {{tone}} voice. (v2)" },
    { role: "user", content: "Question: {{question}}" },
  ],
  variables: v1.variables,
  model: ROUTES.openaiAliased,
  params: { temperature: 0.7, stop: ["END"] },
};

/** a prompt served by an Anthropic deployment */
const triage: PromptVersionSnapshot = {
  id: "pv_triage_1",
  version: 1,
  messages: [
    { role: "system", content: "Triage tickets for {{team}}." },
    { role: "user", content: "Ticket: {{ticket}}" },
  ],
  variables: [
    { name: "team", default: "billing" },
    { name: "ticket", default: null },
  ],
  model: ROUTES.anthropic,
  params: { temperature: 0.1, max_tokens: 64, stop: ["###"] },
};

let version = Date.now();

async function publishPrompts(labels: Record<string, number>): Promise<void> {
  const prompts: PromptSnapshot[] = [
    { id: "prompt_support", slug: SLUG, labels, versions: [v1, v2] },
    { id: "prompt_triage", slug: "triage", labels: { production: 1 }, versions: [triage] },
  ];
  version = Math.max(version + 1, Date.now());
  await publishWorkspace(world.redis, WorkspaceSnapshotSchema.parse({ ...base, version, prompts }));
}

const VARS = { product: "Acme Cloud", question: "Why was I billed twice?" };
const V1_RENDERED = [
  { role: "system", content: "You are friendly support for Acme Cloud. (v1)" },
  { role: "user", content: "Customer asks: Why was I billed twice?" },
];
const V2_RENDERED = [
  { role: "system", content: "You answer for Acme Cloud in a friendly voice. (v2)" },
  { role: "user", content: "Question: Why was I billed twice?" },
];

type Body = Record<string, unknown>;

/** SDK params plus the Gatehouse `variables` extension (the SDK types do not know it). */
function withVariables<T extends object>(params: T, variables: Record<string, string>): T {
  return { ...params, variables };
}
const lastUpstream = () => world.fake.requests[world.fake.requests.length - 1]!;
const lastBody = () => lastUpstream().body as Body;

/** The raw HTTP form, for what the SDK types do not allow (variables, no messages). */
async function chat(
  body: Body,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Body; requestId: string }> {
  const res = await fetch(`${world.url}/v1/chat/completions`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${world.key}`,
      "content-type": "application/json",
      ...headers,
    },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    json: (await res.json()) as Body,
    requestId: res.headers.get("x-request-id")!,
  };
}

beforeAll(async () => {
  world = await startWorld();
  base = WorkspaceSnapshotSchema.parse(
    JSON.parse((await world.redis.get(RedisKeys.workspaceSnapshot(world.workspaceId)))!),
  );
  openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
  await publishPrompts({ production: 1, staging: 2 });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => {
  world.fake.reset();
});

describe("prompt: models on /v1/chat/completions", () => {
  it("renders the production version, appends the client's messages, applies params", async () => {
    const { data, response } = await openai.chat.completions
      .create({
        model: `prompt:${SLUG}`,
        messages: [{ role: "user", content: "Order #42" }],
        // @ts-expect-error -- Gatehouse extension: template variables
        variables: VARS,
      })
      .withResponse();
    expect(data.choices[0]!.message.content).toBeTruthy();
    const body = lastBody();
    expect(body.model).toBe("gpt-4o-mini");
    expect(body.messages).toEqual([...V1_RENDERED, { role: "user", content: "Order #42" }]);
    expect(body.temperature).toBe(0.2);
    expect(body.max_tokens).toBe(40);
    expect(body).not.toHaveProperty("variables");

    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event).toMatchObject({
      model: ROUTES.openai,
      promptId: "prompt_support",
      promptVersionId: v1.id,
      status: 200,
    });
  });

  it("follows a label move within a second, and a roll back", async () => {
    const call = async () => {
      const { status } = await chat({ model: `prompt:${SLUG}`, variables: VARS });
      expect(status).toBe(200);
      return lastBody();
    };
    expect((await call()).messages).toEqual(V1_RENDERED);

    await publishPrompts({ production: 2, staging: 2 });
    const moved = performance.now();
    let body = await call();
    while (JSON.stringify(body.messages) !== JSON.stringify(V2_RENDERED)) {
      expect(performance.now() - moved).toBeLessThan(1_000);
      body = await call();
    }
    // v2's model and params came with it
    expect(body.model).toBe("gpt-4o");
    expect(body.temperature).toBe(0.7);
    expect(body.stop).toEqual(["END"]);
    expect(body).not.toHaveProperty("max_tokens");

    await publishPrompts({ production: 1, staging: 2 });
    const rolledBack = performance.now();
    body = await call();
    while (JSON.stringify(body.messages) !== JSON.stringify(V1_RENDERED)) {
      expect(performance.now() - rolledBack).toBeLessThan(1_000);
      body = await call();
    }
    expect(body.model).toBe("gpt-4o-mini");
  });

  it("serves a label or an explicit version, and the client's params win", async () => {
    expect((await chat({ model: `prompt:${SLUG}@staging`, variables: VARS })).status).toBe(200);
    expect(lastBody().messages).toEqual(V2_RENDERED);

    const { status } = await chat({
      model: `prompt:${SLUG}@1`,
      variables: { ...VARS, tone: "formal" },
      temperature: 1.5,
    });
    expect(status).toBe(200);
    expect(lastBody().messages).toEqual([
      { role: "system", content: "You are formal support for Acme Cloud. (v1)" },
      V1_RENDERED[1],
    ]);
    expect(lastBody().temperature).toBe(1.5);

    expect((await chat({ model: `prompt:${SLUG}@latest`, variables: VARS })).status).toBe(200);
    expect(lastBody().messages).toEqual(V2_RENDERED);
  });

  it("400 lists the missing required variables, in the OpenAI format", async () => {
    const { status, json } = await chat({ model: `prompt:${SLUG}`, variables: { tone: "x" } });
    expect(status).toBe(400);
    expect(json.error).toMatchObject({ type: "invalid_request_error", param: "variables" });
    expect((json.error as { message: string }).message).toContain("product, question");

    const sdk = await openai.chat.completions
      .create({ model: `prompt:${SLUG}`, messages: [] })
      .catch((error: unknown) => error);
    expect(sdk).toBeInstanceOf(OpenAI.BadRequestError);
    expect((sdk as Error).message).toContain("product, question");
    expect(world.fake.requests).toHaveLength(0);
  });

  it("404 for an unknown prompt, label or version", async () => {
    for (const model of ["prompt:nope", `prompt:${SLUG}@canary`, `prompt:${SLUG}@9`]) {
      const { status, json } = await chat({ model, variables: VARS });
      expect(status, model).toBe(404);
      expect(json.error).toMatchObject({ code: "not_found", param: "model" });
    }
    const malformed = await chat({ model: "prompt:Not A Slug", variables: VARS });
    expect(malformed.status).toBe(400);
    expect(world.fake.requests).toHaveLength(0);
  });

  it("the header form: the version's model, unless the client names one", async () => {
    expect((await chat({ variables: VARS }, { "x-gatehouse-prompt": `${SLUG}@2` })).status).toBe(
      200,
    );
    expect(lastBody()).toMatchObject({ model: "gpt-4o", messages: V2_RENDERED });

    const own = await chat(
      { model: ROUTES.openai, variables: VARS, messages: [{ role: "user", content: "more" }] },
      { "x-gatehouse-prompt": `${SLUG}@2` },
    );
    expect(own.status).toBe(200);
    expect(lastBody()).toMatchObject({
      model: "gpt-4o-mini",
      messages: [...V2_RENDERED, { role: "user", content: "more" }],
    });

    // an SDK that sends the header on every call still gets its embeddings
    const embeddings = await fetch(`${world.url}/v1/embeddings`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${world.key}`,
        "content-type": "application/json",
        "x-gatehouse-prompt": SLUG,
      },
      body: JSON.stringify({ model: ROUTES.embeddings, input: "hello" }),
    });
    expect(embeddings.status).toBe(200);
  });

  it("streams a rendered prompt (usage event included)", async () => {
    const { data: stream, response } = await openai.chat.completions
      .create(withVariables({ model: `prompt:${SLUG}`, stream: true, messages: [] }, VARS))
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text.length).toBeGreaterThan(0);
    expect(lastBody()).toMatchObject({ stream: true, messages: V1_RENDERED });
    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event).toMatchObject({ streamed: true, promptVersionId: v1.id });
    expect(event.outputTokens).toBeGreaterThan(0);
  });

  it("translates a prompt served by an Anthropic deployment (system → system)", async () => {
    expect(
      (await chat({ model: "prompt:triage", variables: { ticket: "Refund please" } })).status,
    ).toBe(200);
    const upstream = lastUpstream();
    expect(upstream.path).toBe("/v1/messages");
    expect(upstream.body).toMatchObject({
      model: ANTHROPIC_UPSTREAM_MODEL,
      system: "Triage tickets for billing.",
      messages: [{ role: "user", content: "Ticket: Refund please" }],
      temperature: 0.1,
      max_tokens: 64,
      stop_sequences: ["###"],
    });
  });

  it("applies the key's allowed models to the resolved alias", async () => {
    const { secret } = await publishNewKey(world.redis, world.workspaceId, {
      allowedModels: [ROUTES.anthropic],
    });
    const res = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: `prompt:${SLUG}`, variables: VARS }),
    });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("gpt-4o-mini");
    const ok = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "prompt:triage", variables: { ticket: "t" } }),
    });
    expect(ok.status).toBe(200);
  });
});

describe("prompt: models on /v1/messages", () => {
  it("puts the template's system messages into `system` (Anthropic deployment)", async () => {
    const { data, response } = await anthropic.messages
      .create({
        model: "prompt:triage@production",
        system: "Answer in French.",
        messages: [{ role: "user", content: "Also: urgent" }],
        // @ts-expect-error -- Gatehouse extension; max_tokens comes from the prompt
        variables: { ticket: "Card declined", team: "payments" },
      })
      .withResponse();
    expect(data.type).toBe("message");
    expect(lastBody()).toMatchObject({
      model: ANTHROPIC_UPSTREAM_MODEL,
      system: "Triage tickets for payments.\n\nAnswer in French.",
      messages: [
        { role: "user", content: "Ticket: Card declined" },
        { role: "user", content: "Also: urgent" },
      ],
      max_tokens: 64,
      temperature: 0.1,
      stop_sequences: ["###"],
    });
    const event = await waitForEvent(world.usageQueue, response.headers.get("x-request-id")!);
    expect(event).toMatchObject({
      endpoint: "messages",
      model: ROUTES.anthropic,
      promptId: "prompt_triage",
      promptVersionId: triage.id,
    });
  });

  it("streams through the OpenAI translation (OpenAI deployment)", async () => {
    const stream = anthropic.messages.stream(
      withVariables({ model: `prompt:${SLUG}@1`, max_tokens: 30, messages: [] }, VARS),
    );
    const message = await stream.finalMessage();
    expect(message.content[0]!.type).toBe("text");
    const upstream = lastUpstream();
    expect(upstream.path).toBe("/v1/chat/completions");
    expect(upstream.body).toMatchObject({
      model: "gpt-4o-mini",
      stream: true,
      messages: V1_RENDERED,
      temperature: 0.2,
    });
  });

  it("missing variables and unknown prompts answer in the Anthropic format", async () => {
    const missing = await anthropic.messages
      .create({ model: `prompt:${SLUG}`, max_tokens: 10, messages: [] })
      .catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(Anthropic.BadRequestError);
    expect((missing as Error).message).toContain("product, question");
    const unknown = await anthropic.messages
      .create({ model: "prompt:nope", max_tokens: 10, messages: [] })
      .catch((error: unknown) => error);
    expect(unknown).toBeInstanceOf(Anthropic.NotFoundError);
    expect((unknown as InstanceType<typeof Anthropic.NotFoundError>).error).toMatchObject({
      type: "error",
      error: { type: "not_found_error" },
    });
  });
});

describe("GET /v1/prompts/{slug}", () => {
  const read = (query: string, headers: Record<string, string> = {}) =>
    fetch(`${world.url}/v1/prompts/${SLUG}${query}`, {
      headers: { authorization: `Bearer ${world.key}`, ...headers },
    });

  it("returns the resolved version with a strong ETag; 304 while it is unchanged", async () => {
    await publishPrompts({ production: 1, staging: 2 });
    let res = await read("?label=production");
    for (
      let i = 0;
      res.status === 200 && ((await res.clone().json()) as { version: number }).version !== 1;
      i++
    ) {
      if (i > 50) throw new Error("label move not seen");
      res = await read("?label=production");
    }
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, max-age=0, must-revalidate");
    const etag = res.headers.get("etag")!;
    expect(etag).toMatch(/^"[^"]+"$/);
    expect(await res.json()).toEqual({
      object: "prompt.version",
      id: v1.id,
      prompt_id: "prompt_support",
      slug: SLUG,
      version: 1,
      label: "production",
      model: ROUTES.openai,
      messages: v1.messages,
      variables: [
        { name: "tone", required: false, default: "friendly" },
        { name: "product", required: true, default: null },
        { name: "question", required: true, default: null },
      ],
      params: v1.params,
    });

    const cached = await read("", { "if-none-match": etag });
    expect(cached.status).toBe(304);
    expect(await cached.text()).toBe("");
    expect(cached.headers.get("etag")).toBe(etag);

    const byVersion = await read("?version=2");
    expect(byVersion.status).toBe(200);
    expect(await byVersion.json()).toMatchObject({ version: 2, label: null, model: "smart" });

    // the label moves: the old ETag no longer matches
    await publishPrompts({ production: 2, staging: 2 });
    const started = performance.now();
    let moved = await read("?label=production", { "if-none-match": etag });
    while (moved.status === 304) {
      expect(performance.now() - started).toBeLessThan(1_000);
      moved = await read("?label=production", { "if-none-match": etag });
    }
    expect(moved.status).toBe(200);
    expect(moved.headers.get("etag")).not.toBe(etag);
    expect(await moved.json()).toMatchObject({ version: 2, id: v2.id });
    await publishPrompts({ production: 1, staging: 2 });
  });

  it("needs a virtual key; 404 for unknown prompts and labels", async () => {
    expect((await fetch(`${world.url}/v1/prompts/${SLUG}`)).status).toBe(401);
    expect((await read("?label=canary")).status).toBe(404);
    const unknown = await fetch(`${world.url}/v1/prompts/nope`, {
      headers: { authorization: `Bearer ${world.key}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ error: { code: "not_found" } });
    expect((await read("?version=abc")).status).toBe(400);
  });
});
