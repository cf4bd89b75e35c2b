import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishNewKey, ROUTES, type World } from "./fixtures";
import { eventOf, startGuardedWorld, upstreamBodies } from "./guardrails-world";

/**
 * `block`: a request holding a secret is refused before any provider call, in the client's
 * wire format, naming the detector and the field but never the value; a key's override
 * changes the action; an answer that leaks a secret is cut with an error event (streams) or
 * refused (JSON); nothing stored holds the value.
 */

let world: World;
let openai: OpenAI;
let anthropic: Anthropic;

const AWS = "AKIAIOSFODNN7EXAMPLE";
const GITHUB = "ghp_" + "Zx9".repeat(12);

beforeAll(async () => {
  world = await startGuardedWorld({ enabled: true });
  openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
});
afterAll(async () => {
  await world?.close();
});

describe("a secret in the request", () => {
  it("OpenAI format: 400 guardrail_blocked naming the detector and field, nothing sent upstream", async () => {
    const before = world.fake.requests.length;
    const error = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [{ role: "user", content: `deploy with ${AWS} please` }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.status).toBe(400);
    expect(apiError.error).toMatchObject({
      type: "invalid_request_error",
      code: "guardrail_blocked",
    });
    expect(apiError.message).toContain("aws_key (in messages[0].content)");
    expect(apiError.message).not.toContain(AWS);
    expect(world.fake.requests.length).toBe(before);

    const event = await eventOf(world, apiError);
    expect(event.errorType).toBe("guardrail_blocked");
    expect(event.guardrails).toEqual([
      { detector: "aws_key", action: "block", count: 1, in: "request" },
    ]);
    expect(JSON.stringify(event)).not.toContain(AWS);
  });

  it("Anthropic format: the error in Anthropic's shape", async () => {
    const before = world.fake.requests.length;
    const error = await anthropic.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 50,
        system: [{ type: "text", text: `token ${GITHUB}` }],
        messages: [{ role: "user", content: "hi" }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    const apiError = error as InstanceType<typeof Anthropic.BadRequestError>;
    expect(apiError.error).toMatchObject({
      type: "error",
      error: { type: "invalid_request_error" },
    });
    expect(apiError.message).toContain("github_token (in system[0].text)");
    expect(apiError.message).not.toContain(GITHUB);
    expect(world.fake.requests.length).toBe(before);
  });

  it("a key's override lets the secret through as `log`: recorded, and redacted in the payload log", async () => {
    const { secret } = await publishNewKey(world.redis, world.workspaceId, {
      guardrails: { actions: { aws_key: "log" } },
    });
    const client = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    const { response } = await client.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [{ role: "user", content: `the id is ${AWS} ok` }],
      })
      .withResponse();
    expect(response.status).toBe(200);
    expect(upstreamBodies(world)).toContain(AWS); // log: the provider gets it, by the key's choice
    const event = await eventOf(world, response);
    expect(event.guardrails).toContainEqual({
      detector: "aws_key",
      action: "log",
      count: 1,
      in: "request",
    });
    expect(event.payload?.request).toContain("[REDACTED_AWS_KEY]");
    expect(JSON.stringify(event.payload)).not.toContain(AWS);
  });
});

describe("a secret in what the request defines", () => {
  it("a tool's parameter schema and a structured-output schema are scanned: blocked, naming where", async () => {
    const before = world.fake.requests.length;
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "deploy",
          description: "Deploys the app",
          parameters: { type: "object", properties: { key: { type: "string", const: AWS } } },
        },
      },
    ];
    const error = await openai.chat.completions
      .create({ model: ROUTES.openai, messages: [{ role: "user", content: "deploy" }], tools })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect((error as Error).message).toContain("aws_key (in tools[0].parameters)");
    expect((error as Error).message).not.toContain(AWS);

    const schemaError = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [{ role: "user", content: "fill it in" }],
        response_format: {
          type: "json_schema",
          json_schema: {
            name: "form",
            schema: { type: "object", properties: { token: { enum: [GITHUB] } } },
          },
        },
      })
      .catch((e: unknown) => e);
    expect(schemaError).toBeInstanceOf(OpenAI.BadRequestError);
    expect((schemaError as Error).message).toContain(
      "github_token (in response_format.json_schema.schema)",
    );

    const anthropicError = await anthropic.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 50,
        messages: [{ role: "user", content: "deploy" }],
        tools: [
          {
            name: "deploy",
            description: `Use the key ${AWS}`,
            input_schema: { type: "object", properties: {} },
          },
        ],
      })
      .catch((e: unknown) => e);
    expect(anthropicError).toBeInstanceOf(Anthropic.BadRequestError);
    expect((anthropicError as Error).message).toContain("aws_key (in tools[0].description)");
    expect(world.fake.requests.length).toBe(before);
  });
});

describe("a secret in the answer", () => {
  // a model that writes a secret it was never given (queued on the fake, not in the prompt)
  const leak = () => world.fake.faults.enqueue({ says: `Your token is ${GITHUB} so use it well` });

  it("a streamed answer is cut with an error event in the client's format, recorded as the block it was", async () => {
    leak();
    const { data: stream, response } = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        stream: true,
        max_tokens: 30,
        messages: [{ role: "user", content: "my token please" }],
      })
      .withResponse();
    let text = "";
    const error = await (async () => {
      for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain("github_token");
    expect(text).toContain("Your token is");
    expect(text).not.toContain("ghp_");
    expect(text).not.toContain("use it well");
    // the guardrail ended it, not the provider (which the relay stopped reading)
    const event = await eventOf(world, response);
    expect(event).toMatchObject({ status: 200, streamed: true, errorType: "guardrail_blocked" });
    expect(event.inputTokens).toBeGreaterThan(0);
    expect(JSON.stringify(event)).not.toContain(GITHUB);

    leak();
    const aStream = anthropic.messages.stream({
      model: ROUTES.anthropic,
      max_tokens: 30,
      messages: [{ role: "user", content: "my token please" }],
    });
    let aText = "";
    aStream.on("text", (delta) => (aText += delta));
    const aError = await aStream.finalMessage().catch((e: unknown) => e);
    expect(aError).toBeInstanceOf(Error);
    expect((aError as Error).message).toContain("github_token");
    expect(aText).not.toContain("ghp_");
  });

  it("a JSON answer is refused with guardrail_blocked; the event records it as a response finding", async () => {
    leak();
    const error = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        max_tokens: 30,
        messages: [{ role: "user", content: "my token please" }],
      })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>;
    expect(apiError.message).toContain("github_token");
    expect(apiError.message).not.toContain(GITHUB);
    const event = await eventOf(world, apiError);
    // refused, and billed: the provider generated the answer
    expect(event).toMatchObject({ status: 400, errorType: "guardrail_blocked" });
    expect(event.inputTokens).toBeGreaterThan(0);
    expect(event.outputTokens).toBeGreaterThan(0);
    expect(BigInt(event.costNanoUsd)).toBeGreaterThan(0n);
    expect(event.guardrails).toContainEqual({
      detector: "github_token",
      action: "block",
      count: 1,
      in: "response",
    });
    expect(JSON.stringify(event)).not.toContain(GITHUB);
  });
});
