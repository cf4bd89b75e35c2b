import { describe, expect, it } from "vitest";
import { clientText, fixtureEvents, fixtureText, pushAll } from "../fixtures/load";
import { createStreamTranslator } from "./create";

const responses = () =>
  createStreamTranslator("openai", "openai", "responses", {
    clientModel: "fast",
    clientWantsUsage: false,
  });

describe("openai → openai Responses stream pass-through", () => {
  it("forwards every event unchanged and takes usage from response.completed", () => {
    const translator = responses();
    expect(clientText(translator, fixtureEvents("responses-text"))).toBe(
      fixtureText("responses-text"),
    );
    expect(translator.completed).toBe(true);
    expect(translator.usage()).toEqual({ inputTokens: 37, outputTokens: 4, cachedInputTokens: 32 });
  });

  it("estimates from text deltas and sends a Responses error event when cut", () => {
    const translator = responses();
    pushAll(translator, fixtureEvents("responses-text").slice(0, 6));
    expect(translator.completed).toBe(false);
    expect(translator.usage()).toEqual({ inputTokens: 0, outputTokens: 2, cachedInputTokens: 0 });
    const error = translator.error("upstream went away");
    expect(error.startsWith("event: error\ndata: ")).toBe(true);
    expect(JSON.parse(error.slice("event: error\ndata: ".length))).toEqual({
      type: "error",
      code: "upstream_stream_error",
      message: "upstream went away",
      param: null,
      error: { message: "upstream went away", type: "api_error", code: "upstream_stream_error" },
    });
  });

  it("counts response.incomplete as an answer and response.failed as an error already told", () => {
    const incomplete = responses();
    incomplete.push(
      "response.incomplete",
      '{"type":"response.incomplete","response":{"status":"incomplete","usage":{"input_tokens":5,"output_tokens":16}}}',
    );
    expect(incomplete.completed).toBe(true);
    expect(incomplete.usage()).toEqual({ inputTokens: 5, outputTokens: 16, cachedInputTokens: 0 });

    const failed = responses();
    failed.push(
      "response.failed",
      '{"type":"response.failed","response":{"status":"failed","error":{"code":"server_error","message":"boom"},"usage":null}}',
    );
    expect(failed.completed).toBe(false);
    expect(failed.error("ended")).toBe("");
  });
});
