import { describe, expect, it } from "vitest";
import * as envField from "./fields";

describe("env fields", () => {
  it("flag reads the usual spellings and refuses the rest", () => {
    const flag = envField.flag(false);
    for (const v of ["true", "TRUE", "1", "yes", "on"]) expect(flag.parse(v)).toBe(true);
    for (const v of ["false", "0", "No", "off"]) expect(flag.parse(v)).toBe(false);
    expect(flag.parse(undefined)).toBe(false);
    expect(flag.safeParse("enabled").success).toBe(false);
  });

  it("port allows 0 (any free port) up to 65535", () => {
    const port = envField.port(8787);
    expect(port.parse("0")).toBe(0);
    expect(port.parse("65535")).toBe(65535);
    expect(port.safeParse("65536").success).toBe(false);
    expect(port.safeParse("80.5").success).toBe(false);
  });

  it("URL fields check the scheme", () => {
    expect(envField.redisUrl().parse("rediss://:pw@cache.internal:6380/3")).toBe(
      "rediss://:pw@cache.internal:6380/3",
    );
    expect(envField.redisUrl().safeParse("127.0.0.1:6379").success).toBe(false);
    expect(envField.databaseUrl().safeParse("postgres://u:p@db/gatehouse").success).toBe(true);
    expect(envField.databaseUrl().safeParse("mysql://u:p@db/gatehouse").success).toBe(false);
    expect(envField.httpUrl().safeParse("https://gatehouse.example.com").success).toBe(true);
    expect(envField.httpUrl().safeParse("not a url").success).toBe(false);
  });

  it("encryptionKeys accepts a keyring with rotation and names a bad entry by position", () => {
    const key = (fill: number) => Buffer.alloc(32, fill).toString("base64");
    const keys = envField.encryptionKeys();
    expect(keys.safeParse(`k2:${key(2)},k1:${key(1)}`).success).toBe(true);
    const result = keys.safeParse(`k2:${key(2)},not-a-pair`);
    expect(result.error?.issues[0]?.message).toBe('entry 2 is not "<keyId>:<base64 of 32 bytes>"');
  });

  it("only numbers, flags and choices are marked as safe to quote back", () => {
    expect(envField.isShownInErrors(envField.positiveInt(1))).toBe(true);
    expect(envField.isShownInErrors(envField.oneOf(["a"], "a"))).toBe(true);
    expect(envField.isShownInErrors(envField.redisUrl())).toBe(false);
    expect(envField.isShownInErrors(envField.encryptionKeys())).toBe(false);
  });
});
