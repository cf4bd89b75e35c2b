import { GatewayError } from "../errors";
import { AnswerGuard, GUARDRAIL_BLOCKED } from "../guardrails/answer-guard";
import { RequestGuard, scrubUnguarded, streamForStorage } from "../guardrails/request-guard";
import { scannerFor } from "../guardrails/scanners";
import type { RequestContext } from "./context";

/**
 * The guardrails request stage (after resolvePrompt, so rendered prompt templates are
 * scanned as the messages they became; before authorizeModel and the limits, which then see
 * the masked body): the workspace's policy with the key's overrides, compiled once per
 * snapshot. `block` refuses before any provider call, in the client's wire format, naming the
 * detector and the field (never the value); `mask`/`redact` rewrite ctx.body and ctx.rawBody,
 * which every attempt's upstream request is built from; `log` only counts. A workspace with
 * guardrails off costs one boolean check.
 */
export function guardRequest(ctx: RequestContext): void {
  const policy = ctx.workspace!.snapshot.guardrails;
  if (!policy.enabled) return;
  const scanner = scannerFor(policy, ctx.key!.snapshot.guardrails, (names) =>
    ctx.services.log.warn("guardrails: custom patterns left out (invalid or unsafe)", {
      workspaceId: ctx.workspace!.snapshot.workspaceId,
      patterns: names,
    }),
  );
  if (!scanner.active) return;
  const guard = new RequestGuard(scanner, ctx.rawBody);
  ctx.guard = guard;
  if (guard.scanBody(ctx.spec.endpoint!, ctx.body!)) {
    // upstream requests forward rawBody when they change nothing themselves
    ctx.rawBody = Buffer.from(JSON.stringify(ctx.body));
  }
  if (guard.blocked.size > 0) throw new GatewayError(GUARDRAIL_BLOCKED, guard.blockMessage());
}

/**
 * The answer transform of a guarded request (respond.ts), when it has something to do: restore
 * placeholders, or scan the answer. Streams only where the response chain parses the client's
 * stream format into events (chat completions and messages): a /v1/responses or legacy
 * completions stream of a masked request keeps its placeholders (documented in README).
 */
export function answerGuardFor(ctx: RequestContext): AnswerGuard | null {
  const guard = ctx.guard;
  if (guard === null || (!guard.masked && !guard.scanner.answersScanned)) return null;
  const endpoint = ctx.spec.endpoint;
  if (endpoint === "embeddings" || endpoint === "messages.count_tokens") return null;
  if (ctx.stream && endpoint !== "chat.completions" && endpoint !== "messages") return null;
  return new AnswerGuard(guard);
}

/**
 * A request or answer text about to be stored in the payload log: never a detected original
 * (restored values are masked again, values let through are redacted; a request that failed
 * before the guard stage is scanned here).
 */
export function payloadForStorage(
  ctx: RequestContext,
  text: string | null,
  streamed = false,
): string | null {
  if (text === null) return null;
  if (ctx.guard !== null)
    return streamed ? streamForStorage(ctx.guard, text) : ctx.guard.forStorage(text);
  const policy = ctx.workspace?.snapshot.guardrails;
  if (policy === undefined || !policy.enabled || ctx.key === null) return text;
  const scanner = scannerFor(policy, ctx.key.snapshot.guardrails, () => undefined);
  return scanner.active ? scrubUnguarded(scanner, text) : text;
}
