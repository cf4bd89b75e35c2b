import { loggerSettings } from "@gatehouse/shared/server";
import { startApp } from "./app";
import { loadEnv } from "./env";
import { createLogger } from "./log";

/**
 * Boot: env → Redis connections → config store → usage emitter → server. SIGTERM/SIGINT stop
 * accepting, let in-flight requests finish (up to 25 s), flush the usage buffer, close Redis.
 */
async function main(): Promise<void> {
  // a bad environment prints every problem and exits 1
  const env = loadEnv();
  const log = createLogger(loggerSettings(env));

  let app;
  try {
    app = await startApp({
      redisUrl: env.REDIS_URL,
      encryptionKeys: env.GATEHOUSE_ENCRYPTION_KEYS,
      cacheSize: env.GATEHOUSE_CONFIG_CACHE_SIZE,
      usageBufferMax: env.GATEHOUSE_USAGE_BUFFER_MAX,
      settings: {
        maxBodyBytes: env.GATEHOUSE_MAX_BODY_BYTES,
        clientHeadersTimeoutMs: env.GATEHOUSE_CLIENT_HEADERS_TIMEOUT_MS,
        clientBodyTimeoutMs: env.GATEHOUSE_CLIENT_BODY_TIMEOUT_MS,
        clientIdleTimeoutMs: env.GATEHOUSE_CLIENT_IDLE_TIMEOUT_MS,
        maxConnections: env.GATEHOUSE_MAX_CONNECTIONS,
        upstreamTtfbTimeoutMs: env.GATEHOUSE_UPSTREAM_TTFB_TIMEOUT_MS,
        upstreamIdleTimeoutMs: env.GATEHOUSE_UPSTREAM_IDLE_TIMEOUT_MS,
        upstreamTotalTimeoutMs: env.GATEHOUSE_UPSTREAM_TOTAL_TIMEOUT_MS,
        defaultMaxTokens: env.GATEHOUSE_DEFAULT_MAX_TOKENS,
        reservationTtlMs: env.GATEHOUSE_RESERVATION_TTL_MS,
        accessLog: env.GATEHOUSE_ACCESS_LOG,
      },
      log,
    });
  } catch (error) {
    // configuration problems (bad encryption keys, Redis unreachable) are reported plainly
    process.stderr.write(
      `gatehouse proxy cannot start: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  }

  const { url } = await app.proxy.listen(env.GATEHOUSE_PROXY_PORT, env.GATEHOUSE_PROXY_HOST);
  log.info("gatehouse proxy listening", {
    url,
    host: env.GATEHOUSE_PROXY_HOST,
    port: env.GATEHOUSE_PROXY_PORT,
  });

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) {
      log.warn("second signal: exiting now", { signal });
      process.exit(1);
    }
    stopping = true;
    log.info("shutting down", { signal, inFlight: app.proxy.inFlight });
    app.close(env.GATEHOUSE_PROXY_SHUTDOWN_DEADLINE_MS).then(
      () => {
        log.info("stopped");
        process.exit(0);
      },
      (error: unknown) => {
        log.error("unclean shutdown", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => shutdown("SIGTERM"));
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("unhandledRejection", (error) => log.error("unhandled rejection", { error }));
}

void main();
