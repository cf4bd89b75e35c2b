import pg from "pg";

/**
 * The backend pids of the pool's checked-out clients, i.e. the statements in flight. A
 * shutdown past its deadline cancels them: `pool.end()` otherwise waits for a statement stuck
 * on a lock for as long as the lock is held.
 */
export function trackBusyClients(pool: pg.Pool): { pids(): number[] } {
  const busy = new Set<pg.PoolClient>();
  pool.on("acquire", (client) => busy.add(client));
  pool.on("release", (_err, client) => busy.delete(client));
  pool.on("remove", (client) => busy.delete(client));
  return {
    pids: () =>
      [...busy]
        // the backend pid node-postgres keeps from the server's BackendKeyData (not in its types)
        .map((client) => (client as unknown as { processID?: number | null }).processID)
        .filter((pid): pid is number => typeof pid === "number"),
  };
}

/**
 * Cancels the statements running in the given backends, from a connection of its own (the
 * pool may be full). A cancelled statement rolls back whole: each usage batch is one statement,
 * so nothing of it is left half-written. Resolves to how many backends were signalled.
 */
export async function cancelStatements(
  connectionString: string,
  pids: readonly number[],
  timeoutMs: number,
): Promise<number> {
  if (pids.length === 0) return 0;
  const client = new pg.Client({
    connectionString,
    connectionTimeoutMillis: Math.max(1, timeoutMs),
    query_timeout: Math.max(1, timeoutMs),
  });
  client.on("error", () => undefined);
  try {
    await client.connect();
    const { rows } = await client.query<{ n: number }>(
      "SELECT count(*) FILTER (WHERE pg_cancel_backend(pid))::int AS n FROM unnest($1::int[]) AS pid",
      [pids],
    );
    return rows[0]?.n ?? 0;
  } finally {
    void client.end().catch(() => undefined);
  }
}
