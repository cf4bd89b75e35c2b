import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "@gatehouse/shared/server";
import { PROVIDER_KEY, ROUTES, startWorld, type World } from "./fixtures";

/** The proxy's log lines (access log on, debug level) as the shared logger writes them. */
const lines: string[] = [];
let world: World;

beforeAll(async () => {
  world = await startWorld({
    settings: { accessLog: true },
    log: createLogger({
      service: "proxy",
      level: "debug",
      destination: { write: (line) => void lines.push(line) },
    }),
  });
});
afterAll(async () => {
  await world?.close();
});

const records = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);

describe("proxy logging", () => {
  it("writes one access-log line per request and never a virtual or provider key", async () => {
    const openai = new OpenAI({ baseURL: `${world.url}/v1`, apiKey: world.key, maxRetries: 0 });
    const anthropic = new Anthropic({ baseURL: world.url, apiKey: world.key, maxRetries: 0 });
    await openai.chat.completions.create({
      model: ROUTES.openai,
      messages: [{ role: "user", content: "hi" }],
    });
    await anthropic.messages.create({
      model: ROUTES.anthropic,
      max_tokens: 16,
      messages: [{ role: "user", content: "hi" }],
    });
    // an upstream on a closed port: the proxy logs the connection error (debug)
    await expect(
      openai.chat.completions.create({
        model: ROUTES.dead,
        messages: [{ role: "user", content: "hi" }],
      }),
    ).rejects.toThrow();

    const access = records().filter((r) => r.msg === "request");
    expect(access.map((r) => [r.method, r.path, r.status])).toEqual([
      ["POST", "/v1/chat/completions", 200],
      ["POST", "/v1/messages", 200],
      ["POST", "/v1/chat/completions", 502],
    ]);
    expect(access[0]).toMatchObject({ level: "info", service: "proxy", clientAborted: false });
    expect(records().find((r) => r.msg === "upstream call failed")).toMatchObject({
      level: "debug",
      error: { name: "Error", code: "ECONNREFUSED" },
    });
    const text = lines.join("");
    expect(text).not.toContain(world.key);
    expect(text).not.toContain(PROVIDER_KEY);
  });
});
