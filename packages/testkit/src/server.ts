import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import type { AddressInfo } from "node:net";
import { anthropicDialect } from "./anthropic/dialect";
import { countTokens, messages } from "./anthropic/messages";
import * as anthropicModels from "./anthropic/models";
import { deliver } from "./deliver";
import type { Dialect, Endpoint, Exchange, Reply, ResolvedOptions } from "./exchange";
import { FaultError, FaultQueue, parseFault } from "./faults";
import { flapControl, Flapping, type FlapOptions } from "./flap";
import { chatCompletions } from "./openai/chat";
import { completions } from "./openai/completions";
import { openaiDialect } from "./openai/dialect";
import { embeddings } from "./openai/embeddings";
import * as openaiModels from "./openai/models";
import { responses } from "./openai/responses";

export interface FakeProviderOptions {
  /** default 0: any free port (read it back from `url`) */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** delay before the response / first chunk; default 0 */
  latencyMs?: number;
  /** delay between stream chunks; default 0 (the whole stream in one write) */
  chunkDelayMs?: number;
  /** when set, requests must carry it (Bearer or x-api-key), else 401 in the API's format */
  apiKey?: string;
  /** output tokens (words) of an answer when max_tokens allows; default 12 */
  completionTokens?: number;
  /** fail during every other window of `periodMs` (./flap.ts); off by default */
  flap?: FlapOptions;
}

export interface RecordedRequest {
  method: string;
  /** the URL path, without the query */
  path: string;
  /** the path with the query */
  url: string;
  /** as Node gives them: lower-cased names */
  headers: IncomingHttpHeaders;
  /** the parsed JSON body, or null (no body, or not JSON) */
  body: unknown;
  /** the key from x-api-key or `Authorization: Bearer`, or null */
  receivedApiKey: string | null;
}

export interface FakeProvider {
  /** http://host:port */
  url: string;
  /** what the OpenAI SDK takes as baseURL: url + "/v1" */
  openaiBaseUrl: string;
  /** what the Anthropic SDK takes as baseURL: url */
  anthropicBaseUrl: string;
  /** the last 200 API requests, oldest first */
  requests: RecordedRequest[];
  faults: FaultQueue;
  /** the time-based flapping fault of this instance (`set(options | null)`, `state()`);
   * `reset()` leaves it alone */
  flapping: Flapping;
  /** forgets the recorded requests and the queued faults */
  reset(): void;
  close(): Promise<void>;
}

const MAX_RECORDED = 200;
const MAX_BODY_BYTES = 32 * 1024 * 1024;

const OPENAI_ROUTES = new Map<string, Endpoint>([
  ["POST /v1/chat/completions", chatCompletions],
  ["POST /v1/completions", completions],
  ["POST /v1/embeddings", embeddings],
  ["POST /v1/responses", responses],
  ["GET /v1/models", openaiModels.listModels],
]);
const ANTHROPIC_ROUTES = new Map<string, Endpoint>([
  ["POST /v1/messages", messages],
  ["POST /v1/messages/count_tokens", countTokens],
  ["GET /v1/models", anthropicModels.listModels],
]);
const MODEL_PATH = "/v1/models/";

export async function startFakeProvider(opts: FakeProviderOptions = {}): Promise<FakeProvider> {
  const options = resolveOptions(opts);
  const requests: RecordedRequest[] = [];
  const faults = new FaultQueue();
  const flapping = new Flapping();
  if (opts.flap) flapping.set(opts.flap);
  const reset = (): void => {
    requests.length = 0;
    faults.clear();
  };

  const server = createServer((req, res) => {
    const startedAt = Date.now();
    readBody(req, (raw, tooLarge) => {
      const url = req.url ?? "/";
      const query = url.indexOf("?");
      const path = query === -1 ? url : url.slice(0, query);
      if (!path.startsWith("/v1/")) {
        if (flapControl(req.method ?? "GET", path, raw, res, flapping)) return;
        control(req.method ?? "GET", path, raw, res, { requests, faults, reset });
        return;
      }
      const dialect = isAnthropic(path, req.headers) ? anthropicDialect : openaiDialect;
      let body: unknown = null;
      let malformed = false;
      if (raw.length > 0 && !tooLarge) {
        try {
          body = JSON.parse(raw.toString("utf8"));
        } catch {
          malformed = true;
        }
      }
      const receivedApiKey = apiKeyOf(req.headers, dialect);
      requests.push({
        method: req.method ?? "GET",
        path,
        url,
        headers: req.headers,
        body,
        receivedApiKey,
      });
      if (requests.length > MAX_RECORDED) requests.shift();

      const x: Exchange = {
        req,
        res,
        startedAt,
        requestId: dialect.newRequestId(),
        dialect,
        options,
        body,
        fault: undefined,
      };
      // a flapping window fails every API request, before any check, like an outage would
      const flapped = flapping.take(startedAt);
      if (flapped === "reset") {
        res.destroy();
        return;
      }
      if (flapped) {
        x.fault = flapped;
        deliver(x, dialect.faultError(x, flapped.status, undefined));
        return;
      }
      deliver(x, answer(x, path, receivedApiKey, faults, malformed, tooLarge));
    });
  });
  // Long-lived keep-alive, like the real APIs behind their load balancers.
  server.keepAliveTimeout = 65_000;

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { address, port } = server.address() as AddressInfo;
  const url = `http://${address.includes(":") ? `[${address}]` : address}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    openaiBaseUrl: `${url}/v1`,
    anthropicBaseUrl: url,
    requests,
    faults,
    flapping,
    reset,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // hung requests and idle keep-alive sockets would otherwise hold close() open
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

function answer(
  x: Exchange,
  path: string,
  receivedApiKey: string | null,
  faults: FaultQueue,
  malformed: boolean,
  tooLarge: boolean,
): Reply {
  const { dialect, req } = x;
  const expected = x.options.apiKey;
  if (expected !== undefined && receivedApiKey !== expected) return unauthorized(x, receivedApiKey);
  if (dialect === anthropicDialect && req.headers["anthropic-version"] === undefined) {
    return dialect.error(x, 400, "anthropic-version: header is required", {
      type: "invalid_request_error",
    });
  }
  x.fault = faults.take();
  if (tooLarge) {
    const type = dialect === openaiDialect ? "invalid_request_error" : "request_too_large";
    return dialect.error(x, 413, undefined, { type });
  }
  if (malformed) {
    return dialect.error(x, 400, malformedMessage(dialect), { type: "invalid_request_error" });
  }

  const method = req.method ?? "GET";
  const endpoint = (dialect === openaiDialect ? OPENAI_ROUTES : ANTHROPIC_ROUTES).get(
    `${method} ${path}`,
  );
  try {
    if (endpoint) return endpoint(x);
    if (method === "GET" && path.startsWith(MODEL_PATH)) {
      const id = decodeURIComponent(path.slice(MODEL_PATH.length));
      return dialect === openaiDialect
        ? openaiModels.retrieveModel(x, id)
        : anthropicModels.retrieveModel(x, id);
    }
    return dialect === openaiDialect
      ? dialect.error(x, 404, `Invalid URL (${method} ${path})`, { type: "invalid_request_error" })
      : dialect.error(x, 404, "Not Found", { type: "not_found_error" });
  } catch (error) {
    if (error instanceof FaultError) {
      return dialect.error(x, 400, error.message, { type: "invalid_request_error" });
    }
    console.error("fake provider: unexpected error", error);
    return dialect.error(x, 500);
  }
}

function unauthorized(x: Exchange, received: string | null): Reply {
  if (x.dialect === anthropicDialect) {
    const message = received === null ? "x-api-key header is required" : "invalid x-api-key";
    return x.dialect.error(x, 401, message, { type: "authentication_error" });
  }
  if (received === null) {
    return x.dialect.error(
      x,
      401,
      "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
      { type: "invalid_request_error", code: null },
    );
  }
  // Like OpenAI, name the key only masked.
  const masked = received.length > 8 ? `${received.slice(0, 3)}****${received.slice(-4)}` : "****";
  return x.dialect.error(
    x,
    401,
    `Incorrect API key provided: ${masked}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    { type: "invalid_request_error", code: "invalid_api_key" },
  );
}

function malformedMessage(dialect: Dialect): string {
  return dialect === openaiDialect
    ? "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.)"
    : "There was an error parsing the body of your request: invalid JSON";
}

function isAnthropic(path: string, headers: IncomingHttpHeaders): boolean {
  return path.startsWith("/v1/messages") || headers["anthropic-version"] !== undefined;
}

function apiKeyOf(headers: IncomingHttpHeaders, dialect: Dialect): string | null {
  const header = headers["x-api-key"];
  const xApiKey = typeof header === "string" ? header : null;
  const authorization = headers.authorization;
  const bearer = authorization?.startsWith("Bearer ") ? authorization.slice(7).trim() : null;
  return dialect === anthropicDialect ? (xApiKey ?? bearer) : (bearer ?? xApiKey);
}

function readBody(req: IncomingMessage, done: (raw: Buffer, tooLarge: boolean) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  req.on("data", (chunk: Buffer) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on("end", () => {
    const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    done(raw, size > MAX_BODY_BYTES);
  });
}

interface ControlState {
  requests: RecordedRequest[];
  faults: FaultQueue;
  reset: () => void;
}

/** /health and the /_fake/* control endpoints (not recorded, never faulted). */
function control(
  method: string,
  path: string,
  raw: Buffer,
  res: ServerResponse,
  state: ControlState,
): void {
  const send = (status: number, value: unknown): void => {
    const body = JSON.stringify(value);
    res.writeHead(status, {
      "content-type": "application/json",
      "content-length": Buffer.byteLength(body),
    });
    res.end(body);
  };
  const route = `${method} ${path}`;
  if (route === "GET /health") return send(200, { status: "ok" });
  if (route === "POST /_fake/reset") {
    state.reset();
    return send(200, { ok: true });
  }
  if (route === "GET /_fake/requests") return send(200, state.requests);
  if (route === "POST /_fake/faults") {
    try {
      const input: unknown = JSON.parse(raw.toString("utf8"));
      const list = Array.isArray(input) ? input : [input];
      const parsed = list.map(parseFault); // all checked before any is queued
      for (const fault of parsed) state.faults.enqueue(fault);
      return send(200, { pending: state.faults.pending });
    } catch (error) {
      return send(400, {
        error:
          error instanceof FaultError
            ? error.message
            : "the body must be a JSON fault or a list of faults",
      });
    }
  }
  send(404, { error: `no route ${route}` });
}

function resolveOptions(opts: FakeProviderOptions): ResolvedOptions {
  const check = (
    name: string,
    value: number | undefined,
    min: number,
    fallback: number,
  ): number => {
    if (value === undefined) return fallback;
    if (!Number.isFinite(value) || value < min) {
      throw new TypeError(`fake provider: ${name} must be a number >= ${min}`);
    }
    return value;
  };
  return {
    latencyMs: check("latencyMs", opts.latencyMs, 0, 0),
    chunkDelayMs: check("chunkDelayMs", opts.chunkDelayMs, 0, 0),
    apiKey: opts.apiKey,
    completionTokens: Math.floor(check("completionTokens", opts.completionTokens, 1, 12)),
  };
}
