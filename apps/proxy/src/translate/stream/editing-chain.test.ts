import { GuardrailPolicySchema } from "@gatehouse/shared";
import { GuardrailScanner } from "@gatehouse/shared/guardrails";
import { describe, expect, it } from "vitest";
import { AnswerGuard } from "../../guardrails/answer-guard";
import { RequestGuard } from "../../guardrails/request-guard";
import { UsageAccounting } from "../../response/transforms/usage-accounting";
import { createSseSplitter } from "../sse";
import { createResponseChain } from "./create";

/**
 * The editing chain (same format both sides, a transform that needs the content): every
 * upstream event the transforms do not change goes out byte for byte — Anthropic's thinking
 * and signature deltas, server-tool blocks, citations, pings; OpenAI's role and finish chunks,
 * extra fields — while the content deltas go through the answer guard (placeholders restored,
 * secrets cut), whatever the split of the upstream bytes.
 */

const EMAIL = "jane.o'neil@example.com";
const policy = GuardrailPolicySchema.parse({
  enabled: true,
  actions: { email: "mask", github_token: "block" },
  scanResponses: true,
});

function guarded(): RequestGuard {
  const guard = new RequestGuard(new GuardrailScanner(policy), null);
  expect(guard.scanText(`write to ${EMAIL}`, "text", "messages[0].content")).toBe(
    "write to [EMAIL_1]",
  );
  return guard;
}

const sse = (event: string | undefined, body: object | string) =>
  `${event === undefined ? "" : `event: ${event}\n`}data: ${typeof body === "string" ? body : JSON.stringify(body)}\n\n`;

/** An Anthropic stream with extended thinking, a web search (server tool + result with
 * citations) and a text answer whose placeholder is split across deltas. */
function anthropicStream(text: string[]): { wire: string; kept: string[] } {
  const kept = [
    sse("message_start", {
      type: "message_start",
      message: {
        id: "msg_1",
        type: "message",
        role: "assistant",
        model: "claude-sonnet-4-5",
        content: [],
        stop_reason: null,
        usage: { input_tokens: 20, output_tokens: 1 },
      },
    }),
    sse("content_block_start", {
      type: "content_block_start",
      index: 0,
      content_block: { type: "thinking", thinking: "", signature: "" },
    }),
    sse("content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "thinking_delta", thinking: "The user wants the address." },
    }),
    sse("content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: {
        type: "signature_delta",
        signature: "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pk",
      },
    }),
    sse("content_block_stop", { type: "content_block_stop", index: 0 }),
    sse("ping", { type: "ping" }),
    sse("content_block_start", {
      type: "content_block_start",
      index: 1,
      content_block: {
        type: "server_tool_use",
        id: "srvtoolu_1",
        name: "web_search",
        input: {},
      },
    }),
    sse("content_block_delta", {
      type: "content_block_delta",
      index: 1,
      delta: { type: "input_json_delta", partial_json: '{"query":"contact"}' },
    }),
    sse("content_block_stop", { type: "content_block_stop", index: 1 }),
    sse("content_block_start", {
      type: "content_block_start",
      index: 2,
      content_block: {
        type: "web_search_tool_result",
        tool_use_id: "srvtoolu_1",
        content: [{ type: "web_search_result", url: "https://example.com", title: "Ex" }],
      },
    }),
    sse("content_block_stop", { type: "content_block_stop", index: 2 }),
    sse("content_block_start", {
      type: "content_block_start",
      index: 3,
      content_block: { type: "text", text: "" },
    }),
    sse("content_block_delta", {
      type: "content_block_delta",
      index: 3,
      delta: {
        type: "citations_delta",
        citation: {
          type: "web_search_result_location",
          url: "https://example.com",
          cited_text: "x",
        },
      },
    }),
  ];
  const deltas = text.map((t) =>
    sse("content_block_delta", {
      type: "content_block_delta",
      index: 3,
      delta: { type: "text_delta", text: t },
    }),
  );
  const tail = [
    sse("content_block_stop", { type: "content_block_stop", index: 3 }),
    sse("message_delta", {
      type: "message_delta",
      delta: { stop_reason: "end_turn", stop_sequence: null },
      usage: { output_tokens: 42 },
    }),
    sse("message_stop", { type: "message_stop" }),
  ];
  return { wire: [...kept, ...deltas, ...tail].join(""), kept: [...kept, ...tail] };
}

function openaiStream(text: string[]): { wire: string; kept: string[] } {
  const chunk = (delta: object, finish: string | null = null, extra: object = {}) =>
    sse(undefined, {
      id: "chatcmpl-9",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: "gpt-4o-mini-2024-07-18",
      service_tier: "default",
      system_fingerprint: "fp_1",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...extra,
    });
  const kept = [chunk({ role: "assistant", content: "", refusal: null })];
  const deltas = text.map((t) => chunk({ content: t }));
  const tail = [
    chunk({}, "stop"),
    sse(undefined, {
      id: "chatcmpl-9",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: "gpt-4o-mini-2024-07-18",
      choices: [],
      usage: { prompt_tokens: 9, completion_tokens: 7, total_tokens: 16 },
    }),
    "data: [DONE]\n\n",
  ];
  return { wire: [...kept, ...deltas, ...tail].join(""), kept: [...kept, ...tail] };
}

/** Runs `wire` through the chain, split into two upstream chunks at `at`. */
function relay(format: "openai" | "anthropic", wire: string, at: number, guard = guarded()) {
  const answer = new AnswerGuard(guard);
  const usage = new UsageAccounting();
  const chain = createResponseChain(
    format,
    format,
    format === "openai" ? "chat.completions" : "messages",
    { clientModel: "m", clientWantsUsage: true },
    [answer, usage],
  );
  let out = "";
  const splitter = createSseSplitter((event, data) => (out += chain.push(event, data)));
  const bytes = Buffer.from(wire);
  splitter.feed(bytes.subarray(0, at));
  splitter.feed(bytes.subarray(at));
  splitter.flush();
  out += chain.cutBy === null ? chain.end() : "";
  return { out, chain, answer, usage };
}

/** The client's events, and the text of its content deltas. */
function read(format: "openai" | "anthropic", out: string) {
  const events = out
    .split("\n\n")
    .filter((e) => e !== "")
    .map((e) => `${e}\n\n`);
  let text = "";
  for (const e of events) {
    const data = e.slice(e.indexOf("data: ") + 6, -2);
    if (data === "[DONE]") continue;
    const body = JSON.parse(data) as {
      delta?: { type?: string; text?: string };
      choices?: { delta?: { content?: string } }[];
    };
    if (format === "anthropic" && body.delta?.type === "text_delta") text += body.delta.text;
    if (format === "openai") text += body.choices?.[0]?.delta?.content ?? "";
  }
  return { events, text };
}

describe("the editing chain", () => {
  for (const [format, make] of [
    ["anthropic", anthropicStream],
    ["openai", openaiStream],
  ] as const) {
    it(`${format}: every event but the content deltas goes out byte for byte, the placeholder is restored, at every split`, () => {
      const { wire, kept } = make(["Write to [EM", "AIL_1] today", "; thanks."]);
      const reference = relay(format, wire, 0);
      const { events, text } = read(format, reference.out);
      expect(text).toBe(`Write to ${EMAIL} today; thanks.`);
      // in order, untouched: thinking, signature, server tool, search result, citations,
      // pings, role and finish chunks, usage, the end
      const untouched = events.filter((e) => kept.includes(e));
      expect(untouched).toEqual(kept);
      expect(reference.usage.usage).toMatchObject(
        format === "anthropic" ? { inputTokens: 20, outputTokens: 42 } : { inputTokens: 9 },
      );
      // held text lands in its block: nothing of it after the block's stop
      if (format === "anthropic") {
        const stop = events.findIndex((e) => e.includes('"content_block_stop","index":3'));
        expect(events.slice(stop).some((e) => e.includes("text_delta"))).toBe(false);
      } else {
        const finish = events.findIndex((e) => e.includes('"finish_reason":"stop"'));
        expect(events.slice(finish).some((e) => e.includes('"content":"'))).toBe(false);
      }
      for (let at = 1; at < Buffer.byteLength(wire); at++) {
        expect(relay(format, wire, at).out, `split at byte ${at}`).toBe(reference.out);
      }
    });
  }

  it("content deltas the guard does not change go out as the upstream's own bytes (answers scanned too)", () => {
    // guarded(): e-mail masked, answers scanned for secrets; nothing here is either
    for (const [format, make] of [
      ["anthropic", anthropicStream],
      ["openai", openaiStream],
    ] as const) {
      const { wire } = make(["Hello ", "there, ", "how are you?"]);
      expect(relay(format, wire, 0).out).toBe(wire);
    }
    // OpenAI's extra per-chunk fields (obfuscation, logprobs) survive an unchanged delta
    const chunk = (content: string) =>
      sse(undefined, {
        id: "c",
        object: "chat.completion.chunk",
        created: 1,
        model: "gpt-5",
        choices: [{ index: 0, delta: { content }, logprobs: { content: [] }, finish_reason: null }],
        obfuscation: "x1y2",
      });
    const wire =
      sse(undefined, {
        id: "c",
        object: "chat.completion.chunk",
        created: 1,
        model: "gpt-5",
        choices: [{ index: 0, delta: { role: "assistant", content: "" } }],
      }) +
      chunk("Plain ") +
      chunk("words.") +
      "data: [DONE]\n\n";
    expect(relay("openai", wire, 0).out).toBe(wire);
  });

  it("anthropic: a text block that opens with text goes out opened empty, its text restored as a delta", () => {
    const wire =
      sse("message_start", {
        type: "message_start",
        message: { id: "msg_2", usage: { input_tokens: 3, output_tokens: 1 } },
      }) +
      sse("content_block_start", {
        type: "content_block_start",
        index: 0,
        content_block: { type: "text", text: "Hi [EMAIL_1]" },
      }) +
      sse("content_block_stop", { type: "content_block_stop", index: 0 }) +
      sse("message_delta", {
        type: "message_delta",
        delta: { stop_reason: "end_turn" },
        usage: { output_tokens: 3 },
      }) +
      sse("message_stop", { type: "message_stop" });
    const { events, text } = read("anthropic", relay("anthropic", wire, 0).out);
    expect(text).toBe(`Hi ${EMAIL}`);
    expect(events[1]).toContain('"content_block":{"type":"text","text":""}');
  });

  it("openai: a chunk with both content and finish_reason keeps the finish, after the content", () => {
    const base = {
      id: "c",
      object: "chat.completion.chunk",
      created: 1,
      model: "gemini-2.5-flash",
    };
    const wire =
      sse(undefined, {
        ...base,
        choices: [{ index: 0, delta: { role: "assistant", content: "To [EMAIL_1]" } }],
      }) +
      sse(undefined, {
        ...base,
        choices: [{ index: 0, delta: { content: " ok" }, finish_reason: "stop" }],
      }) +
      "data: [DONE]\n\n";
    const { events, text } = read("openai", relay("openai", wire, 0).out);
    expect(text).toBe(`To ${EMAIL} ok`);
    const finish = events.findIndex((e) => e.includes('"finish_reason":"stop"'));
    expect(finish).toBe(events.length - 2);
    expect(events[0]).toContain('"role":"assistant"');
  });

  it("a blocked secret cuts the stream: the format's error event, then nothing, and the chain says so", () => {
    const secret = "ghp_" + "Ab1".repeat(12);
    for (const [format, make] of [
      ["anthropic", anthropicStream],
      ["openai", openaiStream],
    ] as const) {
      const { wire } = make(["Your token: ", `${secret} `, "use it well."]);
      const { out, chain, answer } = relay(format, wire, 0);
      expect(chain.cutBy).toBe("guardrail_blocked");
      expect(answer.blocked).toBe("github_token");
      expect(out).not.toContain("ghp_");
      expect(out).not.toContain("use it well");
      const last = out.trimEnd().split("\n\n").at(-1)!;
      expect(last).toContain("github_token");
      expect(last).toContain(format === "anthropic" ? "event: error" : '"error"');
      // nothing more goes out once cut
      expect(chain.push(undefined, '{"choices":[{"index":0,"delta":{"content":"more"}}]}')).toBe(
        "",
      );
    }
  });
});
