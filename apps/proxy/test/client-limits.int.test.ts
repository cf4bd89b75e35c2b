import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ROUTES, sleep, startWorld, type World } from "./fixtures";
import { drip, parseAnswers, rawConnection, type RawAnswer } from "./raw-http";

/**
 * Hostile and broken clients (issue 12, items 8, 9, 11): oversized bodies answered 413 without
 * a reset, slow headers and bodies cut with a 408, idle connections closed, a connection cap,
 * and JSON answers to requests Node's parser refuses. Timeouts are short here so the tests run
 * fast; nothing asserts how long a cut took, only that it happened and what was answered.
 */

const MAX_BODY = 64 * 1024;

function expectOpenaiError(answer: RawAnswer | undefined, status: number, code: string) {
  expect(answer?.status).toBe(status);
  expect(answer?.headers["content-type"]).toBe("application/json");
  expect(answer?.headers["x-request-id"]).toBeTruthy();
  const body = JSON.parse(answer!.body) as { error: { code: string; message: string } };
  expect(body.error.code).toBe(code);
  expect(body.error.message.length).toBeGreaterThan(10);
  return body.error;
}

function expectAnthropicError(answer: RawAnswer | undefined, status: number, type: string) {
  expect(answer?.status).toBe(status);
  expect(answer?.headers["content-type"]).toBe("application/json");
  const body = JSON.parse(answer!.body) as {
    type: string;
    error: { type: string; message: string };
  };
  expect(body.type).toBe("error");
  expect(body.error.type).toBe(type);
  return body.error;
}

describe("with short client timeouts", () => {
  let world: World;

  beforeAll(async () => {
    world = await startWorld(
      {
        settings: {
          maxBodyBytes: MAX_BODY,
          clientHeadersTimeoutMs: 300,
          clientBodyTimeoutMs: 300,
          clientIdleTimeoutMs: 300,
        },
      },
      // a stream that lasts well past every client timeout: ~20 chunks 60 ms apart
      { chunkDelayMs: 60, completionTokens: 20 },
    );
  });
  afterAll(async () => {
    await world?.close();
  });

  const head = (path: string, length: number, extra = "") =>
    `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${world.key}\r\n` +
    `Content-Type: application/json\r\nContent-Length: ${length}\r\n${extra}\r\n`;

  describe("oversized bodies (413, no reset)", () => {
    it("a client that writes its whole body before reading gets the 413, then can reuse the connection", async () => {
      const size = 3 * MAX_BODY;
      const result = await rawConnection(world.url, (socket) => {
        socket.write(head("/v1/chat/completions", size));
        socket.write(Buffer.alloc(size, 0x20));
        // only read once everything was sent, as simple clients do
        socket.pause();
        setTimeout(() => {
          socket.resume();
          // the body was drained, so the connection is still good for another request
          socket.write("GET /v1/nothing HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        }, 200);
      });
      expect(result.error).toBeNull();
      expectOpenaiError(result.answers[0], 413, "payload_too_large");
      expect(result.answers[1]?.status).toBe(404);
    });

    it("fetch (undici) reads the 413 JSON body, in each wire format", async () => {
      const big = "x".repeat(3 * MAX_BODY);
      for (let i = 0; i < 5; i++) {
        const openai = await fetch(`${world.url}/v1/chat/completions`, {
          method: "POST",
          headers: { authorization: `Bearer ${world.key}`, "content-type": "application/json" },
          body: JSON.stringify({
            model: ROUTES.openai,
            messages: [{ role: "user", content: big }],
          }),
        });
        expect(openai.status).toBe(413);
        expect(((await openai.json()) as { error: { code: string } }).error.code).toBe(
          "payload_too_large",
        );
        const anthropic = await fetch(`${world.url}/v1/messages`, {
          method: "POST",
          headers: { "x-api-key": world.key, "content-type": "application/json" },
          body: JSON.stringify({
            model: ROUTES.anthropic,
            max_tokens: 5,
            messages: [{ role: "user", content: big }],
          }),
        });
        expect(anthropic.status).toBe(413);
        expect(await anthropic.json()).toMatchObject({
          type: "error",
          error: { type: "request_too_large" },
        });
      }
    });

    it("the SDKs see a 413 error, not a connection error", async () => {
      const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
      const error = await openai.chat.completions
        .create({
          model: ROUTES.openai,
          messages: [{ role: "user", content: "x".repeat(2 * MAX_BODY) }],
        })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(413);
      const anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
      const aError = await anthropic.messages
        .create({
          model: ROUTES.anthropic,
          max_tokens: 5,
          messages: [{ role: "user", content: "x".repeat(2 * MAX_BODY) }],
        })
        .catch((e: unknown) => e);
      expect(aError).toBeInstanceOf(Anthropic.APIError);
      expect((aError as InstanceType<typeof Anthropic.APIError>).status).toBe(413);
    });

    it("an endless chunked body is answered 413 and then cut, not read forever", async () => {
      let written = 0;
      const result = await rawConnection(world.url, (socket) => {
        socket.write(
          `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n` +
            "Transfer-Encoding: chunked\r\n\r\n",
        );
        const chunk = Buffer.concat([
          Buffer.from("4000\r\n"),
          Buffer.alloc(0x4000, 0x20),
          Buffer.from("\r\n"),
        ]);
        const pump = () => {
          while (!socket.destroyed && written < 512 * 1024 * 1024) {
            written += chunk.length;
            if (!socket.write(chunk)) return void socket.once("drain", pump);
          }
        };
        pump();
      });
      expectOpenaiError(parseAnswers(result.data)[0], 413, "payload_too_large");
      // cut long before the client ran out of body to send
      expect(written).toBeLessThan(512 * 1024 * 1024);
    });
  });

  describe("slow clients are cut", () => {
    it("headers sent one byte at a time: 408 in JSON, connection closed", async () => {
      const result = await rawConnection(world.url, (socket) =>
        drip(
          socket,
          `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nX-Slow: ${"y".repeat(500)}`,
          20,
        ),
      );
      const error = expectOpenaiError(result.answers[0], 408, "request_timeout");
      expect(error.message).toMatch(/headers/);
      expect(result.answers[0]?.headers.connection).toBe("close");
    });

    it("a connection that never sends anything is closed with a 408", async () => {
      const result = await rawConnection(world.url, () => undefined);
      expectOpenaiError(result.answers[0], 408, "request_timeout");
    });

    it("a body sent one byte at a time: 408 in the endpoint's wire format", async () => {
      const body = JSON.stringify({
        model: ROUTES.openai,
        messages: [{ role: "user", content: "hello there" }],
      });
      const openai = await rawConnection(world.url, (socket) => {
        socket.write(head("/v1/chat/completions", body.length));
        return drip(socket, body, 20);
      });
      const error = expectOpenaiError(openai.answers[0], 408, "request_timeout");
      expect(error.message).toMatch(/body/);
      expect(openai.answers[0]?.headers.connection).toBe("close");

      const anthropicBody = JSON.stringify({
        model: ROUTES.anthropic,
        max_tokens: 5,
        messages: [],
      });
      const anthropic = await rawConnection(world.url, (socket) => {
        socket.write(head("/v1/messages", anthropicBody.length));
        return drip(socket, anthropicBody, 20);
      });
      expectAnthropicError(anthropic.answers[0], 408, "invalid_request_error");
      expect(world.fake.requests).toHaveLength(0);
    });

    it("an idle keep-alive connection is closed after the idle timeout", async () => {
      const result = await rawConnection(world.url, (socket) => {
        socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
      });
      expect(result.answers).toHaveLength(1);
      expect(result.answers[0]?.status).toBe(200);
      expect(result.error).toBeNull();
    });

    it("a stream that runs far longer than every client timeout is not cut", async () => {
      const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
      const stream = await openai.chat.completions.create({
        model: ROUTES.openai,
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: "user", content: "tell me a long story" }],
      });
      let text = "";
      let usage: OpenAI.CompletionUsage | null | undefined = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.delta.content ?? "";
        if (chunk.usage) usage = chunk.usage;
      }
      expect(text.trim().split(/\s+/).length).toBe(20);
      expect(usage?.completion_tokens).toBe(20);
    });
  });

  describe("requests Node's parser refuses get a JSON body", () => {
    it("a malformed request line: 400 in OpenAI's format", async () => {
      const result = await rawConnection(world.url, (socket) => {
        socket.write("THIS IS NOT HTTP\r\n\r\n");
      });
      const error = expectOpenaiError(result.answers[0], 400, "invalid_request");
      expect(error.message).toMatch(/not valid HTTP/);
    });

    it("a broken header on an Anthropic path: 400 in Anthropic's format", async () => {
      const result = await rawConnection(world.url, (socket) => {
        socket.write("POST /v1/messages HTTP/1.1\r\nHost: x\r\nNo Colon Here\r\n\r\n");
      });
      expectAnthropicError(result.answers[0], 400, "invalid_request_error");
    });

    it("headers larger than the parser accepts: 431 in JSON", async () => {
      const result = await rawConnection(world.url, (socket) => {
        socket.write(
          `GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: ${"z".repeat(64 * 1024)}\r\n\r\n`,
        );
      });
      const error = expectOpenaiError(result.answers[0], 431, "headers_too_large");
      expect(error.message).toMatch(/headers are larger/);
    });
  });
});

describe("the connection cap", () => {
  let world: World;
  beforeAll(async () => {
    world = await startWorld({ settings: { maxConnections: 2 } });
  });
  afterAll(async () => {
    await world?.close();
  });

  const hold = (): Promise<Socket> =>
    new Promise((resolve) => {
      void rawConnection(world.url, (socket) => {
        // a complete request, then an idle keep-alive connection
        socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
        socket.once("data", () => resolve(socket));
      });
    });

  it("over the cap a client gets a quick 503 in its format; under it again it is served", async () => {
    const held = [await hold(), await hold()];
    const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
    const error = await openai.chat.completions
      .create({ model: ROUTES.openai, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    expect((error as InstanceType<typeof OpenAI.APIError>).headers?.get("retry-after")).toBe("1");

    const anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
    const aError = await anthropic.messages
      .create({
        model: ROUTES.anthropic,
        max_tokens: 5,
        messages: [{ role: "user", content: "hi" }],
      })
      .catch((e: unknown) => e);
    expect(aError).toBeInstanceOf(Anthropic.APIError);
    expect((aError as InstanceType<typeof Anthropic.APIError>).status).toBe(503);
    expect((aError as InstanceType<typeof Anthropic.APIError>).error).toMatchObject({
      type: "error",
      error: { type: "overloaded_error" },
    });
    expect(world.fake.requests).toHaveLength(0);
    // liveness and metrics still answer over the cap (a probe must not restart a busy proxy)
    expect((await fetch(`${world.url}/healthz`)).status).toBe(200);

    for (const socket of held) socket.destroy();
    // the proxy notices the closes asynchronously
    let served = false;
    for (let i = 0; i < 100 && !served; i++) {
      const res = await fetch(`${world.url}/v1/models`, {
        headers: { authorization: `Bearer ${world.key}` },
      }).catch(() => null);
      served = res?.status === 200;
      if (!served) await sleep(20);
    }
    expect(served).toBe(true);
  });

  it("past twice the cap, new connections are dropped without an answer", async () => {
    const held = [await hold(), await hold()];
    // accepted over the cap (answered 503 on their first request): held idle
    const over = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<Socket>((resolve) => {
            void rawConnection(world.url, (socket) => resolve(socket));
          }),
      ),
    );
    await sleep(50);
    const dropped = await rawConnection(world.url, (socket) => {
      socket.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
    });
    expect(dropped.answers).toHaveLength(0);
    for (const socket of [...held, ...over]) socket.destroy();
  });
});
