import { GuardrailPolicySchema, type WireFormat } from "@gatehouse/shared";
import { GuardrailScanner } from "@gatehouse/shared/guardrails";
import { describe, expect, it } from "vitest";
import { GatewayError } from "../errors";
import { createResponseChain } from "../translate/stream/create";
import { AnswerGuard } from "./answer-guard";
import { REASSEMBLED_NOTE, RequestGuard, streamForStorage } from "./request-guard";

/**
 * The answer transform over the real response chain (parsers, serialisers) for every pair of
 * client and upstream formats: a placeholder split at every possible boundary between two
 * upstream events comes out restored, in text and in tool-call arguments; a blocked secret
 * cuts the stream with an error event; JSON answers restore both ways.
 */

const EMAIL = "jane.o'neil@example.com";
const policy = GuardrailPolicySchema.parse({
  enabled: true,
  actions: { github_token: "block", aws_key: "redact" },
});

function guarded(): RequestGuard {
  const guard = new RequestGuard(new GuardrailScanner(policy), null);
  expect(guard.scanText(`write to ${EMAIL}`, "text", "messages[0].content")).toBe(
    "write to [EMAIL_1]",
  );
  return guard;
}

type Sse = { event: string | undefined; data: string }[];

function openaiUpstream(text: string[], args: string[]): Sse {
  const chunk = (delta: object, finish: string | null = null) => ({
    event: undefined,
    data: JSON.stringify({
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-4o-mini",
      choices: [{ index: 0, delta, finish_reason: finish }],
    }),
  });
  const events: Sse = [chunk({ role: "assistant", content: "" })];
  for (const t of text) events.push(chunk({ content: t }));
  if (args.length > 0) {
    events.push(
      chunk({
        tool_calls: [
          { index: 0, id: "call_1", type: "function", function: { name: "send", arguments: "" } },
        ],
      }),
    );
    for (const a of args)
      events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: a } }] }));
  }
  events.push(chunk({}, args.length > 0 ? "tool_calls" : "stop"));
  events.push({
    event: undefined,
    data: JSON.stringify({
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1,
      model: "gpt-4o-mini",
      choices: [],
      usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 },
    }),
  });
  events.push({ event: undefined, data: "[DONE]" });
  return events;
}

function anthropicUpstream(text: string[], args: string[]): Sse {
  const ev = (type: string, body: object) => ({
    event: type,
    data: JSON.stringify({ type, ...body }),
  });
  const events: Sse = [
    ev("message_start", {
      message: {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: "claude",
        content: [],
        stop_reason: null,
        usage: { input_tokens: 5, output_tokens: 1 },
      },
    }),
    ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } }),
  ];
  for (const t of text)
    events.push(ev("content_block_delta", { index: 0, delta: { type: "text_delta", text: t } }));
  events.push(ev("content_block_stop", { index: 0 }));
  if (args.length > 0) {
    events.push(
      ev("content_block_start", {
        index: 1,
        content_block: { type: "tool_use", id: "toolu_1", name: "send", input: {} },
      }),
    );
    for (const a of args)
      events.push(
        ev("content_block_delta", {
          index: 1,
          delta: { type: "input_json_delta", partial_json: a },
        }),
      );
    events.push(ev("content_block_stop", { index: 1 }));
  }
  events.push(
    ev("message_delta", {
      delta: { stop_reason: args.length > 0 ? "tool_use" : "end_turn" },
      usage: { output_tokens: 7 },
    }),
  );
  events.push(ev("message_stop", {}));
  return events;
}

interface ClientView {
  text: string;
  args: string;
  errors: string[];
}

/** What a client reads out of the stream text, in its format. */
function read(format: WireFormat, out: string): ClientView {
  const view: ClientView = { text: "", args: "", errors: [] };
  for (const block of out.split("\n\n")) {
    const data = block
      .split("\n")
      .find((l) => l.startsWith("data: "))
      ?.slice(6);
    if (data === undefined || data === "[DONE]") continue;
    const json = JSON.parse(data);
    if (format === "openai") {
      if (json.error) view.errors.push(json.error.message);
      const delta = json.choices?.[0]?.delta ?? {};
      if (typeof delta.content === "string") view.text += delta.content;
      for (const call of delta.tool_calls ?? []) view.args += call.function?.arguments ?? "";
    } else {
      if (json.type === "error") view.errors.push(json.error.message);
      if (json.delta?.type === "text_delta") view.text += json.delta.text;
      if (json.delta?.type === "input_json_delta") view.args += json.delta.partial_json;
    }
  }
  return view;
}

function run(
  client: WireFormat,
  upstream: WireFormat,
  guard: RequestGuard,
  text: string[],
  args: string[] = [],
) {
  const transform = new AnswerGuard(guard);
  const chain = createResponseChain(
    client,
    upstream,
    client === "openai" ? "chat.completions" : "messages",
    { clientModel: "m", clientWantsUsage: false },
    [transform],
  );
  const events = upstream === "openai" ? openaiUpstream(text, args) : anthropicUpstream(text, args);
  let out = "";
  for (const e of events) out += chain.push(e.event, e.data);
  out += chain.end();
  return { view: read(client, out), transform };
}

const PAIRS: [WireFormat, WireFormat][] = [
  ["openai", "openai"],
  ["anthropic", "anthropic"],
  ["openai", "anthropic"],
  ["anthropic", "openai"],
];

describe("restoring placeholders in streamed answers", () => {
  const answer = "Sent to [EMAIL_1]. Also [EMAIL_9] stays and [x] too.";
  const restored = `Sent to ${EMAIL}. Also [EMAIL_9] stays and [x] too.`;
  const args = '{"to":"[EMAIL_1]","cc":"[EMAIL_1]"}';
  const restoredArgs = JSON.stringify({ to: EMAIL, cc: EMAIL });

  for (const [client, upstream] of PAIRS) {
    it(`${client} client, ${upstream} upstream: text split at every boundary`, () => {
      for (let i = 0; i <= answer.length; i++) {
        const { view } = run(client, upstream, guarded(), [answer.slice(0, i), answer.slice(i)]);
        expect(view.text).toBe(restored);
      }
    });

    it(`${client} client, ${upstream} upstream: tool-call arguments split at every boundary`, () => {
      for (let i = 0; i <= args.length; i++) {
        const { view } = run(
          client,
          upstream,
          guarded(),
          ["Sending."],
          [args.slice(0, i), args.slice(i)],
        );
        expect(view.text).toBe("Sending.");
        expect(JSON.parse(view.args)).toEqual(JSON.parse(restoredArgs));
      }
    });

    it(`${client} client, ${upstream} upstream: one character per event`, () => {
      const { view } = run(client, upstream, guarded(), [...answer], [...args]);
      expect(view.text).toBe(restored);
      expect(JSON.parse(view.args)).toEqual({ to: EMAIL, cc: EMAIL });
    });

    it(`${client} client, ${upstream} upstream: a secret in the answer is redacted or cuts the stream`, () => {
      const aws = "AKIAIOSFODNN7EXAMPLE";
      const redacted = run(client, upstream, guarded(), ["key: AKIAIOSF", "ODNN7EXAMPLE ok"]);
      expect(redacted.view.text).toBe("key: [REDACTED_AWS_KEY] ok");
      expect(redacted.view.text).not.toContain(aws);

      const token = "ghp_" + "Ab1".repeat(12);
      const cut = run(client, upstream, guarded(), [
        "Your token: ",
        token.slice(0, 10),
        token.slice(10) + " and more",
      ]);
      expect(cut.view.text).toBe("Your token: ");
      expect(cut.view.errors).toHaveLength(1);
      expect(cut.view.errors[0]).toContain("github_token");
      expect(cut.transform.blocked).toBe("github_token");
    });
  }

  it("a held prefix is released when the stream ends without closing it", () => {
    const { view } = run("openai", "openai", guarded(), ["Look: [EMAIL_"]);
    expect(view.text).toBe("Look: [EMAIL_");
  });
});

describe("restoring placeholders in JSON answers", () => {
  it("same format: the provider's bytes, every field kept, restored in text and arguments", () => {
    const body = {
      id: "chatcmpl-1",
      object: "chat.completion",
      system_fingerprint: "fp_1",
      choices: [
        {
          index: 0,
          message: {
            role: "assistant",
            content: "To [EMAIL_1].",
            tool_calls: [
              {
                id: "c",
                type: "function",
                function: { name: "send", arguments: '{"to":"[EMAIL_1]"}' },
              },
            ],
          },
          finish_reason: "stop",
        },
      ],
    };
    const out = JSON.parse(
      new AnswerGuard(guarded()).rawJson(Buffer.from(JSON.stringify(body))).toString(),
    );
    expect(out.system_fingerprint).toBe("fp_1");
    expect(out.choices[0].message.content).toBe(`To ${EMAIL}.`);
    expect(JSON.parse(out.choices[0].message.tool_calls[0].function.arguments)).toEqual({
      to: EMAIL,
    });
  });

  it("translated: the message hook restores text and tool-call arguments", () => {
    const message = new AnswerGuard(guarded()).message({
      id: "m",
      finishReason: "stop",
      usage: null,
      content: [
        { type: "text", text: "Hi [EMAIL_1]" },
        { type: "tool_call", id: "t", name: "send", arguments: '{"to":"[EMAIL_1]"}' },
      ],
    });
    expect(message.content[0]).toEqual({ type: "text", text: `Hi ${EMAIL}` });
    expect(JSON.parse((message.content[1] as { arguments: string }).arguments)).toEqual({
      to: EMAIL,
    });
  });

  it("a blocked secret in a JSON answer is a guardrail_blocked error naming the detector", () => {
    const token = "ghp_" + "Ab1".repeat(12);
    // same format: the raw bytes; the guard notes the block, the caller refuses the answer
    const raw = new AnswerGuard(guarded());
    expect(raw.blockedError()).toBeNull();
    raw.rawJson(Buffer.from(JSON.stringify({ choices: [{ message: { content: token } }] })));
    expect(raw.blocked).toBe("github_token");
    // translated: the typed message
    const typed = new AnswerGuard(guarded());
    typed.message({
      id: null,
      finishReason: "stop",
      usage: null,
      content: [{ type: "text", text: token }],
    });
    for (const guard of [raw, typed]) {
      const error = guard.blockedError();
      expect(error).toBeInstanceOf(GatewayError);
      expect(error!.type).toBe("guardrail_blocked");
      expect(error!.message).toContain("github_token");
      expect(error!.message).not.toContain(token);
    }
  });
});

describe("what is stored", () => {
  it("the restored answer is masked again, a logged value redacted, a cut value dropped", () => {
    const guard = guarded();
    expect(guard.forStorage(`{"content":"To ${EMAIL}"}`)).toBe('{"content":"To [EMAIL_1]"}');
    expect(guard.forStorage(`To jane.o'neil@exa`)).toBe("To ");
    const logging = new RequestGuard(
      new GuardrailScanner(
        GuardrailPolicySchema.parse({ enabled: true, actions: { phone: "log" } }),
      ),
      null,
    );
    expect(logging.scanText("call +44 20 7946 0958", "text", "input")).toBe(
      "call +44 20 7946 0958",
    );
    expect(logging.forStorage('{"input":"call +44 20 7946 0958"}')).toBe(
      '{"input":"call [REDACTED_PHONE]"}',
    );
    expect(logging.tally.toFindings()).toEqual([
      { detector: "phone", action: "log", count: 1, in: "request" },
    ]);
  });

  it("a logged value the model wrote across stream events is not stored, in either format", () => {
    const logging = new RequestGuard(
      new GuardrailScanner(
        GuardrailPolicySchema.parse({ enabled: true, actions: { phone: "log" } }),
      ),
      null,
    );
    logging.scanText("call +44 20 7946 0958", "text", "input");
    const openaiSse = ["Call +44 20 ", "7946 0958 now"]
      .map((t) => `data: {"choices":[{"index":0,"delta":{"content":${JSON.stringify(t)}}}]}\n\n`)
      .join("");
    const anthropicSse = ["Call +44 20 79", "46 0958 now"]
      .map(
        (t) =>
          `event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${JSON.stringify(t)}}}\n\n`,
      )
      .join("");
    for (const sse of [openaiSse, anthropicSse]) {
      const stored = streamForStorage(logging, sse);
      expect(stored).not.toContain("7946");
      expect(stored.startsWith(REASSEMBLED_NOTE)).toBe(true);
      expect(stored).toContain("Call [REDACTED_PHONE] now");
    }
    // nothing split: the stream is stored as it went out
    const whole = `data: {"choices":[{"index":0,"delta":{"content":"Hello there"}}]}\n\n`;
    expect(streamForStorage(logging, whole)).toBe(whole);
  });
});
