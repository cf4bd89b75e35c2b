import { EnvError } from "@gatehouse/shared/server";
import { describe, expect, it } from "vitest";
import { DEFAULT_SHUTDOWN_TIMEOUT_MS, parseEnv, WorkerEnv } from "./env";

describe("worker env", () => {
  it("applies the defaults and reads the consumer list", () => {
    const env = parseEnv({ GATEHOUSE_WORKER_CONSUMERS: " usage, alerts ,," });
    expect(env).toMatchObject({
      DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/gatehouse",
      REDIS_URL: "redis://127.0.0.1:6379",
      GATEHOUSE_WORKER_PORT: 8788,
      GATEHOUSE_WORKER_CONCURRENCY: 2,
      GATEHOUSE_WORKER_SHUTDOWN_TIMEOUT_MS: DEFAULT_SHUTDOWN_TIMEOUT_MS,
      GATEHOUSE_LOG_LEVEL: "info",
    });
    expect(env.GATEHOUSE_ENCRYPTION_KEYS).toBeUndefined();
    expect([...env.GATEHOUSE_WORKER_CONSUMERS]).toEqual(["usage", "alerts"]);
    expect(parseEnv({ GATEHOUSE_WORKER_CONSUMERS: "" }).GATEHOUSE_WORKER_CONSUMERS.size).toBe(5);
  });

  it("checks the encryption keys and URLs at boot, naming them without their values", () => {
    const secret = "cGFzc3dvcmQtbWF0ZXJpYWw=";
    const source = {
      GATEHOUSE_ENCRYPTION_KEYS: `k1:${secret}`,
      REDIS_URL: `http://:${secret}@cache:6379`,
      GATEHOUSE_WORKER_CONCURRENCY: "0",
    };
    expect(() => parseEnv(source)).toThrow(EnvError);
    const error = WorkerEnv.safeParse(source).error!;
    expect(error.problems).toEqual([
      "REDIS_URL: must be a redis:// or rediss:// URL",
      'GATEHOUSE_WORKER_CONCURRENCY: must be at least 1 (got "0")',
      'GATEHOUSE_ENCRYPTION_KEYS: entry 1 (key id "k1"): key must be base64 of exactly 32 bytes',
    ]);
    expect(error.message).not.toContain(secret);
  });
});
