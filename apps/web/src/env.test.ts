import { describe, expect, it } from "vitest";
import { EnvError, parseEnv } from "./env";

const valid = {
  NODE_ENV: "development",
  DATABASE_URL: "postgresql://postgres@127.0.0.1:5432/gatehouse",
  REDIS_URL: "redis://127.0.0.1:6379/3",
  GATEHOUSE_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 7).toString("base64")}`,
};

function problems(source: Record<string, string | undefined>): string[] {
  try {
    parseEnv(source);
  } catch (error) {
    if (error instanceof EnvError) return error.problems;
    throw error;
  }
  return [];
}

describe("parseEnv", () => {
  it("accepts a minimal development environment and fills in defaults", () => {
    const env = parseEnv(valid);
    expect(env.GATEHOUSE_PROXY_URL).toBe("http://localhost:8787");
    expect(env.NEXTAUTH_SECRET).toBeUndefined();
    expect(env.GITHUB_ID).toBeUndefined();
  });

  it("lists every bad variable at once, by name", () => {
    const list = problems({
      NODE_ENV: "production",
      DATABASE_URL: "mysql://localhost/db",
      GATEHOUSE_PROXY_URL: "not a url",
      GITHUB_ID: "abc",
    });
    const names = list.map((line) => line.split(":")[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        "DATABASE_URL",
        "REDIS_URL",
        "GATEHOUSE_ENCRYPTION_KEYS",
        "GATEHOUSE_PROXY_URL",
        "NEXTAUTH_SECRET",
        "NEXTAUTH_URL",
        "GITHUB_SECRET",
      ]),
    );
    expect(list).toContain("REDIS_URL: required");
  });

  it("never echoes a variable's value in the message", () => {
    const secret = "postgres-password-should-not-appear";
    expect(() => parseEnv({ ...valid, DATABASE_URL: `ftp://u:${secret}@h/db` })).toThrowError(
      EnvError,
    );
    expect(problems({ ...valid, DATABASE_URL: `ftp://u:${secret}@h/db` }).join("\n")).not.toContain(
      secret,
    );
  });

  it("requires a strong NEXTAUTH_SECRET and NEXTAUTH_URL in production only", () => {
    expect(problems({ ...valid, NODE_ENV: "production", NEXTAUTH_SECRET: "short" })).toEqual([
      "NEXTAUTH_SECRET: required in production, at least 32 characters (openssl rand -base64 32)",
      "NEXTAUTH_URL: required in production: the public URL of the dashboard",
    ]);
    expect(
      problems({
        ...valid,
        NODE_ENV: "production",
        NEXTAUTH_SECRET: "x".repeat(32),
        NEXTAUTH_URL: "https://gatehouse.example.com",
      }),
    ).toEqual([]);
  });

  it("checks the shape of the encryption keyring without echoing it", () => {
    const list = problems({ ...valid, GATEHOUSE_ENCRYPTION_KEYS: "k1:dG9vLXNob3J0" });
    expect(list).toEqual([
      'GATEHOUSE_ENCRYPTION_KEYS: entry 1 (key id "k1"): key must be base64 of exactly 32 bytes',
    ]);
  });

  it("treats empty optional variables as unset", () => {
    const env = parseEnv({ ...valid, GITHUB_ID: "", GITHUB_SECRET: " " });
    expect(env.GITHUB_ID).toBeUndefined();
    expect(env.GITHUB_SECRET).toBeUndefined();
  });
});
