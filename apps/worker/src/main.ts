import http from "node:http";
import { Queue, type Worker } from "bullmq";
import { Redis } from "ioredis";
import pg from "pg";
import { QUEUE_PREFIX, QueueName } from "@gatehouse/shared";
import { loadEnv } from "./env";
import { createWorkerMetrics, renderMetrics } from "./metrics";
import { startUsageConsumer } from "./consumers/usage";

const env = loadEnv();
const log = (level: "info" | "error", msg: string, extra: Record<string, unknown> = {}) =>
  process.stdout.write(
    `${JSON.stringify({ level, time: new Date().toISOString(), msg, ...extra })}\n`,
  );

const pool = new pg.Pool({
  connectionString: env.DATABASE_URL,
  max: env.GATEHOUSE_WORKER_CONCURRENCY + 1,
});
pool.on("error", (err) => log("error", "postgres pool error", { error: err.message }));
// BullMQ workers need blocking connections that retry forever.
const connection = new Redis(env.REDIS_URL, { maxRetriesPerRequest: null });
connection.on("error", (err) => log("error", "redis error", { error: err.message }));

const metrics = createWorkerMetrics();
const consumers: Worker[] = [];
let usageQueue: Queue | null = null;
if (env.GATEHOUSE_WORKER_CONSUMERS.has("usage")) {
  consumers.push(
    startUsageConsumer({
      connection,
      pool,
      concurrency: env.GATEHOUSE_WORKER_CONCURRENCY,
      stalledIntervalMs: env.GATEHOUSE_WORKER_STALLED_INTERVAL_MS,
      metrics,
    }),
  );
  usageQueue = new Queue(QueueName.usage, { connection, prefix: QUEUE_PREFIX });
}

const server = http.createServer(async (req, res) => {
  try {
    if (req.url === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    } else if (req.url === "/readyz") {
      await Promise.all([pool.query("SELECT 1"), connection.ping()]);
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ready"}');
    } else if (req.url === "/metrics") {
      res
        .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
        .end(await renderMetrics(metrics, usageQueue));
    } else {
      res.writeHead(404, { "content-type": "application/json" }).end('{"error":"not found"}');
    }
  } catch (err) {
    res
      .writeHead(503, { "content-type": "application/json" })
      .end(JSON.stringify({ status: "unavailable", error: (err as Error).message }));
  }
});
server.listen(env.GATEHOUSE_WORKER_PORT, env.GATEHOUSE_WORKER_HOST, () =>
  log("info", "worker listening", {
    port: env.GATEHOUSE_WORKER_PORT,
    consumers: [...env.GATEHOUSE_WORKER_CONSUMERS],
  }),
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  log("info", "worker stopping", { signal });
  server.close();
  // Worker.close() lets the batches in flight finish; unstarted jobs stay in the queue.
  await Promise.allSettled(consumers.map((consumer) => consumer.close()));
  await usageQueue?.close();
  await Promise.allSettled([pool.end(), connection.quit()]);
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
