import { JSON_TYPE, sendBody } from "../http/send";
import { estimateAnthropicInputTokens } from "../tokens/estimate";
import type { RequestContext } from "./context";

/** count_tokens for a route whose provider cannot count in this format: estimated here. */
export function countTokensLocally(ctx: RequestContext): void | Promise<void> {
  if (ctx.upstream?.mode !== "local-count") return;
  return estimateAnthropicInputTokens(ctx.body!).then((inputTokens) => {
    sendBody(ctx, 200, JSON_TYPE, JSON.stringify({ input_tokens: inputTokens }));
    ctx.done = true;
  });
}
