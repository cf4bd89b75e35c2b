import type { Endpoint } from "@gatehouse/shared";
import { GatewayError } from "../errors";
import { JSON_TYPE, markFirstByte, sendBody } from "../http/send";
import {
  anthropicMessageToOpenaiChat,
  createSseSplitter,
  createStreamTranslator,
  openaiChatToAnthropicMessage,
  translateErrorBody,
  usageFromAnthropicJson,
  usageFromOpenaiAnyJson,
  usageFromOpenaiJson,
  usageFromOpenaiUsage,
} from "../translate";
import type { TokenUsage } from "../translate/types";
import type { UpstreamCall } from "../upstream/call";
import { classifyUpstreamError } from "../upstream/errors";
import { sliceUsage } from "../usage/usage-slice";
import { ZERO_USAGE, type RequestContext } from "./context";
import { ClientGoneError } from "./read-body";

/** OpenAI answers whose top-level usage can be sliced out instead of parsing the body. */
const SLICEABLE_USAGE: ReadonlySet<Endpoint> = new Set<Endpoint>([
  "chat.completions",
  "completions",
  "embeddings",
]);
/** below this, a full JSON.parse is as cheap as slicing (measured: ~3 µs for a 600 B answer) */
const SLICE_USAGE_MIN_BYTES = 16 * 1024;

const SSE_HEADERS = {
  "content-type": "text/event-stream; charset=utf-8",
  "cache-control": "no-cache",
  // tell buffering reverse proxies (nginx) to pass chunks through
  "x-accel-buffering": "no",
} as const;

/** Payload logging keeps at most this much of each body. */
export const PAYLOAD_LOG_MAX_CHARS = 32_768;

/**
 * Relays the upstream answer to the client: an upstream error translated to the client's
 * format (status and retry-after kept), a JSON answer (forwarded byte for byte when the formats
 * match), or an event stream forwarded event by event as it arrives.
 */
export function respond(ctx: RequestContext): Promise<void> {
  const upstream = ctx.upstreamResponse!;
  if (upstream.statusCode >= 400) return relayUpstreamError(ctx, upstream);
  if (ctx.stream) return relayStream(ctx, upstream);
  return relayJson(ctx, upstream);
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

async function relayUpstreamError(ctx: RequestContext, upstream: UpstreamCall): Promise<void> {
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
  const raw = await readUpstreamBody(ctx, upstream);
  const plan = ctx.upstream!;
  let out: string | Buffer;
  switch (plan.mode) {
    case "passthrough":
      ctx.usage = passthroughUsage(plan.format, plan.endpoint, raw);
      out = raw;
      break;
    case "openai-to-anthropic": {
      const message = parseUpstreamJson(raw);
      ctx.usage = usageFromAnthropicJson(message) ?? ZERO_USAGE;
      out = JSON.stringify(anthropicMessageToOpenaiChat(message, ctx.model));
      break;
    }
    case "anthropic-to-openai": {
      const completion = parseUpstreamJson(raw);
      ctx.usage = usageFromOpenaiJson(completion) ?? ZERO_USAGE;
      out = JSON.stringify(openaiChatToAnthropicMessage(completion, ctx.model));
      break;
    }
    case "local-count":
      throw new Error("local-count requests never reach the upstream");
  }
  if (ctx.workspace!.snapshot.payloadLogging) {
    ctx.responseText = (typeof out === "string" ? out : out.toString("utf8")).slice(
      0,
      PAYLOAD_LOG_MAX_CHARS,
    );
  }
  const contentType = upstream.header("content-type");
  sendBody(
    ctx,
    upstream.statusCode,
    plan.mode === "passthrough" && typeof contentType === "string" ? contentType : JSON_TYPE,
    out,
  );
}

function parseUpstreamJson(raw: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(raw.toString("utf8"));
  } catch {
    value = undefined;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new GatewayError(
      "upstream_error",
      "The upstream provider returned a response that is not valid JSON.",
    );
  }
  return value as Record<string, unknown>;
}

function passthroughUsage(format: string, endpoint: Endpoint, raw: Buffer): TokenUsage {
  if (endpoint === "messages.count_tokens") return ZERO_USAGE;
  if (format === "openai" && raw.length >= SLICE_USAGE_MIN_BYTES && SLICEABLE_USAGE.has(endpoint)) {
    const sliced = sliceUsage(raw);
    if (sliced !== undefined) return usageFromOpenaiUsage(sliced) ?? ZERO_USAGE;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch {
    return ZERO_USAGE;
  }
  return (
    (format === "anthropic" ? usageFromAnthropicJson(parsed) : usageFromOpenaiAnyJson(parsed)) ??
    ZERO_USAGE
  );
}

/**
 * Forwards an event stream as it arrives: each upstream chunk is split into SSE events, each
 * event goes through the StreamTranslator (a pass-through that only watches usage when the
 * formats match), and whatever it returns is written at once. An upstream that fails or ends
 * early gets the translator's error event, never a clean end; a client that leaves aborts the
 * upstream call and keeps the usage seen so far.
 */
function relayStream(ctx: RequestContext, upstream: UpstreamCall): Promise<void> {
  const plan = ctx.upstream!;
  const res = ctx.res;
  const translator = createStreamTranslator(ctx.clientFormat, plan.format, ctx.spec.endpoint!, {
    clientModel: ctx.model,
    clientWantsUsage: ctx.clientWantsUsage,
  });
  let pending = "";
  const splitter = createSseSplitter((event, data) => {
    pending += translator.push(event, data);
  });
  const logPayload = ctx.workspace!.snapshot.payloadLogging;
  let logged = "";

  ctx.status = upstream.statusCode;
  res.writeHead(upstream.statusCode, {
    ...SSE_HEADERS,
    ...ctx.limitHeaders,
    "x-request-id": ctx.requestId,
  });

  return new Promise<void>((resolve) => {
    let settled = false;

    const write = (text: string) => {
      if (text === "" || res.destroyed) return;
      markFirstByte(ctx);
      if (logPayload && logged.length < PAYLOAD_LOG_MAX_CHARS)
        logged += text.slice(0, PAYLOAD_LOG_MAX_CHARS - logged.length);
      if (!res.write(text)) {
        upstream.pause();
        res.once("drain", onDrain);
      }
    };
    const onDrain = () => upstream.resume();

    const settle = (tail: string, errorType: string | null) => {
      if (settled) return;
      settled = true;
      res.off("drain", onDrain);
      ctx.usage = translator.usage();
      if (errorType !== null) {
        ctx.errorType = errorType;
        const attempt = ctx.attempts[ctx.attempts.length - 1];
        if (attempt) attempt.errorType = errorType;
      }
      if (!res.destroyed) {
        write(tail);
        res.end();
      }
      if (logPayload) ctx.responseText = logged;
      resolve();
    };

    const onData = (chunk: Buffer) => {
      if (settled) return;
      splitter.feed(chunk);
      if (pending !== "") {
        const out = pending;
        pending = "";
        write(out);
      }
    };
    const onEnd = () => {
      splitter.flush();
      const rest = pending;
      pending = "";
      if (translator.completed) {
        settle(rest + translator.end(), null);
      } else {
        settle(
          rest +
            translator.error(
              "The upstream provider ended the stream before the answer was complete.",
            ),
          "upstream_error",
        );
      }
    };
    const onError = (error: unknown) => {
      if (ctx.clientAborted || ctx.abort?.aborted) {
        ctx.clientAborted = true;
        settle("", null);
        return;
      }
      const failure = classifyUpstreamError(error, ctx.adapter!.type, false);
      ctx.services.log.debug("upstream stream failed", { requestId: ctx.id, error });
      const rest = pending;
      pending = "";
      settle(rest + translator.error(failure.message), failure.type);
    };
    upstream.pipe({ data: onData, end: onEnd, error: onError });
  });
}
