import { describe, expect, it } from "vitest";
import { upstreamEndpointFor } from "./endpoints";

describe("upstreamEndpointFor", () => {
  it("maps chat endpoints across formats", () => {
    expect(upstreamEndpointFor("chat.completions", "anthropic")).toBe("messages");
    expect(upstreamEndpointFor("messages", "openai")).toBe("chat.completions");
    expect(upstreamEndpointFor("chat.completions", "openai")).toBe("chat.completions");
    expect(upstreamEndpointFor("messages", "anthropic")).toBe("messages");
  });

  it("has no translation for the rest", () => {
    expect(upstreamEndpointFor("embeddings", "anthropic")).toBeNull();
    expect(upstreamEndpointFor("responses", "anthropic")).toBeNull();
    expect(upstreamEndpointFor("messages.count_tokens", "openai")).toBeNull();
    expect(upstreamEndpointFor("embeddings", "openai")).toBe("embeddings");
  });
});
