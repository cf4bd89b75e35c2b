import { describe, expect, it } from "vitest";
import { createSseSplitter, peekIndex, peekType, sseEvent, trailingStringLiteral } from "./sse";

function split(chunks: Array<string | Buffer>): Array<[string | undefined, string]> {
  const events: Array<[string | undefined, string]> = [];
  const splitter = createSseSplitter((event, data) => events.push([event, data]));
  for (const chunk of chunks) splitter.feed(chunk);
  splitter.flush();
  return events;
}

describe("createSseSplitter", () => {
  it("splits events with and without names, ignoring comments", () => {
    expect(
      split([': keep-alive\n\nevent: ping\ndata: {"type":"ping"}\n\ndata: [DONE]\n\n']),
    ).toEqual([
      ["ping", '{"type":"ping"}'],
      [undefined, "[DONE]"],
    ]);
  });

  it("reassembles events and multi-byte characters split across chunks", () => {
    const bytes = Buffer.from('data: {"t":"café 🎉"}\n\ndata: {"t":"b"}\r\n\r\n', "utf8");
    const chunks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 3) chunks.push(bytes.subarray(i, i + 3));
    expect(split(chunks)).toEqual([
      [undefined, '{"t":"café 🎉"}'],
      [undefined, '{"t":"b"}'],
    ]);
  });

  it("joins multi-line data", () => {
    expect(split(["data: line1\ndata: line2\n\n"])).toEqual([[undefined, "line1\nline2"]]);
  });

  it("delivers a last event missing its blank line, but not a cut-off line", () => {
    expect(split(["data: a\n\ndata: [DONE]\n"])).toEqual([
      [undefined, "a"],
      [undefined, "[DONE]"],
    ]);
    expect(split(['data: a\n\ndata: {"choices":[{"delta":{"content":"hal'])).toEqual([
      [undefined, "a"],
    ]);
  });
});

describe("sse helpers", () => {
  it("writes events, one data line per line", () => {
    expect(sseEvent(undefined, "{}")).toBe("data: {}\n\n");
    expect(sseEvent("ping", "{}")).toBe("event: ping\ndata: {}\n\n");
    expect(sseEvent(undefined, "a\nb")).toBe("data: a\ndata: b\n\n");
  });

  it("peeks type and index", () => {
    expect(peekType('{"type":"message_stop"}')).toBe("message_stop");
    expect(peekType('{"type": "ping"}')).toBe("ping");
    expect(peekType("[DONE]")).toBeUndefined();
    expect(peekIndex('{"type":"content_block_delta","index":12,"delta":{}}')).toBe(12);
    expect(peekIndex("{}")).toBe(-1);
  });

  it("extracts a trailing string literal only when it is exactly one literal", () => {
    const marker = '"type":"text_delta","text":';
    const delta = (text: string) =>
      `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":${text}}}`;
    expect(trailingStringLiteral(delta('"Hi"'), marker)).toBe('"Hi"');
    expect(trailingStringLiteral(delta('"say \\"x\\" \\\\"'), marker)).toBe('"say \\"x\\" \\\\"');
    expect(trailingStringLiteral(delta('""'), marker)).toBe('""');
    expect(trailingStringLiteral(delta('"a","extra":"b"'), marker)).toBeNull();
    expect(trailingStringLiteral('{"delta":{"text":"Hi","type":"text_delta"}}', marker)).toBeNull();
  });
});
