// Ports and HTTP health checks for the start and test commands. Node built-ins only.
import { createServer } from "node:net";
import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";

/**
 * Resolves to true when `port` can be bound on `host` (nobody listens there).
 * @param {number} port
 * @param {string} host
 */
export function portFree(port, host) {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once("error", (/** @type {NodeJS.ErrnoException} */ error) => {
      // A host this machine does not have (e.g. no IPv6) says nothing about the port.
      resolve(error.code !== "EADDRINUSE" && error.code !== "EACCES");
    });
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** A port the OS picks as free right now (for tests). */
export function freePort(host = "127.0.0.1") {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * One GET; resolves to the status code and body, or rejects on a network error.
 * @param {string} url
 * @param {{ timeoutMs?: number, headers?: Record<string, string> }} [options]
 * @returns {Promise<{ status: number, body: string }>}
 */
export function httpGet(url, options = {}) {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", headers: options.headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk) => {
        if (body.length < 64 * 1024) body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      res.on("error", reject);
    });
    req.setTimeout(options.timeoutMs ?? 3_000, () =>
      req.destroy(new Error(`timed out: GET ${url}`)),
    );
    req.on("error", reject);
    req.end();
  });
}

/**
 * Polls `url` until it answers 2xx. Gives up after `timeoutMs`, or as soon as `gaveUp()`
 * returns a reason (e.g. the process that should answer has exited).
 * @param {string} url
 * @param {{ timeoutMs?: number, gaveUp?: () => string | undefined }} [options]
 */
export async function waitForHttp(url, options = {}) {
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  let last = "no answer yet";
  for (;;) {
    const reason = options.gaveUp?.();
    if (reason) throw new Error(reason);
    try {
      const { status } = await httpGet(url, { timeoutMs: 5_000 });
      if (status >= 200 && status < 300) return;
      last = `HTTP ${status}`;
    } catch (error) {
      last = /** @type {Error} */ (error).message;
    }
    if (Date.now() > deadline) throw new Error(`${url} did not answer 2xx in time (last: ${last})`);
    await sleep(250);
  }
}
