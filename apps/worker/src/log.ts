export type LogLevel = "debug" | "info" | "warn" | "error";

export type Log = (level: LogLevel, msg: string, extra?: Record<string, unknown>) => void;

const RANK: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** One JSON line per message on stdout, from `min` up. */
export function createLog(min: LogLevel = "info"): Log {
  return (level, msg, extra = {}) => {
    if (RANK[level] < RANK[min]) return;
    process.stdout.write(
      `${JSON.stringify({ level, time: new Date().toISOString(), msg, ...extra })}\n`,
    );
  };
}
