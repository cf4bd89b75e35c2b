import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, type World } from "./fixtures";
import { eventOf, lastUpstreamBody, startGuardedWorld, upstreamBodies } from "./guardrails-world";

/**
 * Masking and restoring through the official SDKs: the provider (the fake, which echoes the
 * user's words) only ever sees placeholders; the client gets its own values back, in JSON and
 * streamed answers, with the placeholder split across stream events at every position
 * (`piece_chars`), in both wire formats, translated or not, in text and tool-call arguments;
 * and what would be stored holds placeholders only.
 */

let world: World;
let openai: OpenAI;
let anthropic: Anthropic;

const EMAIL = "jane.doe@example.com";
const PHONE = "+44 20 7946 0958";
const PROMPT = `Mail ${EMAIL} or ${PHONE} soon please`;

beforeAll(async () => {
  world = await startGuardedWorld(
    { enabled: true },
    {
      prompts: [
        {
          id: "prompt_reply",
          slug: "reply",
          labels: { production: 1 },
          versions: [
            {
              id: "pv_reply_1",
              version: 1,
              messages: [{ role: "user", content: "Reply to {{customer}} now" }],
              variables: [{ name: "customer", default: null }],
              model: ROUTES.openai,
              params: {},
            },
          ],
        },
      ],
    },
  );
  openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
});
afterAll(async () => {
  await world?.close();
});

function expectMaskedUpstream(): void {
  const sent = JSON.stringify(lastUpstreamBody(world));
  expect(sent).toContain("[EMAIL_1]");
  expect(sent).toContain("[PHONE_1]");
  expect(sent).not.toContain(EMAIL);
  expect(sent).not.toContain("7946");
}

describe("JSON answers", () => {
  it("OpenAI chat: masked upstream, restored answer, findings and a masked payload log", async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: ROUTES.openai, messages: [{ role: "user", content: PROMPT }] })
      .withResponse();
    expectMaskedUpstream();
    expect(data.choices[0]!.message.content).toContain(`Mail ${EMAIL} or ${PHONE} soon`);
    const event = await eventOf(world, response);
    expect(event.guardrails).toEqual(
      expect.arrayContaining([
        { detector: "email", action: "mask", count: 1, in: "request" },
        { detector: "phone", action: "mask", count: 1, in: "request" },
      ]),
    );
    const stored = JSON.stringify(event.payload);
    expect(stored).toContain("[EMAIL_1]");
    expect(stored).not.toContain(EMAIL);
    expect(stored).not.toContain("7946");
  });

  it("Anthropic messages: the same", async () => {
    const message = await anthropic.messages.create({
      model: ROUTES.anthropic,
      max_tokens: 200,
      system: `You write to ${EMAIL}.`,
      messages: [{ role: "user", content: [{ type: "text", text: PROMPT }] }],
    });
    expectMaskedUpstream();
    expect(lastUpstreamBody(world).system).toBe("You write to [EMAIL_1].");
    const text = message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    expect(text).toContain(`Mail ${EMAIL} or ${PHONE} soon`);
  });

  it("translated both ways (OpenAI client → Anthropic upstream and back)", async () => {
    const chat = await openai.chat.completions.create({
      model: ROUTES.anthropic,
      messages: [{ role: "user", content: PROMPT }],
    });
    expectMaskedUpstream();
    expect(chat.choices[0]!.message.content).toContain(`Mail ${EMAIL} or`);
    const message = await anthropic.messages.create({
      model: ROUTES.openai,
      max_tokens: 200,
      messages: [{ role: "user", content: PROMPT }],
    });
    expectMaskedUpstream();
    expect(message.content[0]!.type === "text" && message.content[0]!.text).toContain(
      `Mail ${EMAIL} or`,
    );
  });

  it("/v1/responses input and embeddings input are masked; a Responses answer is restored", async () => {
    const answer = await openai.responses.create({ model: ROUTES.openai, input: PROMPT });
    expectMaskedUpstream();
    expect(answer.output_text).toContain(`Mail ${EMAIL} or`);
    await openai.embeddings.create({ model: ROUTES.embeddings, input: [PROMPT, "plain"] });
    expect(lastUpstreamBody(world).input).toEqual([
      "Mail [EMAIL_1] or [PHONE_1] soon please",
      "plain",
    ]);
  });

  it("tool-call arguments and tool results in the request are masked; arguments in the answer restored", async () => {
    // the model copies the placeholder it was shown into its tool call
    world.fake.faults.enqueue({ says: "[EMAIL_1]" });
    const completion = await openai.chat.completions.create({
      model: ROUTES.openai,
      messages: [
        { role: "user", content: `What is the weather for ${EMAIL}?` },
        {
          role: "assistant",
          content: null,
          tool_calls: [
            {
              id: "c1",
              type: "function",
              function: { name: "lookup", arguments: JSON.stringify({ who: EMAIL }) },
            },
          ],
        },
        { role: "tool", tool_call_id: "c1", content: `Found ${PHONE}` },
        { role: "user", content: `And the weather for ${EMAIL} again?` },
      ],
      tools: [
        {
          type: "function",
          function: {
            name: "notify",
            parameters: { type: "object", properties: { to: { type: "string" } } },
          },
        },
      ],
      tool_choice: "required",
    });
    const sent = lastUpstreamBody(world) as {
      messages: { content: unknown; tool_calls?: { function: { arguments: string } }[] }[];
    };
    expect(JSON.parse(sent.messages[1]!.tool_calls![0]!.function.arguments)).toEqual({
      who: "[EMAIL_1]",
    });
    expect(sent.messages[2]!.content).toBe("Found [PHONE_1]");
    expect(upstreamBodies(world)).not.toContain(EMAIL);
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(call.type === "function" && JSON.parse(call.function.arguments)).toEqual({ to: EMAIL });
  });

  it("Anthropic tool_use input and tool_result content are masked", async () => {
    await anthropic.messages.create({
      model: ROUTES.anthropic,
      max_tokens: 100,
      messages: [
        { role: "user", content: "Look this up" },
        {
          role: "assistant",
          content: [{ type: "tool_use", id: "t1", name: "lookup", input: { who: EMAIL, n: 1 } }],
        },
        {
          role: "user",
          content: [
            {
              type: "tool_result",
              tool_use_id: "t1",
              content: [{ type: "text", text: `Found ${PHONE}` }],
            },
          ],
        },
      ],
    });
    const sent = lastUpstreamBody(world) as {
      messages: { content: { input?: unknown; content?: { text: string }[] }[] }[];
    };
    expect(sent.messages[1]!.content[0]!.input).toEqual({ who: "[EMAIL_1]", n: 1 });
    expect(sent.messages[2]!.content[0]!.content![0]!.text).toBe("Found [PHONE_1]");
  });

  it("a rendered prompt template is scanned as the messages it became", async () => {
    const res = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${world.key}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "prompt:reply", variables: { customer: EMAIL } }),
    });
    expect(res.status).toBe(200);
    expect((lastUpstreamBody(world).messages as { content: string }[])[0]!.content).toBe(
      "Reply to [EMAIL_1] now",
    );
    const body = (await res.json()) as { choices: { message: { content: string } }[] };
    expect(body.choices[0]!.message.content).toContain(`Reply to ${EMAIL} now`);
  });
});

describe("streamed answers, a placeholder split across events at every position", () => {
  // the echoed answer "This is a fake reply to: Mail [EMAIL_1] or …" in pieces of n characters
  // puts a boundary at every position of the placeholder over n = 1 … 9
  const SIZES = [1, 2, 3, 4, 5, 6, 7, 8, 9];

  it("OpenAI chat stream (same format and translated)", async () => {
    for (const model of [ROUTES.openai, ROUTES.anthropic]) {
      for (const n of SIZES) {
        const stream = await openai.chat.completions.create({
          model,
          stream: true,
          messages: [{ role: "user", content: `[[fake:piece_chars=${n}]] ${PROMPT}` }],
        });
        let text = "";
        let events = 0;
        for await (const chunk of stream) {
          text += chunk.choices[0]?.delta.content ?? "";
          events++;
        }
        expect(text, `${model}, ${n}-character pieces`).toContain(`Mail ${EMAIL} or ${PHONE} soon`);
        expect(events).toBeGreaterThan(5);
      }
    }
    expect(upstreamBodies(world)).not.toContain(EMAIL);
  });

  it("Anthropic messages stream (same format and translated)", async () => {
    for (const model of [ROUTES.anthropic, ROUTES.openai]) {
      for (const n of SIZES) {
        const stream = anthropic.messages.stream({
          model,
          max_tokens: 1000,
          messages: [{ role: "user", content: `[[fake:piece_chars=${n}]] ${PROMPT}` }],
        });
        const message = await stream.finalMessage();
        const text = message.content.map((b) => (b.type === "text" ? b.text : "")).join("");
        expect(text, `${model}, ${n}-character pieces`).toContain(`Mail ${EMAIL} or ${PHONE} soon`);
      }
    }
  });

  it("tool-call argument deltas are restored, the placeholder split by the stream", async () => {
    const tools = [
      {
        type: "function" as const,
        function: {
          name: "notify",
          parameters: { type: "object", properties: { to: { type: "string" } } },
        },
      },
    ];
    world.fake.faults.enqueue({ says: "[EMAIL_1]" });
    const stream = await openai.chat.completions.create({
      model: ROUTES.openai,
      stream: true,
      messages: [{ role: "user", content: `Weather for ${EMAIL}?` }],
      tools,
      tool_choice: "required",
    });
    let args = "";
    for await (const chunk of stream)
      args += chunk.choices[0]?.delta.tool_calls?.[0]?.function?.arguments ?? "";
    expect(JSON.parse(args)).toEqual({ to: EMAIL });

    world.fake.faults.enqueue({ says: "[EMAIL_1]" });
    const aStream = anthropic.messages.stream({
      model: ROUTES.anthropic,
      max_tokens: 200,
      messages: [{ role: "user", content: `Weather for ${EMAIL}?` }],
      tools: [
        {
          name: "notify",
          input_schema: { type: "object", properties: { to: { type: "string" } } },
        },
      ],
      tool_choice: { type: "any" },
    });
    const message = await aStream.finalMessage();
    const use = message.content.find((b) => b.type === "tool_use");
    expect(use?.type === "tool_use" && use.input).toEqual({ to: EMAIL });
  });

  it("a streamed request's payload log holds the masked answer", async () => {
    const { response, data: stream } = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        stream: true,
        messages: [{ role: "user", content: `[[fake:piece_chars=3]] ${PROMPT}` }],
      })
      .withResponse();
    for await (const _ of stream) void _;
    const event = await eventOf(world, response);
    const stored = JSON.stringify(event.payload);
    expect(event.payload?.response).toContain("[EMAIL_1");
    expect(stored).not.toContain(EMAIL);
  });
});
