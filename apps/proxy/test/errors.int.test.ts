import Anthropic from "@anthropic-ai/sdk";
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import OpenAI from "openai";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  encryptSecret,
  generateEncryptionKey,
  parseEncryptionKeys,
} from "@gatehouse/shared/server";
import {
  publishNewKey,
  publishWorkspace,
  ROUTES,
  startWorld,
  uniqueId,
  workspaceSnapshot,
  type World,
} from "./fixtures";

let world: World;
let openai: OpenAI;
let anthropic: Anthropic;

const MAX_BODY = 64 * 1024;

beforeAll(async () => {
  world = await startWorld({
    settings: {
      maxBodyBytes: MAX_BODY,
      upstreamTtfbTimeoutMs: 300,
      upstreamIdleTimeoutMs: 2_000,
      upstreamTotalTimeoutMs: 2_000,
    },
  });
  openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
  anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
});
afterAll(async () => {
  await world?.close();
});
beforeEach(() => {
  world.fake.reset();
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

async function post(
  path: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const res = await fetch(`${world.url}${path}`, {
    method: "POST",
    headers: {
      authorization: `Bearer ${world.key}`,
      "content-type": "application/json",
      ...headers,
    },
    body,
  });
  return { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() };
}

function expectOpenaiError(
  res: RawResponse,
  status: number,
  message: RegExp,
): { type: string; param: unknown; code: unknown } {
  expect(res.status).toBe(status);
  const body = JSON.parse(res.body) as {
    error: { message: string; type: string; param: unknown; code: unknown };
  };
  expect(Object.keys(body)).toEqual(["error"]);
  expect(body.error.message).toMatch(message);
  expect(typeof body.error.type).toBe("string");
  expect(res.headers["x-request-id"]).toBeTruthy();
  return body.error;
}

function expectAnthropicError(
  res: RawResponse,
  status: number,
  type: string,
  message: RegExp,
): void {
  expect(res.status).toBe(status);
  const body = JSON.parse(res.body) as { type: string; error: { type: string; message: string } };
  expect(body.type).toBe("error");
  expect(body.error.type).toBe(type);
  expect(body.error.message).toMatch(message);
  expect(res.headers["x-request-id"]).toBeTruthy();
}

const chat = (model: string, content = "hi") =>
  JSON.stringify({ model, messages: [{ role: "user", content }] });
const message = (model: string, content = "hi") =>
  JSON.stringify({ model, max_tokens: 100, messages: [{ role: "user", content }] });

describe("authentication (401 in the client's wire format)", () => {
  it("unknown, revoked, expired and rotated-out keys say which, through both SDKs", async () => {
    const revoked = await publishNewKey(world.redis, world.workspaceId, { status: "revoked" });
    const expired = await publishNewKey(world.redis, world.workspaceId, {
      expiresAt: "2020-01-01T00:00:00.000Z",
    });
    const graceOver = await publishNewKey(world.redis, world.workspaceId, {
      graceUntil: "2020-01-01T00:00:00.000Z",
    });
    const unknown = "gh_" + "A".repeat(43);
    const cases: [string, RegExp][] = [
      [unknown, /Invalid API key/],
      [revoked.secret, /revoked/],
      [expired.secret, /expired/],
      [graceOver.secret, /rotated.*grace period/],
    ];
    for (const [key, why] of cases) {
      const o = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: key, maxRetries: 0 });
      const oe = await o.chat.completions
        .create({ model: ROUTES.openai, messages: [{ role: "user", content: "hi" }] })
        .catch((e: unknown) => e);
      expect(oe).toBeInstanceOf(OpenAI.AuthenticationError);
      expect((oe as Error).message).toMatch(why);
      expect((oe as Error).message).not.toContain(key);

      const a = new Anthropic({ baseURL: world.url, apiKey: key, maxRetries: 0 });
      const ae = await a.messages
        .create({
          model: ROUTES.anthropic,
          max_tokens: 10,
          messages: [{ role: "user", content: "hi" }],
        })
        .catch((e: unknown) => e);
      expect(ae).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((ae as InstanceType<typeof Anthropic.AuthenticationError>).error).toMatchObject({
        type: "error",
        error: { type: "authentication_error" },
      });
      expect((ae as Error).message).toMatch(why);
    }
    expect(world.fake.requests).toHaveLength(0);
  });

  it("a missing key is a 401 saying how to send one", async () => {
    const res = await post("/v1/chat/completions", chat(ROUTES.openai), { authorization: "" });
    expectOpenaiError(res, 401, /Missing API key/);
    const res2 = await post("/v1/messages", message(ROUTES.anthropic), { authorization: "" });
    expectAnthropicError(res2, 401, "authentication_error", /Missing API key/);
  });

  it("accepts x-api-key on OpenAI endpoints and Bearer on Anthropic ones", async () => {
    const a = await post("/v1/chat/completions", chat(ROUTES.openai), {
      authorization: "",
      "x-api-key": world.key,
    });
    expect(a.status).toBe(200);
    const b = await post("/v1/messages", message(ROUTES.anthropic));
    expect(b.status).toBe(200);
  });
});

describe("authorization and routing", () => {
  it("403 for a model the key may not use", async () => {
    const { secret } = await publishNewKey(world.redis, world.workspaceId, {
      allowedModels: [ROUTES.openai],
    });
    const o = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: secret, maxRetries: 0 });
    const e = await o.chat.completions
      .create({ model: ROUTES.anthropic, messages: [{ role: "user", content: "hi" }] })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.PermissionDeniedError);
    const a = new Anthropic({ baseURL: world.url, apiKey: secret, maxRetries: 0 });
    const ae = await a.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 10,
        messages: [{ role: "user", content: "hi" }],
      })
      .catch((err: unknown) => err);
    expect(ae).toBeInstanceOf(Anthropic.PermissionDeniedError);
  });

  it("404 for a model the workspace does not have", async () => {
    const e = await openai.chat.completions
      .create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.NotFoundError);
    expect((e as Error).message).toMatch(/no-such-model/);
    const res = await post("/v1/messages", message("no-such-model"));
    expectAnthropicError(res, 404, "not_found_error", /no-such-model/);
  });

  it("404 in OpenAI format for an unknown path, 404 in Anthropic format under /v1/messages", async () => {
    const res = await post("/v1/nope", "{}");
    expect(expectOpenaiError(res, 404, /Unknown route: POST \/v1\/nope/).code).toBe("not_found");
    const res2 = await post("/v1/messages/nope", "{}");
    expectAnthropicError(res2, 404, "not_found_error", /Unknown route/);
  });
});

describe("bad input", () => {
  it("400 for malformed JSON in each wire format", async () => {
    expectOpenaiError(await post("/v1/chat/completions", "{not json"), 400, /not valid JSON/);
    expectAnthropicError(
      await post("/v1/messages", "{not json"),
      400,
      "invalid_request_error",
      /not valid JSON/,
    );
    expectOpenaiError(await post("/v1/chat/completions", "[1,2]"), 400, /must be a JSON object/);
  });

  it("400 naming the missing field", async () => {
    const cases: [string, string, string][] = [
      ["/v1/chat/completions", JSON.stringify({ messages: [] }), "model"],
      ["/v1/chat/completions", JSON.stringify({ model: ROUTES.openai }), "messages"],
      ["/v1/embeddings", JSON.stringify({ model: ROUTES.embeddings }), "input"],
      ["/v1/completions", JSON.stringify({ model: ROUTES.openai }), "prompt"],
      ["/v1/responses", JSON.stringify({ input: "hi" }), "model"],
    ];
    for (const [path, body, fieldName] of cases) {
      const error = expectOpenaiError(await post(path, body), 400, new RegExp(`'${fieldName}'`));
      expect(error.param).toBe(fieldName);
    }
    expectAnthropicError(
      await post(
        "/v1/messages",
        JSON.stringify({ model: ROUTES.anthropic, messages: [{ role: "user", content: "hi" }] }),
      ),
      400,
      "invalid_request_error",
      /'max_tokens'/,
    );
    expectAnthropicError(
      await post("/v1/messages/count_tokens", JSON.stringify({ model: ROUTES.anthropic })),
      400,
      "invalid_request_error",
      /'messages'/,
    );
    const wrongType = expectOpenaiError(
      await post("/v1/chat/completions", JSON.stringify({ model: ROUTES.openai, messages: "hi" })),
      400,
      /'messages'.*array/,
    );
    expect(wrongType.param).toBe("messages");
    expect(world.fake.requests).toHaveLength(0);
  });

  it("a translation the upstream cannot express is a 400 (n > 1 to Anthropic)", async () => {
    const e = await openai.chat.completions
      .create({ model: ROUTES.anthropic, messages: [{ role: "user", content: "hi" }], n: 2 })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.BadRequestError);
  });
});

describe("413 for an oversize body, without reading it", () => {
  it("refuses a declared content-length over the limit before any body byte is read", async () => {
    const declared = 50 * 1024 * 1024;
    const result = await new Promise<{ head: string; sent: number }>((resolve, reject) => {
      const socket = connect(Number(new URL(world.url).port), "127.0.0.1");
      let head = "";
      let sent = 0;
      socket.on("connect", () => {
        socket.write(
          `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${world.key}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${declared}\r\n\r\n`,
        );
        // a first slice of the body only; the rest never comes
        const slice = Buffer.alloc(16 * 1024, 0x20);
        socket.write(slice);
        sent += slice.length;
      });
      socket.on("data", (d) => (head += d.toString()));
      socket.on("close", () => resolve({ head, sent }));
      socket.on("error", reject);
    });
    expect(result.head).toMatch(/^HTTP\/1\.1 413/);
    expect(result.head.toLowerCase()).toContain("connection: close");
    expect(result.head.toLowerCase()).toContain("x-request-id:");
    expect(result.head).toContain('"code":"payload_too_large"');
    expect(result.sent).toBeLessThan(declared);
  });

  it("stops reading a chunked body once it passes the limit, and closes the connection", async () => {
    const { status, body, written } = await new Promise<{
      status: number;
      body: string;
      written: number;
    }>((resolve, reject) => {
      let written = 0;
      let done = false;
      const req = httpRequest(
        `${world.url}/v1/messages`,
        {
          method: "POST",
          headers: {
            "x-api-key": world.key,
            "content-type": "application/json",
            "transfer-encoding": "chunked",
          },
        },
        (res) => {
          done = true;
          let text = "";
          res.on("data", (d) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode!, body: text, written }));
          res.on("error", () => resolve({ status: res.statusCode!, body: text, written }));
        },
      );
      req.on("error", (e) => (done ? undefined : reject(e)));
      const chunk = Buffer.alloc(8 * 1024, 0x20);
      // keep writing until the proxy answers: it must answer long before 10 MB
      const pump = () => {
        if (done || written >= 10 * 1024 * 1024) return;
        written += chunk.length;
        if (req.write(chunk)) setImmediate(pump);
        else req.once("drain", pump);
      };
      pump();
    });
    expect(status).toBe(413);
    expect(JSON.parse(body)).toMatchObject({ type: "error", error: { type: "request_too_large" } });
    expect(written).toBeLessThan(10 * 1024 * 1024);
  });
});

describe("upstream failures", () => {
  it("504 when the upstream hangs past the headers timeout", async () => {
    const e = await openai.chat.completions
      .create({
        model: ROUTES.openai,
        messages: [{ role: "user", content: "[[fake:hang]] hello" }],
      })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.APIError);
    expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(504);
    expect((e as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      code: "upstream_timeout",
    });

    const res = await post("/v1/messages", message(ROUTES.anthropic, "[[fake:hang]]"));
    expectAnthropicError(res, 504, "timeout_error", /did not answer in time/);
  });

  it("502 when the upstream port is closed", async () => {
    const e = await openai.chat.completions
      .create({ model: ROUTES.dead, messages: [{ role: "user", content: "hi" }] })
      .catch((err: unknown) => err);
    expect((e as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
    expect((e as InstanceType<typeof OpenAI.APIError>).error).toMatchObject({
      code: "upstream_unreachable",
    });
    expect((e as Error).message).not.toMatch(/127\.0\.0\.1/);
  });

  it("passes a 429 through with retry-after, in the client's format", async () => {
    const res = await post(
      "/v1/chat/completions",
      chat(ROUTES.openai, "[[fake:status=429,retry_after=7]]"),
    );
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe("7");
    expect(JSON.parse(res.body).error.type).toBeTruthy();

    const res2 = await post(
      "/v1/messages",
      message(ROUTES.openai, "[[fake:status=429,retry_after=3]]"),
    );
    expect(res2.status).toBe(429);
    expect(res2.headers["retry-after"]).toBe("3");
    expectAnthropicError(res2, 429, "rate_limit_error", /./);

    const e = await openai.chat.completions
      .create({
        model: ROUTES.anthropic,
        messages: [{ role: "user", content: "[[fake:status=429,retry_after=2]]" }],
      })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.RateLimitError);
    expect((e as InstanceType<typeof OpenAI.RateLimitError>).headers.get("retry-after")).toBe("2");
  });

  it("never leaks the provider key in an upstream error", async () => {
    // the fake answers 401 quoting (masked) the key it got, like OpenAI does
    world.fake.faults.enqueue({ status: 401 });
    const res = await post("/v1/chat/completions", chat(ROUTES.openai));
    expect(res.status).toBe(401);
    expect(res.body).not.toMatch(/sk-provider/);
  });

  it("an upstream that disconnects mid-stream makes the SDK stream throw", async () => {
    const stream = await openai.chat.completions.create({
      model: ROUTES.openai,
      messages: [{ role: "user", content: "[[fake:disconnect_after=3]] tell me a long story" }],
      stream: true,
    });
    let chunks = 0;
    const error = await (async () => {
      for await (const _chunk of stream) chunks++;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(chunks).toBeGreaterThan(0);

    const aStream = anthropic.messages.stream({
      model: ROUTES.anthropic,
      max_tokens: 200,
      messages: [{ role: "user", content: "[[fake:disconnect_after=3]] tell me a long story" }],
    });
    await expect(aStream.finalMessage()).rejects.toBeInstanceOf(Error);
  });

  it("an in-stream upstream error reaches the client as an error, never as [DONE]", async () => {
    const res = await post(
      "/v1/chat/completions",
      JSON.stringify({
        model: ROUTES.anthropic,
        stream: true,
        messages: [{ role: "user", content: "[[fake:error_after=2]] go" }],
      }),
    );
    expect(res.status).toBe(200);
    expect(res.body).not.toContain("[DONE]");
    expect(res.body).toMatch(/"error"/);
  });
});

describe("provider credentials", () => {
  it("a credential this proxy cannot decrypt is a 500 without an upstream call", async () => {
    const workspaceId = uniqueId("ws");
    const snapshot = workspaceSnapshot(
      workspaceId,
      [{ id: "cred_foreign", provider: "openai", baseUrl: world.fake.openaiBaseUrl }],
      [
        {
          alias: "foreign",
          deployments: [{ credentialId: "cred_foreign", upstreamModel: "gpt-4o" }],
        },
      ],
    );
    // encrypted under a master key this proxy does not have
    const otherKeyring = parseEncryptionKeys(generateEncryptionKey("other"));
    snapshot.credentials[0]!.encryptedSecret = encryptSecret(
      "sk-foreign",
      otherKeyring,
      "cred_foreign",
    );
    await publishWorkspace(world.redis, snapshot);
    const { secret } = await publishNewKey(world.redis, workspaceId);
    const res = await fetch(`${world.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${secret}` },
      body: chat("foreign"),
    });
    expectOpenaiError(
      { status: res.status, headers: Object.fromEntries(res.headers), body: await res.text() },
      500,
      /credential.*not usable/,
    );
    expect(world.fake.requests).toHaveLength(0);
  });
});

describe("x-request-id", () => {
  it("is on every response, and a safe client id is echoed", async () => {
    const responses = await Promise.all([
      fetch(`${world.url}/healthz`),
      fetch(`${world.url}/metrics`),
      fetch(`${world.url}/nope`),
      fetch(`${world.url}/v1/models`),
      fetch(`${world.url}/v1/chat/completions`, { method: "POST", body: "{" }),
    ]);
    for (const res of responses) expect(res.headers.get("x-request-id")).toMatch(/^req_[0-9a-f]+/);
    const echoed = await fetch(`${world.url}/healthz`, {
      headers: { "x-request-id": "client-trace-42" },
    });
    expect(echoed.headers.get("x-request-id")).toBe("client-trace-42");
    const unsafe = await fetch(`${world.url}/healthz`, {
      headers: { "x-request-id": "a b<script>" },
    });
    expect(unsafe.headers.get("x-request-id")).toMatch(/^req_/);
  });
});
