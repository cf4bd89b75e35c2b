import { expect, it } from "vitest";
import { sliceUsage } from "./usage-slice";

const b = (s: string) => Buffer.from(s);

it("slices the top-level usage object out of a large body", () => {
  const embedding = Array.from({ length: 2000 }, (_, i) => (i / 7).toFixed(6)).join(",");
  const body = `{"object":"list","data":[{"object":"embedding","index":0,"embedding":[${embedding}]}],"model":"m","usage":{"prompt_tokens":8,"total_tokens":8}}`;
  expect(sliceUsage(b(body))).toEqual({ prompt_tokens: 8, total_tokens: 8 });
});

it("handles nested details, whitespace and escaped text before it", () => {
  const body = `{"choices":[{"message":{"content":"a \\"usage\\": {\\"x\\":1} trick"}}],\n  "usage" : {"prompt_tokens":3,"completion_tokens":2,"prompt_tokens_details":{"cached_tokens":1}}\n}`;
  expect(sliceUsage(b(body))).toEqual({
    prompt_tokens: 3,
    completion_tokens: 2,
    prompt_tokens_details: { cached_tokens: 1 },
  });
});

it("says null when there is no usage and undefined when unsure", () => {
  expect(sliceUsage(b(`{"id":"x"}`))).toBeNull();
  expect(sliceUsage(b(`{"usage":null}`))).toBeNull();
  expect(sliceUsage(b(`{"name":"usage","x":1}`))).toBeUndefined();
  expect(sliceUsage(b(`{"usage":{"prompt_tokens":1`))).toBeUndefined();
});
