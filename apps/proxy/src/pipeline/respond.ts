import { GatewayError } from "../errors";
import { JSON_TYPE, markFirstByte, sendBody } from "../http/send";
import { jsonAnswer, UpstreamJsonError, type JsonAnswerMode } from "../response/json-answer";
import { relayStream } from "../response/stream-relay";
import { PayloadCapture } from "../response/transforms/payload-capture";
import { UsageAccounting } from "../response/transforms/usage-accounting";
import { translateErrorBody } from "../translate";
import type { ResponseTransform } from "../translate/stream/chain-types";
import { createResponseChain } from "../translate/stream/create";
import type { UpstreamCall } from "../upstream/call";
import { classifyUpstreamError } from "../upstream/errors";
import { ZERO_USAGE, type RequestContext } from "./context";
import { answerGuardFor } from "./guard-request";
import type { AnswerGuard } from "../guardrails/answer-guard";
import { ClientGoneError } from "./read-body";

/**
 * The response side of a model call, wired to the request: which transforms this request's
 * answer passes through (usage accounting always, payload capture when the workspace logs
 * payloads; PII restore and a cache tee join here), then the JSON answer or the stream relay
 * from response/, and what they learnt back onto the context.
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

/** A successful upstream answer (status < 400): JSON or a stream. */
export function relayAnswer(ctx: RequestContext, upstream: UpstreamCall): Promise<void> {
  return ctx.stream ? relayStreamed(ctx, upstream) : relayJson(ctx, upstream);
}

async function readUpstreamBody(ctx: RequestContext, upstream: UpstreamCall): Promise<Buffer> {
  try {
    return await upstream.readAll();
  } catch (error) {
    const failure = classifyUpstreamError(error, ctx.adapter!.type, ctx.abort?.aborted ?? false);
    const attempt = ctx.attempts[ctx.attempts.length - 1];
    if (attempt) attempt.errorType = failure.type;
    if (failure.type === "client_aborted") throw new ClientGoneError(failure.message);
    throw new GatewayError(failure.type, failure.message);
  }
}

/** An upstream error answer, translated to the client's format (status and retry-after kept). */
export async function relayUpstreamError(
  ctx: RequestContext,
  upstream: UpstreamCall,
): Promise<void> {
  const raw = await readUpstreamBody(ctx, upstream);
  const status = upstream.statusCode;
  const body = translateErrorBody(
    ctx.clientFormat,
    ctx.upstream!.format,
    status,
    raw.toString("utf8"),
  );
  const retryAfter = upstream.header("retry-after");
  ctx.errorType = "upstream_error";
  if (ctx.workspace!.snapshot.payloadLogging) ctx.responseText = body;
  sendBody(
    ctx,
    status,
    JSON_TYPE,
    body,
    typeof retryAfter === "string" ? { "retry-after": retryAfter } : null,
  );
}

async function relayJson(ctx: RequestContext, upstream: UpstreamCall): Promise<void> {
  let raw = await readUpstreamBody(ctx, upstream);
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
  if (transforms.capture !== null) ctx.responseText = transforms.capture.text;
  const contentType = upstream.header("content-type");
  sendBody(
    ctx,
    upstream.statusCode,
    plan.mode === "passthrough" && typeof contentType === "string" ? contentType : JSON_TYPE,
    answer.body,
  );
}

async function relayStreamed(ctx: RequestContext, upstream: UpstreamCall): Promise<void> {
  const plan = ctx.upstream!;
  const transforms = transformsFor(ctx);
  const chain = createResponseChain(
    ctx.clientFormat,
    plan.format,
    ctx.spec.endpoint!,
    { clientModel: ctx.model, clientWantsUsage: ctx.clientWantsUsage },
    transforms.list,
  );
  ctx.status = upstream.statusCode;
  const result = await relayStream({
    res: ctx.res,
    upstream,
    chain,
    status: upstream.statusCode,
    headers:
      ctx.limitHeaders === null
        ? { "x-request-id": ctx.requestId }
        : { ...ctx.limitHeaders, "x-request-id": ctx.requestId },
    onFirstByte: () => markFirstByte(ctx),
    gone: () => ctx.clientAborted || ctx.cutByShutdown || upstream.aborted,
    classify: (error) => {
      ctx.services.log.debug("upstream stream failed", { requestId: ctx.id, error });
      return classifyUpstreamError(error, ctx.adapter!.type, false);
    },
  });
  ctx.usage = transforms.usage.usage ?? chain.usage();
  if (transforms.capture !== null) ctx.responseText = transforms.capture.text;
  if (transforms.guard !== null && transforms.guard.blocked !== null)
    ctx.errorType = "guardrail_blocked";
  if (result.gone) {
    if (!ctx.cutByShutdown) ctx.clientAborted = true;
  } else if (result.errorType !== null) {
    ctx.errorType = result.errorType;
    const attempt = ctx.attempts[ctx.attempts.length - 1];
    if (attempt) attempt.errorType = result.errorType;
  }
}
