import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

const KEYS = "k1:" + Buffer.alloc(32, 1).toString("base64");

describe("parseEnv", () => {
  it("applies the defaults", () => {
    const env = parseEnv({ GATEHOUSE_ENCRYPTION_KEYS: KEYS });
    expect(env).toMatchObject({
      GATEHOUSE_PROXY_HOST: "0.0.0.0",
      GATEHOUSE_PROXY_PORT: 8787,
      REDIS_URL: "redis://127.0.0.1:6379",
      GATEHOUSE_MAX_BODY_BYTES: 20 * 1024 * 1024,
      GATEHOUSE_UPSTREAM_TTFB_TIMEOUT_MS: 30_000,
      GATEHOUSE_UPSTREAM_IDLE_TIMEOUT_MS: 60_000,
      GATEHOUSE_UPSTREAM_TOTAL_TIMEOUT_MS: 300_000,
      GATEHOUSE_DEFAULT_MAX_TOKENS: 4096,
      GATEHOUSE_CONFIG_CACHE_SIZE: 10_000,
      GATEHOUSE_USAGE_BUFFER_MAX: 100_000,
      GATEHOUSE_ACCESS_LOG: false,
      GATEHOUSE_LOG_LEVEL: "info",
    });
  });

  it("parses values and treats empty strings as unset", () => {
    const env = parseEnv({
      GATEHOUSE_ENCRYPTION_KEYS: KEYS,
      GATEHOUSE_PROXY_PORT: "9000",
      GATEHOUSE_ACCESS_LOG: "true",
      GATEHOUSE_LOG_LEVEL: "debug",
      GATEHOUSE_MAX_BODY_BYTES: "",
    });
    expect(env.GATEHOUSE_PROXY_PORT).toBe(9000);
    expect(env.GATEHOUSE_ACCESS_LOG).toBe(true);
    expect(env.GATEHOUSE_LOG_LEVEL).toBe("debug");
    expect(env.GATEHOUSE_MAX_BODY_BYTES).toBe(20 * 1024 * 1024);
  });

  it("lists every bad variable in one readable message, without echoing the keys", () => {
    let error: unknown;
    try {
      parseEnv({
        GATEHOUSE_PROXY_PORT: "eighty",
        REDIS_URL: "http://nope",
        GATEHOUSE_ACCESS_LOG: "maybe",
        GATEHOUSE_LOG_LEVEL: "loud",
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(EnvError);
    const message = (error as Error).message;
    for (const name of [
      "GATEHOUSE_PROXY_PORT",
      "REDIS_URL",
      "GATEHOUSE_ENCRYPTION_KEYS",
      "GATEHOUSE_ACCESS_LOG",
      "GATEHOUSE_LOG_LEVEL",
    ]) {
      expect(message).toContain(name);
    }
    expect(message).toContain('"eighty"');
    expect(message).not.toMatch(/\n\s+at /); // no stack trace in the message
  });
});
