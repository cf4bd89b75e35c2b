import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  documentedKeys,
  ensureEnvFile,
  generateEncryptionKeys,
  loadEnvFile,
  parseEnv,
  portFromEnv,
} from "./env.mjs";

describe("parseEnv", () => {
  it("reads plain, quoted, exported and commented lines the way dotenv does", () => {
    const parsed = parseEnv(
      [
        "# a comment",
        "PLAIN=value",
        "export EXPORTED=yes",
        'DOUBLE="two words # not a comment"',
        "SINGLE='it''s'",
        "TRAILING=abc # a comment",
        'NEWLINE="a\\nb"',
        "EMPTY=",
        "  SPACED = x ",
        "not a variable",
      ].join("\n"),
    );
    expect(parsed).toEqual({
      PLAIN: "value",
      EXPORTED: "yes",
      DOUBLE: "two words # not a comment",
      SINGLE: "it",
      TRAILING: "abc",
      NEWLINE: "a\nb",
      EMPTY: "",
      SPACED: "x",
    });
  });

  it("lists documented keys, commented-out ones included, but not prose", () => {
    const keys = documentedKeys("# Prose about FOO and BAR=\nFOO=1\n# BAR=2\n#BAZ=\nlower=1\n");
    expect([...keys].sort()).toEqual(["BAR", "BAZ", "FOO"]);
  });
});

describe("the .env file", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "gatehouse-env-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("is created from the example with fresh secrets, readable by its owner only, once", () => {
    const example = join(dir, ".env.example");
    writeFileSync(
      example,
      "# keys\nGATEHOUSE_ENCRYPTION_KEYS=\n# secret\nNEXTAUTH_SECRET=\nOTHER=\n",
    );
    const env = join(dir, ".env");
    expect(ensureEnvFile(env, example)).toBe(true);
    const first = parseEnv(readFileSync(env, "utf8"));
    expect(first.GATEHOUSE_ENCRYPTION_KEYS).toMatch(/^k\d{8}:[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(first.GATEHOUSE_ENCRYPTION_KEYS!.split(":")[1]!, "base64")).toHaveLength(32);
    expect(first.NEXTAUTH_SECRET!.length).toBeGreaterThanOrEqual(32);
    expect(first.OTHER).toBe("");
    expect(statSync(env).mode & 0o777).toBe(0o600);

    // a second run keeps the existing file (and its secrets)
    expect(ensureEnvFile(env, example)).toBe(false);
    expect(parseEnv(readFileSync(env, "utf8"))).toEqual(first);

    // two files never share a secret
    const other = join(dir, ".env2");
    ensureEnvFile(other, example);
    expect(parseEnv(readFileSync(other, "utf8")).GATEHOUSE_ENCRYPTION_KEYS).not.toBe(
      first.GATEHOUSE_ENCRYPTION_KEYS,
    );
  });

  it("adds the secrets even when the example lacks them", () => {
    const env = join(dir, ".env");
    ensureEnvFile(env, join(dir, "missing.example"));
    const parsed = parseEnv(readFileSync(env, "utf8"));
    expect(parsed.GATEHOUSE_ENCRYPTION_KEYS).toBeTruthy();
    expect(parsed.NEXTAUTH_SECRET).toBeTruthy();
  });

  it("loads without overriding what the environment already has, and skips empty values", () => {
    const env = join(dir, ".env");
    writeFileSync(env, "A=from-file\nB=from-file\nC=\n");
    const target: NodeJS.ProcessEnv = { A: "from-env" };
    expect(loadEnvFile(env, target)).toEqual(["B"]);
    expect(target).toEqual({ A: "from-env", B: "from-file" });
  });
});

describe("generateEncryptionKeys", () => {
  it("makes `<keyId>:<base64 of 32 random bytes>`", () => {
    const [id, key] = generateEncryptionKeys("k1").split(":");
    expect(id).toBe("k1");
    expect(Buffer.from(key!, "base64")).toHaveLength(32);
  });
});

describe("portFromEnv", () => {
  it("reads a port, falls back when unset, and refuses nonsense with the variable's name", () => {
    expect(portFromEnv("P", 3000, {})).toBe(3000);
    expect(portFromEnv("P", 3000, { P: " " })).toBe(3000);
    expect(portFromEnv("P", 3000, { P: "4000" })).toBe(4000);
    expect(() => portFromEnv("P", 3000, { P: "70000" })).toThrow(/P must be a port number/);
    expect(() => portFromEnv("P", 3000, { P: "abc" })).toThrow(/P must be a port number/);
  });
});
