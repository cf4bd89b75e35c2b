import { PROMPT_HEADER, PROMPT_MODEL_PREFIX } from "@gatehouse/shared";
import { GatewayError } from "../errors";
import { applyPrompt, ENDPOINTS_WITH_PROMPTS } from "../prompts/apply-prompt";
import type { RequestContext } from "./context";

/** Prompt resolution (how a request names a prompt, and what rendering does): prompts/apply-prompt.ts. */

/**
 * The prompt reference of a request, or null (the common case: one string check on the model,
 * one header lookup). Called by validateRequest, which then skips the checks of the fields a
 * template supplies.
 */
export function promptRefOf(ctx: RequestContext, body: Record<string, unknown>): string | null {
  const model = body.model;
  if (typeof model === "string" && model.startsWith(PROMPT_MODEL_PREFIX)) {
    return model.slice(PROMPT_MODEL_PREFIX.length);
  }
  // the header is ignored where prompts do not apply (an SDK may send it on every call)
  const header = ctx.req.headers[PROMPT_HEADER];
  return typeof header === "string" &&
    header !== "" &&
    ENDPOINTS_WITH_PROMPTS.has(ctx.spec.endpoint!)
    ? header
    : null;
}

/**
 * Renders the requested prompt version into the request body (runs after authenticate, before
 * authorizeModel: the key's allowed models apply to the resolved alias). No-op for requests
 * without a prompt reference.
 */
export function resolvePrompt(ctx: RequestContext): void {
  const refText = ctx.promptRef;
  if (refText === null) return;
  const endpoint = ctx.spec.endpoint;
  if (endpoint === null || !ENDPOINTS_WITH_PROMPTS.has(endpoint)) {
    throw new GatewayError(
      "invalid_request",
      "Prompts can be used on /v1/chat/completions and /v1/messages only.",
      "model",
    );
  }
  const body = ctx.body!;
  const applied = applyPrompt(
    body,
    refText,
    ctx.workspace!.snapshot,
    ctx.clientFormat,
    endpoint,
    ctx.services.settings.defaultMaxTokens,
  );
  ctx.model = applied.model;
  // the body changed: the upstream request forwards rawBody when it changes nothing itself
  ctx.rawBody = Buffer.from(JSON.stringify(body));
  ctx.prompt = applied.resolved;
}
