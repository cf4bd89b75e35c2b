import http from "node:http";
import type { AddressInfo } from "node:net";
import { Queue, type Worker } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { QUEUE_PREFIX, QueueName } from "@gatehouse/shared";
import type { Env } from "./env";
import type { Log } from "./log";
import { createWorkerMetrics, renderMetrics, type WorkerMetrics } from "./metrics";
import { startUsageConsumer } from "./consumers/usage";
import { startRetentionConsumer } from "./consumers/retention";
import { startAlertsConsumer } from "./consumers/alerts";
import { parseEncryptionKeys } from "@gatehouse/shared/server";
import { syncBuiltinPrices } from "./prices/sync";

export type WorkerEnv = Pick<
  Env,
  | "DATABASE_URL"
  | "REDIS_URL"
  | "GATEHOUSE_WORKER_HOST"
  | "GATEHOUSE_WORKER_PORT"
  | "GATEHOUSE_WORKER_CONCURRENCY"
  | "GATEHOUSE_WORKER_STALLED_INTERVAL_MS"
  | "GATEHOUSE_WORKER_CONSUMERS"
  | "GATEHOUSE_RETENTION_INTERVAL_MS"
  | "GATEHOUSE_RETENTION_BATCH_SIZE"
  | "GATEHOUSE_ENCRYPTION_KEYS"
>;

export interface WorkerApp {
  /** base URL of the health/metrics server */
  readonly url: string;
  readonly metrics: WorkerMetrics;
  /** resolves once the boot-time price sync has finished (or failed and been logged) */
  readonly pricesSynced: Promise<void>;
  /** Graceful: stop taking jobs, let the batches in flight finish, close connections. */
  close(): Promise<void>;
}

/** A consumer as the app sees it: something to close at shutdown (force: Redis is away,
 * do not wait for it). */
interface Running {
  name: string;
  close(force?: boolean): Promise<void>;
}

const PRICE_SYNC_RETRY_MS = 30_000;
/** the longest shutdown waits for in-flight jobs (BullMQ's lock lasts longer: a job cut off
 * here is re-run elsewhere, idempotently) */
const CLOSE_DEADLINE_MS = 25_000;
/** what GATEHOUSE_WORKER_CONSUMERS may name (add a new consumer here too) */
const KNOWN_CONSUMERS: readonly string[] = ["usage", "retention", "prices", "alerts"];
/** how long /readyz waits for Postgres and Redis */
const READY_TIMEOUT_MS = 2_000;

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * Wires the worker: Postgres pool, Redis connection, the consumers enabled by
 * GATEHOUSE_WORKER_CONSUMERS, and the health/metrics server (/healthz, /readyz, /metrics).
 */
export async function startWorkerApp(env: WorkerEnv, log: Log): Promise<WorkerApp> {
  const enabled = env.GATEHOUSE_WORKER_CONSUMERS;
  const pool = new pg.Pool({
    connectionString: env.DATABASE_URL,
    max: env.GATEHOUSE_WORKER_CONCURRENCY + 2,
  });
  pool.on("error", (err) => log("error", "postgres pool error", { error: err.message }));
  // BullMQ workers need blocking connections that retry forever.
  const connection = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
  // a Redis outage makes the connection and every consumer report each reconnect attempt:
  // log each source at most once per 5 s
  const lastError = new Map<string, number>();
  const errorLogger = (msg: string) => (err: Error) => {
    const now = Date.now();
    if (now - (lastError.get(msg) ?? 0) < 5_000) return;
    lastError.set(msg, now);
    log("error", msg, { error: err.message });
  };
  connection.on("error", errorLogger("redis error"));

  const metrics = createWorkerMetrics();
  const running: Running[] = [];
  let usageQueue: Queue | null = null;

  // ── consumers (each switchable by GATEHOUSE_WORKER_CONSUMERS) ────────────────────────
  if (enabled.has("usage")) {
    const worker: Worker = startUsageConsumer({
      connection,
      pool,
      concurrency: env.GATEHOUSE_WORKER_CONCURRENCY,
      stalledIntervalMs: env.GATEHOUSE_WORKER_STALLED_INTERVAL_MS,
      metrics,
    });
    worker.on("error", errorLogger("usage consumer error"));
    running.push({ name: "usage", close: (force) => worker.close(force) });
    usageQueue = new Queue(QueueName.usage, { connection, prefix: QUEUE_PREFIX });
    usageQueue.on("error", errorLogger("usage queue error"));
  }
  if (enabled.has("retention")) {
    const retention = startRetentionConsumer({
      connection,
      pool,
      everyMs: env.GATEHOUSE_RETENTION_INTERVAL_MS,
      batchSize: env.GATEHOUSE_RETENTION_BATCH_SIZE,
      metrics,
    });
    retention.worker.on("error", errorLogger("retention consumer error"));
    retention.queue.on("error", errorLogger("retention queue error"));
    retention.worker.on("completed", (_job, result) => log("info", "retention pass", result));
    retention.scheduled.catch((err: Error) =>
      log("error", "cannot schedule the retention pass", { error: err.message }),
    );
    running.push({ name: "retention", close: (force) => retention.close(force) });
  }
  if (enabled.has("alerts")) {
    const keys = env.GATEHOUSE_ENCRYPTION_KEYS;
    const alerts = startAlertsConsumer({
      connection,
      pool,
      // decrypts the workspace's webhook signing secret (same keys as apps/web)
      keyring: keys?.trim() ? parseEncryptionKeys(keys) : null,
    });
    alerts.on("error", (err) => log("error", "alerts consumer error", { error: err.message }));
    alerts.on("failed", (job, err) =>
      log("warn", "budget alert delivery failed", {
        jobId: job?.id,
        attempt: job?.attemptsMade,
        error: err.message,
      }),
    );
    running.push({ name: "alerts", close: () => alerts.close() });
  }
  // (further consumers register here the same way: start, then push a { name, close })
  const unknown = [...enabled].filter((name) => !KNOWN_CONSUMERS.includes(name));
  if (unknown.length > 0) {
    log("warn", "unknown names in GATEHOUSE_WORKER_CONSUMERS are ignored", {
      unknown,
      known: KNOWN_CONSUMERS,
    });
  }

  // ── prices: the built-in table into model_prices at boot, retried until Postgres answers
  let priceTimer: NodeJS.Timeout | null = null;
  let closed = false;
  const syncPrices = async (): Promise<void> => {
    try {
      const result = await syncBuiltinPrices(pool);
      metrics.priceSyncs++;
      log("info", "price table synced", { ...result });
    } catch (error) {
      log("warn", "price table sync failed; retrying", {
        error: (error as Error).message,
        retryInMs: PRICE_SYNC_RETRY_MS,
      });
      if (!closed) {
        priceTimer = setTimeout(() => void syncPrices(), PRICE_SYNC_RETRY_MS);
        priceTimer.unref();
      }
    }
  };
  const pricesSynced = enabled.has("prices") ? syncPrices() : Promise.resolve();

  // ── health and metrics ────────────────────────────────────────────────────────────────
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    try {
      if (path === "/healthz") {
        res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      } else if (path === "/readyz") {
        const checks = await Promise.allSettled([
          withTimeout(pool.query("SELECT 1"), READY_TIMEOUT_MS, "postgres"),
          // the connection queues commands while Redis is away: without a deadline this waits
          withTimeout(connection.ping(), READY_TIMEOUT_MS, "redis"),
        ]);
        const [postgres, redis] = checks.map((c) =>
          c.status === "fulfilled" ? "ok" : (c.reason as Error).message,
        );
        const ready = postgres === "ok" && redis === "ok";
        res
          .writeHead(ready ? 200 : 503, { "content-type": "application/json" })
          .end(JSON.stringify({ status: ready ? "ready" : "unavailable", postgres, redis }));
      } else if (path === "/metrics") {
        res
          .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
          .end(await renderMetrics(metrics, { usage: usageQueue }));
      } else {
        res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
      }
    } catch (err) {
      res
        .writeHead(503, { "content-type": "application/json" })
        .end(JSON.stringify({ status: "unavailable", error: (err as Error).message }));
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(env.GATEHOUSE_WORKER_PORT, env.GATEHOUSE_WORKER_HOST, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  log("info", "worker listening", {
    url,
    port: address.port,
    consumers: [...enabled],
  });

  let closing: Promise<void> | null = null;
  return {
    url,
    metrics,
    pricesSynced,
    close() {
      closing ??= (async () => {
        closed = true;
        if (priceTimer) clearTimeout(priceTimer);
        server.close();
        server.closeAllConnections();
        // Redis is away: no job in flight could be acknowledged anyway, and BullMQ's close
        // would wait for Redis to come back. Force it, so shutdown is prompt (the jobs stay
        // active in Redis and are handed back by the stalled-job check).
        const force = connection.status !== "ready";
        if (force) connection.disconnect();
        const graceful = (async () => {
          // Worker.close() lets the batches in flight finish; unstarted jobs stay queued.
          await Promise.allSettled(running.map((consumer) => consumer.close(force)));
          await usageQueue?.close().catch(() => undefined);
          await pricesSynced.catch(() => undefined);
        })();
        let deadline: NodeJS.Timeout | undefined;
        await Promise.race([
          graceful,
          new Promise((resolve) => {
            deadline = setTimeout(resolve, force ? 2_000 : CLOSE_DEADLINE_MS);
          }),
        ]);
        clearTimeout(deadline);
        if (force || connection.status !== "ready") connection.disconnect();
        else await connection.quit().catch(() => connection.disconnect());
        await pool.end().catch(() => undefined);
      })();
      return closing;
    },
  };
}
