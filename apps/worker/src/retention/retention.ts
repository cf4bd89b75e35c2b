import type { Pool } from "pg";

/**
 * Deletes request logs (and, by the foreign key's ON DELETE CASCADE, their payloads) older
 * than each workspace's retentionDays. Rollups are kept: charts read them, not the logs.
 *
 * Never a long transaction or a table lock: each statement deletes at most `batchSize` rows
 * picked through the (workspace_id, ts) index and commits on its own (autocommit), taking
 * only row locks and the ROW EXCLUSIVE table lock every INSERT takes too, so ingestion and
 * dashboard reads carry on while it runs.
 */
const DELETE_BATCH_SQL = `
DELETE FROM request_logs
 WHERE id IN (
   SELECT id FROM request_logs
    WHERE workspace_id = $1 AND ts < $2
    LIMIT $3)`;

export interface RetentionOptions {
  /** only this workspace (null/undefined: all of them) */
  workspaceId?: string | null;
  /** rows per DELETE statement */
  batchSize: number;
  /** stop early (worker shutdown); checked between statements */
  signal?: AbortSignal;
}

export interface RetentionResult {
  workspaces: number;
  deleted: number;
  statements: number;
}

export async function deleteExpiredRequestLogs(
  pool: Pool,
  options: RetentionOptions,
): Promise<RetentionResult> {
  const { rows: workspaces } = await pool.query<{ id: string; cutoff: Date }>(
    `SELECT id, now() - make_interval(days => retention_days) AS cutoff
       FROM workspaces
      WHERE $1::text IS NULL OR id = $1
      ORDER BY id`,
    [options.workspaceId ?? null],
  );
  const result: RetentionResult = { workspaces: workspaces.length, deleted: 0, statements: 0 };
  for (const workspace of workspaces) {
    for (;;) {
      if (options.signal?.aborted) return result;
      const { rowCount } = await pool.query(DELETE_BATCH_SQL, [
        workspace.id,
        workspace.cutoff,
        options.batchSize,
      ]);
      result.statements++;
      result.deleted += rowCount ?? 0;
      if ((rowCount ?? 0) < options.batchSize) break;
    }
  }
  return result;
}
