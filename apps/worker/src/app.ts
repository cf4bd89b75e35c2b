import http from "node:http";
import type { AddressInfo } from "node:net";
import { Queue, type Worker } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { QUEUE_PREFIX, QueueName } from "@gatehouse/shared";
import { DEFAULT_CONFIG_CHECK_INTERVAL_MS, DEFAULT_SHUTDOWN_TIMEOUT_MS, type Env } from "./env";
import type { Log } from "./log";
import { createWorkerMetrics, renderMetrics, type WorkerMetrics } from "./metrics";
import { startUsageConsumer } from "./consumers/usage";
import { startRetentionConsumer } from "./consumers/retention";
import { startAlertsConsumer } from "./consumers/alerts";
import { parseEncryptionKeys } from "@gatehouse/shared/server";
import { syncBuiltinPrices } from "./prices/sync";
import { startConfigCheck } from "./config/republish-check";
import { startDeadline } from "./shutdown/deadline";
import { cancelStatements, trackBusyClients } from "./shutdown/pg-cancel";

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
> &
  Partial<Pick<Env, "GATEHOUSE_WORKER_SHUTDOWN_TIMEOUT_MS">> &
  Partial<Pick<Env, "GATEHOUSE_CONFIG_CHECK_INTERVAL_MS">>;

export interface WorkerApp {
  /** base URL of the health/metrics server */
  readonly url: string;
  readonly metrics: WorkerMetrics;
  /** resolves once the boot-time price sync has finished (or failed and been logged) */
  readonly pricesSynced: Promise<void>;
  /** Graceful: stop taking jobs, let the batches in flight finish, close connections; all
   * within GATEHOUSE_WORKER_SHUTDOWN_TIMEOUT_MS (what is still running then is cancelled and
   * left to be redelivered). */
  close(): Promise<void>;
}

/** A consumer as the app sees it: something to close at shutdown (force: Redis is away,
 * do not wait for it). */
interface Running {
  name: string;
  close(force?: boolean): Promise<void>;
}

const PRICE_SYNC_RETRY_MS = 30_000;
/** the part of the shutdown deadline kept for cancelling and closing connections (at most a
 * fifth of it); the batches in flight get the rest */
const TEARDOWN_RESERVE_MS = 3_000;
/** how long the batches in flight get when Redis is away (they cannot be acked anyway) */
const FORCED_CLOSE_MS = 2_000;
/** what GATEHOUSE_WORKER_CONSUMERS may name (add a new consumer here too) */
const KNOWN_CONSUMERS: readonly string[] = ["usage", "retention", "prices", "alerts", "config"];
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
  const busyClients = trackBusyClients(pool);
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
  if (enabled.has("config")) {
    // republishes the whole config when Redis lost it (generation marker missing)
    const check = startConfigCheck({
      databaseUrl: env.DATABASE_URL,
      redisUrl: env.REDIS_URL,
      everyMs: env.GATEHOUSE_CONFIG_CHECK_INTERVAL_MS ?? DEFAULT_CONFIG_CHECK_INTERVAL_MS,
      log,
    });
    running.push({ name: "config", close: () => check.close() });
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
      metrics.priceSyncs.inc();
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
        const timeoutMs = env.GATEHOUSE_WORKER_SHUTDOWN_TIMEOUT_MS ?? DEFAULT_SHUTDOWN_TIMEOUT_MS;
        const deadline = startDeadline(timeoutMs);
        closed = true;
        if (priceTimer) clearTimeout(priceTimer);
        server.close();
        server.closeAllConnections();
        // Redis is away: no job in flight could be acknowledged anyway, and BullMQ's close
        // would wait for Redis to come back. Force it, so shutdown is prompt (the jobs stay
        // active in Redis and are handed back by the stalled-job check).
        const force = connection.status !== "ready";
        if (force) connection.disconnect();
        const busy = new Set(running.map((consumer) => consumer.name));
        const graceful = (async () => {
          // Worker.close() lets the batches in flight finish; unstarted jobs stay queued.
          await Promise.allSettled(
            running.map(async (consumer) => {
              await consumer.close(force);
              busy.delete(consumer.name);
            }),
          );
          await usageQueue?.close().catch(() => undefined);
          await pricesSynced.catch(() => undefined);
        })();
        const budget = deadline.left() - Math.min(TEARDOWN_RESERVE_MS, timeoutMs / 5);
        const finished = await deadline.within(
          graceful,
          force ? Math.min(FORCED_CLOSE_MS, budget) : budget,
        );
        if (!finished) {
          // Past the deadline (e.g. a batch stuck on a lock in PostgreSQL): leave what still
          // runs to be redelivered, as after a crash. Redis goes first, so neither an ack nor a
          // failure of those jobs is written: they stay active, their locks lapse and the
          // stalled-job check hands them to the next worker without using up an attempt. Then
          // their statements are cancelled: each batch is one statement and rolls back whole;
          // one that committed a moment before is re-run too, and the ingest skips event ids
          // it already has, so nothing is lost or counted twice.
          const unfinished = [...busy];
          connection.disconnect();
          let cancelled = 0;
          await deadline.within(
            cancelStatements(env.DATABASE_URL, busyClients.pids(), deadline.left()).then(
              (n) => void (cancelled = n),
              (error: Error) =>
                log("error", "cannot cancel the statements in flight", { error: error.message }),
            ),
          );
          log("warn", "shutdown deadline reached: work in flight is left to be redelivered", {
            timeoutMs,
            consumers: unfinished,
            cancelledStatements: cancelled,
          });
        } else if (force || connection.status !== "ready") connection.disconnect();
        else if (!(await deadline.within(connection.quit()))) connection.disconnect();
        if (!(await deadline.within(pool.end()))) {
          log("warn", "postgres connections still busy at the shutdown deadline", { timeoutMs });
        }
      })();
      return closing;
    },
  };
}
