import { describe, expect, it } from "vitest";
import { safeCallbackUrl } from "./safe-callback-url";

describe("safeCallbackUrl", () => {
  it("keeps paths on this site", () => {
    expect(safeCallbackUrl("/dashboard")).toBe("/dashboard");
    expect(safeCallbackUrl("/dashboard?tab=keys#top")).toBe("/dashboard?tab=keys#top");
    expect(safeCallbackUrl(["/a", "/b"])).toBe("/a");
  });

  it("sends anything else to the dashboard", () => {
    for (const bad of [
      undefined,
      "",
      "dashboard",
      "https://evil.example/",
      "//evil.example",
      "/\\evil.example",
      "/\tevil",
      "javascript:alert(1)",
    ]) {
      expect(safeCallbackUrl(bad)).toBe("/dashboard");
    }
  });
});
