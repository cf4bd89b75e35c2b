import type { Db } from "../config/compile";
import type { Prisma } from "../generated/prisma/client";

/**
 * The request log explorer: newest first, keyset pagination on (ts, id) so a page costs the
 * same at row 50 and at row 5,000,000, and new requests arriving meanwhile never shift pages.
 * The (workspace_id, ts DESC), (workspace_id, key_id, ts DESC) and (workspace_id, model,
 * ts DESC) indexes serve the unfiltered, key and model views; the other filters (status, cost,
 * latency) are checked on the rows the index walk reads.
 */

export type StatusFilter = "success" | "error" | number;

export interface RequestLogFilters {
  keyIds?: readonly string[];
  models?: readonly string[];
  promptVersionIds?: readonly string[];
  /** "success" (< 400), "error" (>= 400) or one HTTP status */
  status?: StatusFilter;
  /** [from, to) on the request's arrival time */
  from?: Date;
  to?: Date;
  minCostNanoUsd?: bigint;
  minLatencyMs?: number;
}

export interface RequestLogCursor {
  ts: Date;
  id: string;
}

export interface ListRequestLogsParams {
  workspaceId: string;
  filters?: RequestLogFilters;
  cursor?: RequestLogCursor | null;
  /** default 50, at most 200 */
  limit?: number;
}

export const requestLogListSelect = {
  id: true,
  ts: true,
  keyId: true,
  endpoint: true,
  model: true,
  provider: true,
  upstreamModel: true,
  promptVersionId: true,
  status: true,
  errorType: true,
  inputTokens: true,
  outputTokens: true,
  cachedInputTokens: true,
  costNanoUsd: true,
  latencyMs: true,
  ttfbMs: true,
  streamed: true,
  clientAborted: true,
} as const satisfies Prisma.RequestLogSelect;

export type RequestLogListItem = Prisma.RequestLogGetPayload<{
  select: typeof requestLogListSelect;
}>;

export interface RequestLogPage {
  items: RequestLogListItem[];
  /** pass back as `cursor` for the next (older) page; null on the last page */
  nextCursor: string | null;
}

export function encodeCursor(cursor: RequestLogCursor): string {
  return Buffer.from(`${cursor.ts.toISOString()}|${cursor.id}`).toString("base64url");
}

/** Null for anything that is not a cursor this module made. */
export function decodeCursor(value: string): RequestLogCursor | null {
  const text = Buffer.from(value, "base64url").toString();
  const bar = text.indexOf("|");
  if (bar < 0) return null;
  const ts = new Date(text.slice(0, bar));
  const id = text.slice(bar + 1);
  if (Number.isNaN(ts.getTime()) || id.length === 0 || id.length > 200) return null;
  return { ts, id };
}

export function requestLogWhere(
  workspaceId: string,
  filters: RequestLogFilters = {},
  cursor?: RequestLogCursor | null,
): Prisma.RequestLogWhereInput {
  const and: Prisma.RequestLogWhereInput[] = [];
  const ts: Prisma.DateTimeFilter<"RequestLog"> = {};
  if (filters.from) ts.gte = filters.from;
  if (filters.to) ts.lt = filters.to;
  if (cursor) {
    // ts <= c.ts bounds the index walk; the OR breaks ties between equal timestamps by id
    ts.lte = cursor.ts;
    and.push({ OR: [{ ts: { lt: cursor.ts } }, { id: { lt: cursor.id } }] });
  }
  if (filters.status === "success") and.push({ status: { lt: 400 } });
  else if (filters.status === "error") and.push({ status: { gte: 400 } });
  else if (typeof filters.status === "number") and.push({ status: filters.status });
  if (filters.minCostNanoUsd !== undefined && filters.minCostNanoUsd > 0n) {
    and.push({ costNanoUsd: { gte: filters.minCostNanoUsd } });
  }
  if (filters.minLatencyMs !== undefined && filters.minLatencyMs > 0) {
    and.push({ latencyMs: { gte: filters.minLatencyMs } });
  }
  return {
    workspaceId,
    ...(filters.keyIds?.length ? { keyId: { in: [...filters.keyIds] } } : {}),
    ...(filters.models?.length ? { model: { in: [...filters.models] } } : {}),
    ...(filters.promptVersionIds?.length
      ? { promptVersionId: { in: [...filters.promptVersionIds] } }
      : {}),
    ...(Object.keys(ts).length > 0 ? { ts } : {}),
    ...(and.length > 0 ? { AND: and } : {}),
  };
}

export async function listRequestLogs(
  db: Db,
  params: ListRequestLogsParams,
): Promise<RequestLogPage> {
  const limit = Math.min(Math.max(params.limit ?? 50, 1), 200);
  const rows = await db.requestLog.findMany({
    where: requestLogWhere(params.workspaceId, params.filters, params.cursor),
    orderBy: [{ ts: "desc" }, { id: "desc" }],
    take: limit + 1,
    select: requestLogListSelect,
  });
  const items = rows.slice(0, limit);
  const last = items.at(-1);
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor({ ts: last.ts, id: last.id }) : null,
  };
}

/** One request with everything the detail panel shows; null when not in this workspace. */
export async function getRequestLog(db: Db, workspaceId: string, id: string) {
  return db.requestLog.findFirst({
    where: { id, workspaceId },
    include: { payload: true },
  });
}

export type RequestLogDetail = NonNullable<Awaited<ReturnType<typeof getRequestLog>>>;
