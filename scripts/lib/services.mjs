// Finding PostgreSQL and Redis for the start and test commands: check the configured URLs
// with a real protocol exchange, start local servers when they are installed but down, fall
// back to `docker compose`, and otherwise explain in one paragraph what is missing.
// Node built-ins only; the `pg` package is used when it is installed.
import { connect as tcpConnect } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { accessSync, constants, existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { run } from "./proc.mjs";
import { redactUrl, step, ok, UserError } from "./log.mjs";

export const DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/gatehouse";
export const DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0";
/** The password docker-compose.yml gives its postgres service unless POSTGRES_PASSWORD is set. */
const COMPOSE_POSTGRES_PASSWORD = "gatehouse";

/** @typedef {{ ok: true } | { ok: false, kind: "unreachable" | "refused-login" | "not-the-service" | "bad-url", detail: string }} Check */

export function isLocalHost(/** @type {string} */ host) {
  const h = host.replace(/^\[|\]$/g, "").toLowerCase();
  return h === "localhost" || h === "::1" || h.startsWith("127.") || h === "0.0.0.0" || h === "";
}

/** Describes a socket error the way a person would. */
function describeSocketError(/** @type {NodeJS.ErrnoException} */ error) {
  switch (error.code) {
    case "ECONNREFUSED":
      return "connection refused";
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host name not found";
    case "ETIMEDOUT":
      return "timed out";
    case "EHOSTUNREACH":
    case "ENETUNREACH":
      return "host unreachable";
    default:
      return error.message;
  }
}

/**
 * Opens a socket, writes `request`, and hands every received chunk to `onData` until it
 * returns a verdict.
 * @param {{ host: string, port: number, tls?: boolean, timeoutMs?: number }} target
 * @param {(write: (data: Buffer | string) => void) => void} onConnect
 * @param {(received: Buffer) => Check | undefined} onData
 * @returns {Promise<Check>}
 */
function exchange(target, onConnect, onData) {
  return new Promise((resolve) => {
    const host = target.host.replace(/^\[|\]$/g, "");
    const socket = target.tls
      ? tlsConnect({ host, port: target.port, servername: host, rejectUnauthorized: false })
      : tcpConnect({ host, port: target.port });
    let received = Buffer.alloc(0);
    let settled = false;
    const finish = (/** @type {Check} */ result) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(target.timeoutMs ?? 3_000, () =>
      finish({ ok: false, kind: "unreachable", detail: "timed out" }),
    );
    socket.once(target.tls ? "secureConnect" : "connect", () =>
      onConnect((data) => socket.write(data)),
    );
    socket.on("data", (chunk) => {
      received = Buffer.concat([received, chunk]);
      const verdict = onData(received);
      if (verdict) finish(verdict);
    });
    socket.on("error", (error) =>
      finish({ ok: false, kind: "unreachable", detail: describeSocketError(error) }),
    );
    socket.on("close", () =>
      finish({
        ok: false,
        kind: "not-the-service",
        detail: "the server closed the connection without answering",
      }),
    );
  });
}

/** @param {string} url */
function parseRedisUrl(url) {
  const u = new URL(url);
  if (u.protocol !== "redis:" && u.protocol !== "rediss:") throw new Error("not a redis:// URL");
  return {
    host: u.hostname || "127.0.0.1",
    port: Number(u.port || 6379),
    tls: u.protocol === "rediss:",
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    db: Number(u.pathname.replace(/^\//, "") || 0),
  };
}

/** Encodes a command in RESP. */
function resp(/** @type {string[]} */ parts) {
  return `*${parts.length}\r\n${parts.map((p) => `$${Buffer.byteLength(p)}\r\n${p}\r\n`).join("")}`;
}

/**
 * Checks that a Redis server answers at `url`: AUTH (when the URL has a password), SELECT
 * (when it names a db) and PING, over a raw socket.
 * @param {string} url
 * @returns {Promise<Check>}
 */
export async function checkRedis(url) {
  let target;
  try {
    target = parseRedisUrl(url);
  } catch (error) {
    return { ok: false, kind: "bad-url", detail: /** @type {Error} */ (error).message };
  }
  /** @type {string[][]} */
  const commands = [];
  if (target.password)
    commands.push(
      target.username ? ["AUTH", target.username, target.password] : ["AUTH", target.password],
    );
  if (target.db) commands.push(["SELECT", String(target.db)]);
  commands.push(["PING"]);
  return exchange(
    target,
    (write) => write(commands.map(resp).join("")),
    (received) => {
      const lines = received.toString("utf8").split("\r\n").filter(Boolean);
      for (const line of lines) {
        if (line.startsWith("-")) {
          const message = line.slice(1);
          const login = /NOAUTH|WRONGPASS|invalid password|AUTH/i.test(message);
          return { ok: false, kind: login ? "refused-login" : "not-the-service", detail: message };
        }
        if (!line.startsWith("+"))
          return {
            ok: false,
            kind: "not-the-service",
            detail: `unexpected answer ${JSON.stringify(line.slice(0, 40))}`,
          };
      }
      if (lines.length >= commands.length) {
        return lines.at(-1) === "+PONG"
          ? { ok: true }
          : { ok: false, kind: "not-the-service", detail: "no PONG" };
      }
      return undefined;
    },
  );
}

/** @param {string} url */
function parsePostgresUrl(url) {
  const u = new URL(url);
  if (u.protocol !== "postgresql:" && u.protocol !== "postgres:")
    throw new Error("not a postgresql:// URL");
  const socketHost = u.searchParams.get("host");
  return {
    host: u.hostname || socketHost || "127.0.0.1",
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username) || process.env.USER || "postgres",
    database: decodeURIComponent(u.pathname.replace(/^\//, "")) || "postgres",
  };
}

/**
 * PostgreSQL's startup message alone: any Authentication or ErrorResponse message means a
 * PostgreSQL server is listening (used before dependencies, and so `pg`, are installed).
 * @param {string} url
 * @returns {Promise<Check>}
 */
async function checkPostgresRaw(url) {
  const target = parsePostgresUrl(url);
  const params = Buffer.from(`user\0${target.user}\0database\0${target.database}\0\0`);
  const header = Buffer.alloc(8);
  header.writeInt32BE(8 + params.length, 0);
  header.writeInt32BE(196608, 4); // protocol 3.0
  return exchange(
    target,
    (write) => write(Buffer.concat([header, params])),
    (received) => {
      const type = String.fromCharCode(received[0] ?? 0);
      if (type === "R") return { ok: true };
      if (type === "E") {
        const text = received.toString("utf8", 5);
        const code = /C([0-9A-Z]{5})\0/.exec(text)?.[1];
        const message = /M([^\0]*)\0/.exec(text)?.[1] ?? "error";
        if (code === "3D000") return { ok: true }; // database missing: the migration creates it
        const login = code?.startsWith("28") ?? false;
        return { ok: false, kind: login ? "refused-login" : "not-the-service", detail: message };
      }
      return {
        ok: false,
        kind: "not-the-service",
        detail: "the server did not answer like PostgreSQL",
      };
    },
  );
}

/**
 * Checks that PostgreSQL answers at `url`: a real login with `pg` when it is installed,
 * otherwise the protocol's startup exchange. A missing database counts as fine (the
 * migration creates it).
 * @param {string} url
 * @param {string} root the repository root (where `pg` is installed)
 * @returns {Promise<Check>}
 */
export async function checkPostgres(url, root) {
  try {
    parsePostgresUrl(url);
  } catch (error) {
    return { ok: false, kind: "bad-url", detail: /** @type {Error} */ (error).message };
  }
  let pg;
  try {
    pg = createRequire(join(root, "package.json"))("pg");
  } catch {
    return checkPostgresRaw(url);
  }
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("select 1");
    return { ok: true };
  } catch (error) {
    const e = /** @type {NodeJS.ErrnoException & { code?: string }} */ (error);
    if (e.code === "3D000") return { ok: true };
    if (e.code?.startsWith("28")) return { ok: false, kind: "refused-login", detail: e.message };
    if (e.code && /^E[A-Z]+$/.test(e.code))
      return { ok: false, kind: "unreachable", detail: describeSocketError(e) };
    if (/timeout/i.test(e.message)) return { ok: false, kind: "unreachable", detail: "timed out" };
    return { ok: false, kind: "not-the-service", detail: e.message };
  } finally {
    await client.end().catch(() => {});
  }
}

/** The full path of an executable on PATH (plus the sbin folders), or undefined. */
export function findExecutable(/** @type {string} */ name) {
  const dirs = [
    ...(process.env.PATH ?? "").split(delimiter),
    "/usr/sbin",
    "/usr/local/sbin",
    "/sbin",
  ];
  for (const dir of dirs) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Debian clusters (`/etc/postgresql/<version>/<name>`) configured for `port`. */
function debianClusters(/** @type {number} */ port) {
  const base = "/etc/postgresql";
  if (!existsSync(base)) return [];
  const found = [];
  for (const version of readdirSync(base)) {
    const dir = join(base, version);
    let names = [];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const name of names) {
      const conf = join(dir, name, "postgresql.conf");
      if (!existsSync(conf)) continue;
      const configured = /^\s*port\s*=\s*(\d+)/m.exec(readFileSync(conf, "utf8"))?.[1];
      if (Number(configured ?? 5432) === port) found.push({ version, name });
    }
  }
  return found;
}

/** Polls `check` until it passes or `timeoutMs` runs out. */
async function waitFor(/** @type {() => Promise<Check>} */ check, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  let last = await check();
  while (!last.ok && Date.now() < deadline) {
    await sleep(300);
    last = await check();
  }
  return last;
}

/**
 * Tries to start a local PostgreSQL (Debian's pg_ctlcluster) serving `url`'s port.
 * @returns {Promise<string>} what was tried and how it went (for the message)
 */
async function startLocalPostgres(/** @type {string} */ url, /** @type {string} */ root) {
  const { port } = parsePostgresUrl(url);
  const ctl = findExecutable("pg_ctlcluster");
  if (!ctl) return "no local PostgreSQL installation was found (pg_ctlcluster is not installed)";
  const clusters = debianClusters(port);
  if (clusters.length === 0) return `no local PostgreSQL cluster is configured for port ${port}`;
  for (const { version, name } of clusters) {
    step(`Starting the local PostgreSQL ${version}/${name} (pg_ctlcluster)…`);
    const result = await run(ctl, ["--skip-systemctl-redirect", version, name, "start"], {
      output: "quiet",
    });
    const said = `${result.stderr}\n${result.stdout}`.trim();
    if (result.code !== 0 && !/already running/i.test(said)) {
      const why = said.split("\n").at(-1) || `exit code ${result.code}`;
      return `starting it with \`pg_ctlcluster ${version} ${name} start\` failed (${why})`;
    }
  }
  const after = await waitFor(() => checkPostgres(url, root));
  return after.ok
    ? ""
    : `pg_ctlcluster started the cluster, but it still does not answer (${after.detail})`;
}

/** Tries to start a local redis-server (only for the standard port 6379). */
async function startLocalRedis(/** @type {string} */ url) {
  const { port } = parseRedisUrl(url);
  const bin = findExecutable("redis-server");
  if (!bin) return "no local Redis installation was found (redis-server is not installed)";
  if (port !== 6379)
    return `a local redis-server is only started for the standard port 6379 (the URL names ${port})`;
  step("Starting a local redis-server on port 6379…");
  const result = await run(
    bin,
    [
      "--daemonize",
      "yes",
      "--bind",
      "127.0.0.1",
      "-::1",
      "--port",
      String(port),
      "--save",
      "",
      "--appendonly",
      "no",
    ],
    { output: "quiet" },
  );
  if (result.code !== 0)
    return `starting redis-server failed (${(result.stderr || result.stdout).trim().split("\n").at(-1)})`;
  const after = await waitFor(() => checkRedis(url));
  return after.ok ? "" : `redis-server started, but it still does not answer (${after.detail})`;
}

/** True when a Docker engine answers. */
export async function dockerWorks() {
  const docker = findExecutable("docker");
  if (!docker) return false;
  const result = await Promise.race([
    run(docker, ["info", "--format", "{{.ServerVersion}}"], { output: "quiet" }),
    sleep(15_000).then(() => ({ code: 1 })),
  ]).catch(() => ({ code: 1 }));
  return result.code === 0;
}

const INSTALL = {
  postgres: {
    name: "PostgreSQL",
    variable: "DATABASE_URL",
    example: "postgresql://USER:PASSWORD@HOST:5432/gatehouse",
    debian:
      "`sudo apt-get install -y postgresql && sudo pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`",
    macos: "`brew install postgresql@17 && brew services start postgresql@17`",
    compose: "postgres",
    composePort: 5432,
    version: "15 or newer",
  },
  redis: {
    name: "Redis",
    variable: "REDIS_URL",
    example: "redis://:PASSWORD@HOST:6379/0",
    debian:
      '`sudo apt-get install -y redis-server && redis-server --daemonize yes --port 6379 --save ""`',
    macos: "`brew install redis && brew services start redis`",
    compose: "redis",
    composePort: 6379,
    version: "7 or newer",
  },
};

/**
 * The one-paragraph explanation for a service that cannot be reached.
 * @param {"postgres" | "redis"} service
 * @param {string} url
 * @param {Check & { ok: false }} check
 * @param {string[]} tried
 * @param {string} rerun
 */
export function missingServiceMessage(service, url, check, tried, rerun) {
  const s = INSTALL[service];
  const shown = redactUrl(url);
  if (check.kind === "bad-url") {
    return `${s.name}: ${s.variable} is not a valid URL (${check.detail}): ${shown}. Set ${s.variable} in .env or the environment to a URL like ${s.example}, then run \`${rerun}\` again.`;
  }
  if (check.kind === "refused-login") {
    return `${s.name} at ${shown} answered but refused the login (${check.detail}). Put the right user and password in ${s.variable} (in .env or the environment), e.g. ${s.variable}=${s.example}, then run \`${rerun}\` again.`;
  }
  const what =
    check.kind === "unreachable"
      ? `nothing answered at ${shown} (${check.detail})`
      : `the server at ${shown} did not answer like ${s.name} (${check.detail})`;
  const attempts = tried.length ? ` Automatic start: ${tried.join("; ")}.` : "";
  return (
    `${s.name} is not reachable: ${what}.${attempts} Gatehouse needs ${s.name} ${s.version}. ` +
    `To provide it, start a local server (Debian/Ubuntu: ${s.debian}; macOS with Homebrew: ${s.macos}), ` +
    `or set ${s.variable} in .env or the environment to a server you already have (${s.variable}=${s.example}), ` +
    `or, with Docker, run \`docker compose up -d ${s.compose}\`. Then run \`${rerun}\` again.`
  );
}

/**
 * Makes sure PostgreSQL and Redis answer at the given URLs, starting local servers or Docker
 * containers when it can. Returns the URLs to use (a Docker fallback adds the compose
 * password to a password-less DATABASE_URL). Throws UserError with one paragraph per missing
 * service otherwise.
 * @param {{ databaseUrl: string, redisUrl: string, root: string, autostart?: boolean, rerun?: string }} options
 */
export async function ensureServices(options) {
  const { root, autostart = true, rerun = "npm start" } = options;
  let { databaseUrl, redisUrl } = options;
  const state = {
    postgres: {
      url: databaseUrl,
      check: await checkPostgres(databaseUrl, root),
      tried: /** @type {string[]} */ ([]),
    },
    redis: {
      url: redisUrl,
      check: await checkRedis(redisUrl),
      tried: /** @type {string[]} */ ([]),
    },
  };
  const down = () => /** @type {const} */ (["postgres", "redis"]).filter((s) => !state[s].check.ok);
  const startable = (/** @type {"postgres" | "redis"} */ s) => {
    const check = state[s].check;
    if (check.ok || check.kind !== "unreachable") return false;
    try {
      return isLocalHost(new URL(state[s].url).hostname);
    } catch {
      return false;
    }
  };

  // A password-less local URL refused: the PostgreSQL of docker-compose.yml wants its password.
  if (!state.postgres.check.ok && state.postgres.check.kind === "refused-login") {
    const u = new URL(databaseUrl);
    if (!u.password && isLocalHost(u.hostname)) {
      u.password = process.env.POSTGRES_PASSWORD || COMPOSE_POSTGRES_PASSWORD;
      const check = await checkPostgres(u.toString(), root);
      if (check.ok) {
        databaseUrl = u.toString();
        state.postgres = { url: databaseUrl, check, tried: [] };
        step("Using the password of docker-compose.yml's PostgreSQL (POSTGRES_PASSWORD)");
      }
    }
  }

  if (autostart) {
    if (startable("postgres")) {
      const why = await startLocalPostgres(databaseUrl, root);
      state.postgres.check = await checkPostgres(databaseUrl, root);
      if (!state.postgres.check.ok && why) state.postgres.tried.push(why);
    }
    if (startable("redis")) {
      const why = await startLocalRedis(redisUrl);
      state.redis.check = await checkRedis(redisUrl);
      if (!state.redis.check.ok && why) state.redis.tried.push(why);
    }
    const forDocker = down().filter(
      (s) =>
        startable(s) &&
        Number(new URL(state[s].url).port || INSTALL[s].composePort) === INSTALL[s].composePort,
    );
    if (forDocker.length > 0) {
      if (await dockerWorks()) {
        const services = forDocker.map((s) => INSTALL[s].compose);
        step(`Starting ${services.join(" and ")} with docker compose…`);
        const result = await run("docker", ["compose", "up", "-d", "--wait", ...services], {
          cwd: root,
          output: "prefix",
          label: "docker",
        });
        if (forDocker.includes("postgres")) {
          const u = new URL(databaseUrl);
          if (!u.password) {
            u.password = process.env.POSTGRES_PASSWORD || COMPOSE_POSTGRES_PASSWORD;
            databaseUrl = u.toString();
            state.postgres.url = databaseUrl;
          }
          state.postgres.check = await waitFor(() => checkPostgres(databaseUrl, root), 60_000);
        }
        if (forDocker.includes("redis"))
          state.redis.check = await waitFor(() => checkRedis(redisUrl), 30_000);
        for (const s of forDocker) {
          if (!state[s].check.ok)
            state[s].tried.push(
              `\`docker compose up -d ${INSTALL[s].compose}\` (exit code ${result.code}) did not bring it up`,
            );
        }
      } else {
        for (const s of forDocker) state[s].tried.push("Docker (no Docker engine is running)");
      }
    }
  }

  const missing = down();
  if (missing.length > 0) {
    const paragraphs = missing.map((s) => {
      const { url, check, tried } = state[s];
      return missingServiceMessage(
        s,
        url,
        /** @type {Check & { ok: false }} */ (check),
        tried,
        rerun,
      );
    });
    throw new UserError(paragraphs.join("\n\n"));
  }
  ok(`PostgreSQL at ${redactUrl(databaseUrl)} and Redis at ${redactUrl(redisUrl)} answer`);
  return { databaseUrl, redisUrl };
}
