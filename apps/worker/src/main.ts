import { startWorkerApp } from "./app";
import { loadEnv } from "./env";
import { loggerSettings } from "@gatehouse/shared/server";
import { createLog } from "./log";

const env = loadEnv();
const log = createLog(loggerSettings(env));

let app: Awaited<ReturnType<typeof startWorkerApp>>;
try {
  app = await startWorkerApp(env, log);
} catch (error) {
  process.stderr.write(`gatehouse worker cannot start: ${(error as Error).message}\n`);
  process.exit(1);
}

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) {
    log("warn", "second signal: exiting now", { signal });
    process.exit(1);
  }
  stopping = true;
  log("info", "worker stopping", { signal });
  // in-flight batches finish; jobs not yet started stay queued for the next worker
  await app.close();
  log("info", "worker stopped");
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
