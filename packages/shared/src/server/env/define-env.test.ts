import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { defineEnv, EnvError } from "./define-env";
import * as envField from "./fields";

const KEYS = `k1:${Buffer.alloc(32, 3).toString("base64")}`;

const env = defineEnv(
  {
    REDIS_URL: envField.redisUrl(),
    DATABASE_URL: envField.databaseUrl().optional(),
    GATEHOUSE_ENCRYPTION_KEYS: envField.encryptionKeys(),
    PORT: envField.port(8080),
    WORKERS: envField.positiveInt(4, { max: 64 }),
    TIMEOUT_MS: envField.durationMs(30_000, { min: 100 }),
    VERBOSE: envField.flag(false),
    MODE: envField.oneOf(["a", "b"], "a"),
  },
  {
    app: "test",
    docs: "ENV.md",
    check: (raw) =>
      raw.MODE === "b" && !raw.DATABASE_URL ? ["DATABASE_URL: required in mode b"] : [],
  },
);

const problems = (source: Record<string, string | undefined>) =>
  env.safeParse(source).error?.problems ?? [];

describe("defineEnv", () => {
  it("applies defaults, trims values and treats blank ones as unset", () => {
    expect(
      env.parse({
        REDIS_URL: " redis://127.0.0.1:6379/2 ",
        GATEHOUSE_ENCRYPTION_KEYS: KEYS,
        PORT: "",
        WORKERS: "  ",
        VERBOSE: "Yes",
        UNRELATED: "ignored",
      }),
    ).toEqual({
      REDIS_URL: "redis://127.0.0.1:6379/2",
      GATEHOUSE_ENCRYPTION_KEYS: KEYS,
      PORT: 8080,
      WORKERS: 4,
      TIMEOUT_MS: 30_000,
      VERBOSE: true,
      MODE: "a",
    });
  });

  it("lists every problem at once, quoting numbers and flags but never URLs or keys", () => {
    const password = "hunter2-db-password";
    const keyMaterial = "c2VjcmV0LWtleS1tYXRlcmlhbA==";
    const source = {
      REDIS_URL: `http://user:${password}@host:6379`,
      GATEHOUSE_ENCRYPTION_KEYS: `k1:${keyMaterial}`,
      PORT: "eighty",
      WORKERS: "65",
      TIMEOUT_MS: "1.5",
      VERBOSE: "maybe",
      MODE: "b",
    };
    expect(() => env.parse(source)).toThrow(EnvError);
    const { problems, message } = env.safeParse(source).error!;
    expect(problems).toEqual([
      "REDIS_URL: must be a redis:// or rediss:// URL",
      'GATEHOUSE_ENCRYPTION_KEYS: entry 1 (key id "k1"): key must be base64 of exactly 32 bytes',
      'PORT: must be a port (0-65535) (got "eighty")',
      'WORKERS: must be at most 64 (got "65")',
      'TIMEOUT_MS: must be a duration in whole milliseconds (got "1.5")',
      'VERBOSE: must be true or false (got "maybe")',
      "DATABASE_URL: required in mode b",
    ]);
    expect(message).not.toContain(password);
    expect(message).not.toContain(keyMaterial);
    expect(message).toMatch(/^Invalid test configuration:\n {2}- REDIS_URL/);
    expect(message.endsWith("\nSee ENV.md.")).toBe(true);
  });

  it("says required for a missing variable without a default", () => {
    expect(problems({})).toEqual(["REDIS_URL: required", "GATEHOUSE_ENCRYPTION_KEYS: required"]);
    expect(problems({ REDIS_URL: "redis://h", GATEHOUSE_ENCRYPTION_KEYS: " " })).toEqual([
      "GATEHOUSE_ENCRYPTION_KEYS: required",
    ]);
  });

  it("load() prints every problem to stderr and exits 1, without a stack trace", async () => {
    const script = `
      import { defineEnv, envField } from "@gatehouse/shared/server";
      defineEnv({ REDIS_URL: envField.redisUrl(), PORT: envField.port(1) }, { app: "demo" }).load();
      process.stdout.write("unreachable");
    `;
    const run = promisify(execFile)(
      process.execPath,
      ["--import", "tsx", "--input-type=module", "-e", script],
      { env: { ...process.env, REDIS_URL: "redis://:s3cret-pw@", PORT: "-1" } },
    );
    const failure = (await run.then(
      () => null,
      (e: unknown) => e,
    )) as { code: number; stdout: string; stderr: string } | null;
    expect(failure?.code).toBe(1);
    expect(failure?.stdout).toBe("");
    expect(failure?.stderr).toBe(
      "Invalid demo configuration:\n" +
        "  - REDIS_URL: must be a redis:// or rediss:// URL\n" +
        '  - PORT: must be a port (0-65535) (got "-1")\n',
    );
  });
});
