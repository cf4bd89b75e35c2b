import { GatewayError } from "../errors";
import { JSON_TYPE, markFirstByte, sendBody } from "../http/send";
import { jsonAnswer, UpstreamJsonError, type JsonAnswerMode } from "../response/json-answer";
import { relayStream, type StreamRelayResult } from "../response/stream-relay";
import { PayloadCapture } from "../response/transforms/payload-capture";
import { UsageAccounting } from "../response/transforms/usage-accounting";
import { translateErrorBody } from "../translate";
import type { ResponseTransform } from "../translate/stream/chain-types";
import { createResponseChain } from "../translate/stream/create";
import type { TokenUsage } from "../translate/types";
import type { UpstreamCall } from "../upstream/call";
import { classifyUpstreamError } from "../upstream/errors";
import { ZERO_USAGE, type RequestContext } from "./context";
import { answerGuardFor } from "./guard-request";
import type { AnswerGuard } from "../guardrails/answer-guard";

/**
 * The response side of a model call, wired to the request: which transforms this request's
 * answer passes through (the answer guard first when the request is guarded, usage
 * accounting always, payload capture when the workspace logs payloads; a cache tee joins
 * here), then the JSON answer or the stream relay
 * from response/, and what they learnt back onto the context. The attempt loop (attempts.ts)
 * calls these per attempt: nothing here reaches the client until an attempt is the answer.
 */
interface ResponseTransforms {
  readonly list: readonly ResponseTransform[];
  readonly usage: UsageAccounting;
  readonly capture: PayloadCapture | null;
  /** guardrails: restores placeholders and scans the answer (first, so the others see its output) */
  readonly guard: AnswerGuard | null;
}

function transformsFor(ctx: RequestContext): ResponseTransforms {
  const usage = new UsageAccounting();
  const capture = ctx.workspace!.snapshot.payloadLogging ? new PayloadCapture() : null;
  const guard = ctx.guard === null ? null : answerGuardFor(ctx);
  const list: ResponseTransform[] = guard === null ? [usage] : [guard, usage];
  if (capture !== null) list.push(capture);
  return { list, usage, capture, guard };
}

/**
 * An upstream error answer, translated to the client's format (status and retry-after kept).
 * `raw` is its body, already read by the attempt loop (which looked at it for its kind).
 */
export function sendUpstreamError(
  ctx: RequestContext,
  upstream: UpstreamCall,
  raw: string,
  extraHeaders: Readonly<Record<string, string>> | null,
): void {
  const status = upstream.statusCode;
  const body = translateErrorBody(ctx.clientFormat, ctx.upstream!.format, status, raw);
  const retryAfter = upstream.header("retry-after");
  ctx.errorType = "upstream_error";
  if (ctx.workspace!.snapshot.payloadLogging) ctx.responseText = body;
  let headers = extraHeaders;
  if (typeof retryAfter === "string") headers = { ...headers, "retry-after": retryAfter };
  sendBody(ctx, status, JSON_TYPE, body, headers);
}

/** A complete successful JSON answer (its body read by the attempt loop) to the client. */
export function sendJsonAnswer(ctx: RequestContext, upstream: UpstreamCall, raw: Buffer): void {
  const plan = ctx.upstream!;
  const transforms = transformsFor(ctx);
  // a same-format answer is forwarded as bytes (no message hook): guardrails work on its text
  if (transforms.guard !== null && plan.mode === "passthrough") raw = transforms.guard.rawJson(raw);
  let answer;
  try {
    answer = jsonAnswer(
      plan.mode as JsonAnswerMode,
      plan.format,
      plan.endpoint,
      raw,
      ctx.model,
      transforms.list,
    );
  } catch (error) {
    if (error instanceof UpstreamJsonError) throw new GatewayError("upstream_error", error.message);
    throw error;
  }
  ctx.usage = answer.usage ?? ZERO_USAGE;
  // a blocked answer is refused, and billed: the provider generated it
  const blocked = transforms.guard?.blockedError() ?? null;
  if (blocked !== null) throw blocked;
  if (transforms.capture !== null) ctx.responseText = transforms.capture.text;
  const contentType = upstream.header("content-type");
  sendBody(
    ctx,
    upstream.statusCode,
    plan.mode === "passthrough" && typeof contentType === "string" ? contentType : JSON_TYPE,
    answer.body,
  );
}

export interface StreamAttempt extends StreamRelayResult {
  /** the usage the provider reported (or the chain estimated) for this attempt */
  readonly usage: TokenUsage;
}

/**
 * A successful stream (status < 400) through the relay, held until its first content event.
 * Committed: the answer is this attempt's (usage, payload, error type go onto the context).
 * Not committed: nothing reached the client and the context is untouched; the attempt loop
 * moves on (the result says why, and what usage the provider reported before failing).
 */
export async function relayStreamed(
  ctx: RequestContext,
  upstream: UpstreamCall,
  firstContentMs: number | null,
  onCommit: () => void,
): Promise<StreamAttempt> {
  const plan = ctx.upstream!;
  const transforms = transformsFor(ctx);
  const chain = createResponseChain(
    ctx.clientFormat,
    plan.format,
    ctx.spec.endpoint!,
    { clientModel: ctx.model, clientWantsUsage: ctx.clientWantsUsage },
    transforms.list,
  );
  const result = await relayStream({
    res: ctx.res,
    upstream,
    chain,
    status: upstream.statusCode,
    // read at commit: a budget cap header is set while the attempt's body is built
    headers: () =>
      ctx.limitHeaders === null
        ? { "x-request-id": ctx.requestId }
        : { ...ctx.limitHeaders, "x-request-id": ctx.requestId },
    firstContentMs,
    onCommit: () => {
      ctx.status = upstream.statusCode;
      onCommit();
    },
    onFirstByte: () => markFirstByte(ctx),
    gone: () => ctx.clientAborted || upstream.aborted,
    classify: (error) => {
      ctx.services.log.debug("upstream stream failed", { requestId: ctx.id, error });
      return classifyUpstreamError(error, ctx.adapter!.type, false);
    },
  });
  const usage = transforms.usage.usage ?? chain.usage();
  if (result.gone) {
    if (!ctx.cutByShutdown) ctx.clientAborted = true;
  }
  if (!result.committed) return { ...result, usage };
  ctx.usage = usage;
  if (transforms.capture !== null) ctx.responseText = transforms.capture.text;
  if (!result.gone && result.errorType !== null) ctx.errorType = result.errorType;
  // a block is what ended the answer, whatever the upstream did after it
  if (transforms.guard !== null && transforms.guard.blocked !== null)
    ctx.errorType = "guardrail_blocked";
  return { ...result, usage };
}
