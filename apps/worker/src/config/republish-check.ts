import { createPrismaClient, ensureConfigPublished, type EnsureOutcome } from "@gatehouse/db";
import { Redis } from "ioredis";
import type { Log } from "../log";

/**
 * The config check: every `everyMs` (and at boot) it reads the config generation marker, and
 * when the marker is missing — Redis was flushed, restarted without persistence, or failed
 * over to an empty replica — republishes the whole config from PostgreSQL (snapshots, budget
 * spend, then a new marker; @gatehouse/db's ensureConfigPublished). Until then the proxies
 * answer 503 for keys they have not cached and report not-ready.
 *
 * Safe with any number of workers: the republish lock in Redis lets one of them do it, and
 * the others find the marker back on a later tick. A plain timer, not a BullMQ job scheduler:
 * the schedule would live in the very Redis whose loss this is meant to notice.
 */

export interface ConfigCheckOptions {
  databaseUrl: string;
  redisUrl: string;
  everyMs: number;
  log: Log;
  /** each check's outcome (tests) */
  onOutcome?: (outcome: EnsureOutcome) => void;
}

export interface ConfigCheck {
  /** settles after the boot-time check */
  readonly firstCheck: Promise<void>;
  /** Stops checking; a republish in progress hands its lock back at once. */
  close(): Promise<void>;
}

/** how often a failing check (PostgreSQL or Redis away) is logged */
const FAILURE_LOG_EVERY_MS = 30_000;
/** how long close() waits for a republish in progress before cutting its connections */
const CLOSE_WAIT_MS = 2_000;

export function startConfigCheck(opts: ConfigCheckOptions): ConfigCheck {
  const { log } = opts;
  const prisma = createPrismaClient(opts.databaseUrl, { poolSize: 2 });
  // fail fast while Redis is away (the next tick tries again) instead of queueing commands
  const redis = new Redis(opts.redisUrl, {
    connectionName: "gatehouse-worker-config",
    maxRetriesPerRequest: 1,
  });
  redis.on("error", () => undefined); // surfaced by the failing checks, rate-limited below
  const abort = new AbortController();
  let timer: NodeJS.Timeout | null = null;
  let running: Promise<void> | null = null;
  let lastFailureLog = 0;

  const check = async (): Promise<void> => {
    try {
      const outcome = await ensureConfigPublished(prisma, redis, { signal: abort.signal });
      opts.onOutcome?.(outcome);
      if (outcome.action === "republished") {
        const { result } = outcome;
        log(
          result.failed.length > 0 ? "error" : "warn",
          "config generation marker was missing (a new, flushed or restarted Redis): republished the whole config",
          {
            generation: result.generation,
            workspaces: result.workspaces,
            keySnapshots: result.keySnapshots,
            removed: result.removed,
            budgetsRaised: result.budgetSpend.raised,
            failed: result.failed,
          },
        );
      } else if (outcome.action === "interrupted") {
        log("warn", "config republish interrupted (Redis lost its data again); retrying", {
          retryInMs: opts.everyMs,
        });
      }
    } catch (error) {
      if (abort.signal.aborted) return;
      const now = Date.now();
      if (now - lastFailureLog >= FAILURE_LOG_EVERY_MS) {
        lastFailureLog = now;
        log("warn", "config check failed; retrying", {
          error: (error as Error).message,
          retryInMs: opts.everyMs,
        });
      }
    }
  };

  const tick = (): Promise<void> => {
    running = check().finally(() => {
      running = null;
      if (abort.signal.aborted) return;
      timer = setTimeout(() => void tick(), opts.everyMs);
      timer.unref();
    });
    return running;
  };
  const firstCheck = tick();

  return {
    firstCheck,
    async close() {
      abort.abort();
      if (timer) clearTimeout(timer);
      if (running) {
        let wait: NodeJS.Timeout | undefined;
        await Promise.race([
          running,
          new Promise((resolve) => (wait = setTimeout(resolve, CLOSE_WAIT_MS))),
        ]);
        clearTimeout(wait);
      }
      redis.disconnect();
      await prisma.$disconnect().catch(() => undefined);
    },
  };
}
