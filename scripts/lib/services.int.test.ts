import { createServer, type Server, type Socket } from "node:net";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  checkPostgres,
  checkRedis,
  ensureServices,
  isLocalHost,
  missingServiceMessage,
} from "./services.mjs";
import { freePort } from "./net.mjs";

// Against the real PostgreSQL and Redis of DATABASE_URL / REDIS_URL (what `npm test` uses),
// a closed port, and a server that speaks neither protocol.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const DATABASE_URL = process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";
const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";

let notADatabase: Server;
let notADatabasePort: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  // answers every connection with an HTTP response: open port, wrong protocol
  notADatabase = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
    socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
  });
  await new Promise<void>((r) => notADatabase.listen(0, "127.0.0.1", r));
  const address = notADatabase.address();
  notADatabasePort = typeof address === "object" && address ? address.port : 0;
});
afterAll(() => {
  for (const socket of sockets) socket.destroy();
  return new Promise<void>((r) => notADatabase.close(() => r()));
});

const withPort = (url: string, port: number) => {
  const u = new URL(url);
  u.port = String(port);
  return u.toString();
};

describe("checkRedis", () => {
  it("passes against the real Redis (PING, with SELECT of a db number)", async () => {
    expect(await checkRedis(REDIS_URL)).toEqual({ ok: true });
    const withDb = new URL(REDIS_URL);
    withDb.pathname = "/5";
    expect(await checkRedis(withDb.toString())).toEqual({ ok: true });
  });

  it("reports a closed port as unreachable and a non-Redis server as not Redis", async () => {
    expect(await checkRedis(withPort(REDIS_URL, await freePort()))).toMatchObject({
      ok: false,
      kind: "unreachable",
      detail: "connection refused",
    });
    expect(await checkRedis(withPort(REDIS_URL, notADatabasePort))).toMatchObject({
      ok: false,
      kind: "not-the-service",
    });
    expect(await checkRedis("http://x")).toMatchObject({ ok: false, kind: "bad-url" });
  });
});

describe("checkPostgres", () => {
  it("passes against the real PostgreSQL, also when the database does not exist yet", async () => {
    expect(await checkPostgres(DATABASE_URL, ROOT)).toEqual({ ok: true });
    const missing = new URL(DATABASE_URL);
    missing.pathname = "/gh_does_not_exist_yet";
    expect(await checkPostgres(missing.toString(), ROOT)).toEqual({ ok: true });
  });

  it("works with the raw protocol before dependencies are installed (no pg to be found)", async () => {
    expect(await checkPostgres(DATABASE_URL, "/nonexistent")).toEqual({ ok: true });
    expect(
      await checkPostgres(withPort(DATABASE_URL, await freePort()), "/nonexistent"),
    ).toMatchObject({ ok: false, kind: "unreachable" });
    expect(
      await checkPostgres(withPort(DATABASE_URL, notADatabasePort), "/nonexistent"),
    ).toMatchObject({ ok: false, kind: "not-the-service" });
  });

  it("reports a closed port as unreachable", async () => {
    expect(await checkPostgres(withPort(DATABASE_URL, await freePort()), ROOT)).toMatchObject({
      ok: false,
      kind: "unreachable",
    });
  });
});

describe("ensureServices", () => {
  it("returns the URLs when both answer", async () => {
    await expect(
      ensureServices({ databaseUrl: DATABASE_URL, redisUrl: REDIS_URL, root: ROOT }),
    ).resolves.toEqual({
      databaseUrl: DATABASE_URL,
      redisUrl: REDIS_URL,
    });
  });

  it("explains each missing service in its own paragraph", async () => {
    const databaseUrl = withPort(DATABASE_URL, await freePort());
    const redisUrl = withPort(REDIS_URL, await freePort());
    const error = await ensureServices({
      databaseUrl,
      redisUrl,
      root: ROOT,
      autostart: false,
      rerun: "npm test",
    }).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const paragraphs = (error as Error).message.split("\n\n");
    expect(paragraphs).toHaveLength(2);
    expect(paragraphs[0]).toMatch(
      /^PostgreSQL is not reachable: nothing answered at postgresql:\/\/.*\(connection refused\)/,
    );
    expect(paragraphs[1]).toMatch(
      /^Redis is not reachable: nothing answered at redis:\/\/.*\(connection refused\)/,
    );
    for (const p of paragraphs) expect(p).toMatch(/Then run `npm test` again\.$/);
  });
});

describe("messages", () => {
  it("never print a password", () => {
    const message = missingServiceMessage(
      "postgres",
      "postgresql://app:s3cret@db.example.com:5432/gatehouse",
      { ok: false, kind: "refused-login", detail: "password authentication failed" },
      [],
      "npm start",
    );
    expect(message).not.toContain("s3cret");
    expect(message).toContain("refused the login");
    expect(message).toContain("DATABASE_URL");
  });

  it("treat loopback names as local", () => {
    expect(["localhost", "127.0.0.1", "127.1.2.3", "::1", "[::1]"].every(isLocalHost)).toBe(true);
    expect(["db", "10.0.0.5", "example.com"].some(isLocalHost)).toBe(false);
  });
});
