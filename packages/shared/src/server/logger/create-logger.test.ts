import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { createLogger, silentLogger, type LogLevel } from "./create-logger";

function capture(level: LogLevel = "debug") {
  const lines: string[] = [];
  const log = createLogger({
    service: "test",
    level,
    destination: { write: (l) => lines.push(l) },
  });
  return { log, lines, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const SECRET = "sk-live-0123456789abcdef";

describe("createLogger", () => {
  it("writes one JSON line per message: level label, ISO time, service, msg and fields", () => {
    const { log, lines, records } = capture();
    log.info("listening", { port: 8787 });
    log.warn("no fields");
    expect(lines.every((l) => l.endsWith("\n"))).toBe(true);
    // the message leads, so a reader (or a regex) finds it before the fields
    expect(lines[0]).toMatch(
      /^\{"level":"info","time":"[^"]+","service":"test","msg":"listening","port":8787\}\n$/,
    );
    const [first, second] = records();
    expect(first).toMatchObject({ level: "info", service: "test", msg: "listening", port: 8787 });
    expect(new Date(first!.time as string).toISOString()).toBe(first!.time);
    expect(second).toMatchObject({ level: "warn", msg: "no fields" });
  });

  it("drops lines below its level and says which levels are enabled", () => {
    const { log, records } = capture("warn");
    log.debug("d");
    log.info("i");
    log.warn("w");
    log.error("e");
    expect(records().map((r) => r.msg)).toEqual(["w", "e"]);
    expect(log.isEnabled("info")).toBe(false);
    expect(log.isEnabled("error")).toBe(true);
    expect(silentLogger.isEnabled("error")).toBe(false);
  });

  it("never writes a secret field, at the top level or inside headers and config", () => {
    const { log, lines } = capture();
    log.info("request", {
      authorization: `Bearer ${SECRET}`,
      "x-api-key": SECRET,
      password: SECRET,
      headers: { authorization: `Bearer ${SECRET}`, "x-api-key": SECRET, cookie: SECRET },
      req: { headers: { "proxy-authorization": SECRET, "set-cookie": SECRET } },
      config: { apiKey: SECRET, GATEHOUSE_ENCRYPTION_KEYS: SECRET },
      credentials: { secret: SECRET, token: SECRET },
      requestId: "req_1",
    });
    log.child({ credential: { key: SECRET } }).warn("child", { api_key: SECRET });
    const text = lines.join("");
    expect(text).not.toContain(SECRET);
    expect(text).toContain('"requestId":"req_1"');
    // 3 top-level, 3 + 2 in headers, 2 in config, credentials and credential as a whole, api_key
    expect(text.match(/\[redacted\]/g)).toHaveLength(13);
  });

  it("logs an error's name, message, code and stack, never its other properties", () => {
    const { log, lines, records } = capture();
    const error = Object.assign(new TypeError("fetch failed"), {
      code: "UND_ERR_CONNECT_TIMEOUT",
      request: { headers: { "x-goog-api-key": SECRET } },
      cause: Object.assign(new Error("socket hang up"), { options: { auth: SECRET } }),
    });
    log.error("upstream call failed", { error });
    log.error("nested", { detail: { error } });
    log.error("pino's own key", { err: error });
    expect(lines.join("")).not.toContain(SECRET);
    const [first, nested, err] = records();
    expect(first!.error).toMatchObject({
      name: "TypeError",
      message: "fetch failed",
      code: "UND_ERR_CONNECT_TIMEOUT",
      cause: { name: "Error", message: "socket hang up" },
    });
    expect(String((first!.error as { stack: string }).stack)).toContain("TypeError: fetch failed");
    expect(Object.keys(first!.error as object).sort()).toEqual([
      "cause",
      "code",
      "message",
      "name",
      "stack",
    ]);
    expect((nested!.detail as { error: unknown }).error).toMatchObject({ name: "TypeError" });
    expect(err!.err).toMatchObject({ name: "TypeError", message: "fetch failed" });
  });

  it("pretty output (development on a terminal) still redacts; JSON otherwise", async () => {
    const script = (format: string) => `
      import { createLogger } from "@gatehouse/shared/server";
      const log = createLogger({ service: "demo", level: "info", format: "${format}" });
      log.info("hello", { headers: { authorization: "Bearer ${SECRET}" }, n: 1 });
    `;
    const run = (format: string) =>
      promisify(execFile)(process.execPath, [
        "--import",
        "tsx",
        "--input-type=module",
        "-e",
        script(format),
      ]);
    const pretty = await run("pretty");
    expect(pretty.stdout).toMatch(/INFO.*hello/);
    expect(pretty.stdout).not.toContain(SECRET);
    expect(() => JSON.parse(pretty.stdout)).toThrow();
    // "auto" with stdout a pipe (not a terminal): JSON lines
    const auto = await run("auto");
    expect(JSON.parse(auto.stdout)).toMatchObject({
      msg: "hello",
      headers: { authorization: "[redacted]" },
    });
  });
});
