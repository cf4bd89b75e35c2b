import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { WireFormat } from "@gatehouse/shared";
import type { Dispatcher } from "undici";
import { errorBody, GatewayError } from "./errors";
import { createLogger, type Logger } from "./log";
import { endpointIndex, ProxyMetrics } from "./metrics";
import {
  ClientGoneError,
  RequestContext,
  type EndpointSpec,
  type ProxyServices,
  type ProxySettings,
} from "./pipeline";
import type { ConfigSource } from "./pipeline/context";
import { MODELS_ANTHROPIC, MODELS_OPENAI, POST_ROUTES, PROMPTS_READ } from "./routes";
import { JSON_TYPE, sendError } from "./http/send";
import { guardClients, serverOptions, type ClientGuard } from "./http/client-guard";
import { DEFAULT_CLIENT_LIMITS } from "./http/client-limits";
import { nextRequestId, safeClientRequestId } from "./request-id";
import { createUpstreamAgent, UpstreamAgents } from "./upstream/agent";
import { ProxyShutdownError } from "./upstream/call";
import { DeploymentHealth } from "./routing";
import { buildUsageEvent } from "./pipeline/usage-event";
import type { UsageSink } from "./usage/emitter";
import type { LimitEnforcer } from "./limits/enforcer";

export interface ProxyOptions {
  config: ConfigSource;
  usage: UsageSink;
  settings?: Partial<ProxySettings>;
  /** defaults to a new Agent built from the settings' timeouts */
  agent?: Dispatcher;
  metrics?: ProxyMetrics;
  log?: Logger;
  /** rate limits and budgets; none enforced without it */
  limits?: LimitEnforcer | null;
  /** per-deployment health (app.ts shares it through Redis); a per-process one by default */
  health?: DeploymentHealth;
}

export interface Proxy {
  readonly server: Server;
  readonly metrics: ProxyMetrics;
  listen(port: number, host?: string): Promise<{ url: string }>;
  /**
   * Stops accepting connections, lets in-flight requests finish until the deadline, then cuts
   * what is left: each is answered in its client's format (a 503 it can retry elsewhere, or an
   * error event ending a stream) and recorded as proxy_shutdown, and the connections close
   * after SHUTDOWN_GRACE_MS at most. Does not touch the config store or the usage sink (their
   * owner closes them).
   */
  close(deadlineMs?: number): Promise<void>;
  /** requests being handled */
  readonly inFlight: number;
}

export const DEFAULT_SETTINGS: ProxySettings = {
  maxBodyBytes: 20 * 1024 * 1024,
  upstreamTtfbTimeoutMs: 30_000,
  upstreamIdleTimeoutMs: 60_000,
  upstreamTotalTimeoutMs: 300_000,
  defaultMaxTokens: 4096,
  accessLog: false,
  reservationTtlMs: 900_000,
  ...DEFAULT_CLIENT_LIMITS,
};

/** after the shutdown deadline, how long the cut requests get to write their last words */
const SHUTDOWN_GRACE_MS = 1_000;

const HEALTH_INDEX = endpointIndex("health");
const OTHER_INDEX = endpointIndex("other");

/**
 * The proxy's HTTP server: plain node:http, one ordered pipeline per endpoint, errors mapped to
 * the client's wire format in one place, a usage event per authenticated request.
 */
export function createProxy(options: ProxyOptions): Proxy {
  const settings: ProxySettings = { ...DEFAULT_SETTINGS, ...options.settings };
  const metrics = options.metrics ?? new ProxyMetrics();
  const log = options.log ?? createLogger("info");
  // decided once: with the access log off (or below the level) a request builds no log line
  const accessLog = settings.accessLog && log.isEnabled("info");
  const agentOptions = {
    headersTimeoutMs: settings.upstreamTotalTimeoutMs,
    bodyTimeoutMs: settings.upstreamIdleTimeoutMs,
  };
  const agents =
    options.agent === undefined
      ? new UpstreamAgents(createUpstreamAgent(agentOptions), agentOptions)
      : new UpstreamAgents(options.agent, null);
  const services: ProxyServices = {
    settings,
    config: options.config,
    usage: options.usage,
    agents,
    health: options.health ?? new DeploymentHealth(),
    metrics,
    log,
    limits: options.limits ?? null,
  };
  let inFlight = 0;
  let idleWaiters: (() => void)[] = [];
  /** the model requests in flight, for the shutdown deadline to cut */
  const live = new Set<RequestContext>();

  const finish = (ctx: RequestContext) => {
    inFlight--;
    live.delete(ctx);
    metrics.inFlight = inFlight;
    const latencyMs = performance.now() - ctx.t0;
    // who ended it is the record, whatever the client was told (a 503, an error event)
    if (ctx.cutByShutdown) ctx.errorType = "proxy_shutdown";
    if (ctx.status === 0) ctx.status = ctx.clientAborted ? 499 : ctx.res.statusCode;
    metrics.countRequest(ctx.spec.metricIndex, ctx.status);
    metrics.requestDuration.observe(latencyMs / 1000);
    if (ctx.ttfbMs !== null) metrics.ttfb.observe(ctx.ttfbMs / 1000);
    if (ctx.errorType !== null) metrics.countError(ctx.errorType);
    let costNanoUsd = 0;
    let tokens = ctx.usage.inputTokens + ctx.usage.outputTokens;
    if (ctx.key !== null && ctx.spec.endpoint !== null) {
      try {
        const event = buildUsageEvent(ctx, latencyMs);
        costNanoUsd = event.costNanoUsd;
        // failed attempts' billed tokens included
        tokens = event.inputTokens + event.outputTokens;
        services.usage.push(event);
      } catch (error) {
        log.error("cannot build usage event", { requestId: ctx.id, error });
      }
    }
    // every request that reserved settles once: JSON, stream end, error, abort or timeout
    if (ctx.limits !== null) services.limits!.settle(ctx.limits, { tokens, costNanoUsd });
    if (accessLog) {
      log.info("request", {
        requestId: ctx.requestId,
        method: ctx.req.method,
        path: ctx.req.url,
        status: ctx.status,
        latencyMs: Math.round(latencyMs * 100) / 100,
        errorType: ctx.errorType,
        clientAborted: ctx.clientAborted,
      });
    }
    if (inFlight === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  };

  const fail = (ctx: RequestContext, error: unknown) => {
    if (error instanceof ClientGoneError || ctx.clientAborted || ctx.res.destroyed) {
      if (!ctx.cutByShutdown) ctx.clientAborted = true;
      if (!ctx.res.headersSent) ctx.res.destroy();
      return;
    }
    let gatewayError: GatewayError;
    if (error instanceof GatewayError) {
      gatewayError = error;
    } else {
      log.error("unexpected error", { requestId: ctx.id, path: ctx.req.url, error });
      gatewayError = new GatewayError(
        "internal",
        "The gateway hit an unexpected error; it has been logged.",
      );
    }
    if (ctx.res.headersSent) {
      // mid-response: never make a broken answer look complete
      ctx.status ||= gatewayError.status;
      ctx.errorType = gatewayError.type;
      ctx.res.destroy();
      return;
    }
    sendError(ctx, gatewayError);
  };

  const run = async (ctx: RequestContext) => {
    const stages = ctx.spec.stages;
    for (let i = 0; i < stages.length; i++) {
      const pending = stages[i]!(ctx);
      if (pending !== undefined) await pending;
      if (ctx.done) return;
    }
  };

  const handleModelRequest = (
    req: IncomingMessage,
    res: ServerResponse,
    endpoint: EndpointSpec,
    t0: number,
  ) => {
    const id = nextRequestId();
    const requestId = safeClientRequestId(req.headers["x-request-id"]) ?? id;
    inFlight++;
    metrics.inFlight = inFlight;
    const ctx = new RequestContext(services, endpoint, req, res, id, requestId, Date.now(), t0);
    live.add(ctx);
    res.once("close", () => {
      if (!res.writableFinished) {
        // who ended it: the gateway's own shutdown deadline, or the client
        if (cuttingAtDeadline) ctx.cutByShutdown = true;
        else ctx.clientAborted = true;
        ctx.abort?.abort();
      }
      if (ctx.closeConnection) req.socket.destroy();
    });
    run(ctx).then(
      () => finish(ctx),
      (error: unknown) => {
        fail(ctx, error);
        finish(ctx);
      },
    );
  };

  const simple = (
    req: IncomingMessage,
    res: ServerResponse,
    status: number,
    contentType: string,
    body: string,
    metricIndex: number,
  ) => {
    const requestId = safeClientRequestId(req.headers["x-request-id"]) ?? nextRequestId();
    res.writeHead(status, {
      "content-type": contentType,
      "content-length": Buffer.byteLength(body),
      "x-request-id": requestId,
    });
    res.end(body);
    metrics.countRequest(metricIndex, status);
  };

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    const t0 = performance.now();
    const url = req.url ?? "/";
    const q = url.indexOf("?");
    const path = q === -1 ? url : url.slice(0, q);
    // over the connection cap: API calls are refused at once; health and metrics still answer
    if (clients.overCapacity(req.socket) && path.startsWith("/v1/")) {
      return clients.refuse(req, res, path);
    }
    const method = req.method;

    if (method === "POST") {
      const endpoint = POST_ROUTES.get(path);
      if (endpoint !== undefined) return handleModelRequest(req, res, endpoint, t0);
    } else if (method === "GET" || method === "HEAD") {
      if (path === "/v1/models" || path.startsWith("/v1/models/")) {
        const models =
          req.headers["anthropic-version"] !== undefined ? MODELS_ANTHROPIC : MODELS_OPENAI;
        return handleModelRequest(req, res, models, t0);
      }
      if (path.startsWith("/v1/prompts/")) return handleModelRequest(req, res, PROMPTS_READ, t0);
      switch (path) {
        case "/healthz":
          return simple(req, res, 200, JSON_TYPE, '{"status":"ok"}', HEALTH_INDEX);
        case "/readyz": {
          const ready = services.config.ready && !closing;
          return simple(
            req,
            res,
            ready ? 200 : 503,
            JSON_TYPE,
            JSON.stringify({
              status: ready ? "ready" : "not_ready",
              config: services.config.ready,
              // false: Redis lost the config (no generation marker) and is being republished
              configPublished: services.config.published ?? true,
              shuttingDown: closing,
            }),
            HEALTH_INDEX,
          );
        }
        case "/metrics":
          return simple(
            req,
            res,
            200,
            "text/plain; version=0.0.4; charset=utf-8",
            metrics.render(),
            HEALTH_INDEX,
          );
      }
    }
    // drain whatever body came with it so the connection stays usable
    req.resume();
    const format: WireFormat = path.startsWith("/v1/messages") ? "anthropic" : "openai";
    simple(
      req,
      res,
      404,
      JSON_TYPE,
      errorBody(format, "not_found", `Unknown route: ${method} ${path}`, null),
      OTHER_INDEX,
    );
    metrics.countError("not_found");
  };

  // client deadlines, the connection cap and JSON answers to unparseable requests (http/)
  const server = createServer(serverOptions(settings), handler);
  const clients: ClientGuard = guardClients(server, settings, metrics);
  let closing = false;
  /** close() reached its deadline and is cutting what is still in flight */
  let cuttingAtDeadline = false;

  return {
    server,
    metrics,
    get inFlight() {
      return inFlight;
    },
    listen(port, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        server.once("error", reject);
        server.listen(port, host, () => {
          server.off("error", reject);
          const address = server.address() as AddressInfo;
          const shownHost = address.family === "IPv6" ? `[${address.address}]` : address.address;
          resolve({
            url: `http://${shownHost === "0.0.0.0" ? "127.0.0.1" : shownHost}:${address.port}`,
          });
        });
      });
    },
    async close(deadlineMs = 10_000) {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => idleWaiters.push(resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref()),
        ]);
      }
      cuttingAtDeadline = true;
      if (inFlight > 0) {
        // what is still in flight is told so in its own format (a 503, or a stream's error
        // event) and recorded as proxy_shutdown; the connections close after a short grace
        const shutdown = new ProxyShutdownError();
        for (const ctx of live) {
          ctx.cutByShutdown = true;
          ctx.abort?.timeOut(shutdown);
        }
        await Promise.race([
          new Promise<void>((resolve) => idleWaiters.push(resolve)),
          new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_GRACE_MS).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
      await agents.close();
    },
  };
}
