import type { Db } from "./db";

export interface HealthReport {
  status: "ok" | "error";
  checks: { database: "ok" | "unreachable" };
}

const DATABASE_TIMEOUT_MS = 3_000;

/** Liveness plus Postgres reachability; a black-holed database answers within the timeout. */
export async function checkHealth(db: Db): Promise<{ httpStatus: 200 | 503; body: HealthReport }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error("database check timed out")), DATABASE_TIMEOUT_MS);
  });
  try {
    await Promise.race([db.$queryRaw`SELECT 1`, timeout]);
    return { httpStatus: 200, body: { status: "ok", checks: { database: "ok" } } };
  } catch {
    return { httpStatus: 503, body: { status: "error", checks: { database: "unreachable" } } };
  } finally {
    clearTimeout(timer);
  }
}
