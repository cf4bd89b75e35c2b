import {
  budgetProgress,
  EXPORT_DIMENSIONS,
  localDate,
  spendByKey,
  spendOf,
  usageExportRows,
  type ExportDimension,
  type PeriodSpend,
} from "@gatehouse/db/usage";
import { formatUsd, roleAtLeast, RoleSchema, type BudgetPeriod } from "@gatehouse/shared";
import { hashVirtualKey, isVirtualKeyFormat } from "@gatehouse/shared/server";
import { z } from "zod";
import type { Db } from "./db";

/**
 * The usage endpoints outside tRPC, as plain functions of (db, caller, request) so tests call
 * them with their own database: the finance CSV export, the per-key spend API for scripts
 * (authenticated with the virtual key itself) and the all-keys spend of a workspace.
 */

const NO_STORE = { "cache-control": "no-store" } as const;

function jsonError(status: number, message: string): Response {
  return Response.json({ error: { message } }, { status, headers: NO_STORE });
}

/** Exact decimal dollars, no sign ("0.000123", "25.00"). */
export const usd = (nano: bigint): string => formatUsd(nano).replace(/^\$/, "");

type Membership =
  | { ok: false; response: Response }
  | { ok: true; workspace: NonNullable<Awaited<ReturnType<typeof findMembership>>>["workspace"] };

function findMembership(db: Db, workspaceId: string, userId: string) {
  return db.membership.findUnique({
    where: { workspaceId_userId: { workspaceId, userId } },
    select: { role: true, workspace: true },
  });
}

async function membership(db: Db, workspaceId: string, userId: string | null): Promise<Membership> {
  if (!userId) return { ok: false, response: jsonError(401, "Sign in to continue.") };
  const row = await findMembership(db, workspaceId, userId);
  // not a member = not found, exactly like a workspace that does not exist
  if (!row || !roleAtLeast(RoleSchema.parse(row.role), "viewer")) {
    return { ok: false, response: jsonError(404, "Workspace not found.") };
  }
  return { ok: true, workspace: row.workspace };
}

// ---------------------------------------------------------------------------------------------
// CSV export
// ---------------------------------------------------------------------------------------------

const DaySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

export const UsageCsvQuerySchema = z
  .object({
    from: DaySchema.optional(),
    to: DaySchema.optional(),
    groupBy: z
      .string()
      .optional()
      .transform((value, ctx) => {
        if (value === undefined || value === "") return [...EXPORT_DIMENSIONS];
        const parts = value.split(",").map((p) => p.trim());
        const bad = parts.filter((p) => !(EXPORT_DIMENSIONS as readonly string[]).includes(p));
        if (bad.length > 0) {
          ctx.addIssue({
            code: "custom",
            message: `groupBy takes ${EXPORT_DIMENSIONS.join(", ")}`,
          });
          return z.NEVER;
        }
        return parts as ExportDimension[];
      }),
  })
  .refine((q) => !q.from || !q.to || q.from <= q.to, "from must not be after to");

function csvCell(value: string | number | null): string {
  if (value === null) return "";
  const text = String(value);
  // quote what needs it; a leading = + - @ would be a formula in a spreadsheet
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) || safe !== text ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export async function usageCsv(
  db: Db,
  userId: string | null,
  workspaceId: string,
  searchParams: URLSearchParams,
): Promise<Response> {
  const member = await membership(db, workspaceId, userId);
  if (!member.ok) return member.response;
  const { workspace } = member;
  const query = UsageCsvQuerySchema.safeParse(Object.fromEntries(searchParams));
  if (!query.success) {
    return jsonError(400, query.error.issues.map((issue) => issue.message).join("; "));
  }
  const toDay = query.data.to ?? localDate(new Date(), workspace.timeZone);
  const fromDay =
    query.data.from ??
    new Date(Date.parse(`${toDay}T00:00:00Z`) - 29 * 86_400_000).toISOString().slice(0, 10);
  const groupBy = query.data.groupBy;
  const [rows, keys, versions] = await Promise.all([
    usageExportRows(db, { workspaceId, fromDay, toDay, groupBy }),
    db.virtualKey.findMany({ where: { workspaceId }, select: { id: true, name: true } }),
    db.promptVersion.findMany({
      where: { workspaceId },
      select: { id: true, version: true, prompt: { select: { slug: true } } },
    }),
  ]);
  const keyNames = new Map(keys.map((k) => [k.id, k.name]));
  const versionNames = new Map(versions.map((v) => [v.id, `${v.prompt.slug} v${v.version}`]));

  const header: string[] = [];
  if (groupBy.includes("day")) header.push("date");
  if (groupBy.includes("key")) header.push("key_id", "key_name");
  if (groupBy.includes("model")) header.push("model");
  if (groupBy.includes("prompt")) header.push("prompt_version_id", "prompt_version");
  header.push(
    "requests",
    "errors",
    "input_tokens",
    "output_tokens",
    "cached_input_tokens",
    "cost_usd",
    // added later: after the original columns, so spreadsheets that read them by position
    // keep working
    "cache_write_5m_tokens",
    "cache_write_1h_tokens",
    "reasoning_tokens",
  );
  const lines = [header.join(",")];
  for (const row of rows) {
    const cells: Array<string | number | null> = [];
    if (groupBy.includes("day")) cells.push(row.day);
    if (groupBy.includes("key")) cells.push(row.keyId, keyNames.get(row.keyId ?? "") ?? null);
    if (groupBy.includes("model")) cells.push(row.model);
    if (groupBy.includes("prompt")) {
      cells.push(row.promptVersionId, versionNames.get(row.promptVersionId ?? "") ?? null);
    }
    cells.push(
      row.requests,
      row.errors,
      row.inputTokens.toString(),
      row.outputTokens.toString(),
      row.cachedInputTokens.toString(),
      usd(row.costNanoUsd),
      row.cacheWrite5mTokens.toString(),
      row.cacheWrite1hTokens.toString(),
      row.reasoningTokens.toString(),
    );
    lines.push(cells.map(csvCell).join(","));
  }
  const filename = `gatehouse-usage-${workspace.slug}-${fromDay}-${toDay}.csv`;
  return new Response(`${lines.join("\r\n")}\r\n`, {
    status: 200,
    headers: {
      ...NO_STORE,
      "content-type": "text/csv; charset=utf-8",
      "content-disposition": `attachment; filename="${filename}"`,
    },
  });
}

// ---------------------------------------------------------------------------------------------
// Spend APIs
// ---------------------------------------------------------------------------------------------

interface KeyForSpend {
  id: string;
  name: string;
  prefix: string;
  status: string;
  budgetAmountNanoUsd: bigint | null;
  budgetPeriod: BudgetPeriod | null;
}

function spendView(key: KeyForSpend, spend: PeriodSpend, timeZone: string, now: Date) {
  const progress = budgetProgress(key, spend, timeZone, now);
  return {
    keyId: key.id,
    name: key.name,
    prefix: key.prefix,
    status: key.status,
    spend: {
      todayUsd: usd(spend.todayNanoUsd),
      thisPeriodUsd: progress ? usd(progress.spentNanoUsd) : null,
      lifetimeUsd: usd(spend.lifetimeNanoUsd),
      lifetimeRequests: spend.lifetimeRequests,
    },
    budget: progress
      ? {
          amountUsd: usd(progress.budgetNanoUsd),
          period: progress.period,
          periodStart: progress.periodStart.toISOString(),
          periodEnd: progress.periodEnd?.toISOString() ?? null,
          remainingUsd: usd(
            progress.budgetNanoUsd > progress.spentNanoUsd
              ? progress.budgetNanoUsd - progress.spentNanoUsd
              : 0n,
          ),
          percentUsed: progress.percent,
        }
      : null,
  };
}

const keySpendSelect = {
  id: true,
  name: true,
  prefix: true,
  status: true,
  budgetAmountNanoUsd: true,
  budgetPeriod: true,
  expiresAt: true,
  workspaceId: true,
  previousKeyHash: true,
  previousKeyGraceUntil: true,
  workspace: { select: { timeZone: true } },
} as const;

/**
 * GET /api/v1/spend with `Authorization: Bearer gh_…`: the key's own spend and budget. An
 * unknown, revoked or expired key gets 401 (the same answer, so it reveals nothing).
 */
export async function keySpendForBearer(db: Db, authorization: string | null): Promise<Response> {
  const unauthorized = () =>
    Response.json(
      { error: { message: "Send a valid Gatehouse virtual key: Authorization: Bearer gh_…" } },
      { status: 401, headers: { ...NO_STORE, "www-authenticate": "Bearer" } },
    );
  const match = /^Bearer\s+(\S+)$/i.exec(authorization?.trim() ?? "");
  const secret = match?.[1];
  if (!secret || !isVirtualKeyFormat(secret)) return unauthorized();
  const hash = hashVirtualKey(secret);
  const now = new Date();
  const key = await db.virtualKey.findFirst({
    where: { OR: [{ keyHash: hash }, { previousKeyHash: hash }] },
    select: keySpendSelect,
  });
  if (!key || key.status !== "active") return unauthorized();
  if (key.expiresAt && key.expiresAt <= now) return unauthorized();
  // a rotated-out secret works only until its grace period ends
  if (
    key.previousKeyHash === hash &&
    !(key.previousKeyGraceUntil && key.previousKeyGraceUntil > now)
  ) {
    return unauthorized();
  }
  const timeZone = key.workspace.timeZone;
  const spend = await spendByKey(db, {
    workspaceId: key.workspaceId,
    timeZone,
    keyIds: [key.id],
    now,
  });
  return Response.json(
    { asOf: now.toISOString(), timeZone, ...spendView(key, spendOf(spend, key.id), timeZone, now) },
    { headers: NO_STORE },
  );
}

/** GET /api/w/[workspaceId]/keys/spend for signed-in members: every key of the workspace. */
export async function workspaceKeySpend(
  db: Db,
  userId: string | null,
  workspaceId: string,
): Promise<Response> {
  const member = await membership(db, workspaceId, userId);
  if (!member.ok) return member.response;
  const { workspace } = member;
  const now = new Date();
  const [keys, spend] = await Promise.all([
    db.virtualKey.findMany({
      where: { workspaceId },
      select: keySpendSelect,
      orderBy: [{ createdAt: "asc" }, { id: "asc" }],
    }),
    spendByKey(db, { workspaceId, timeZone: workspace.timeZone, now }),
  ]);
  return Response.json(
    {
      asOf: now.toISOString(),
      timeZone: workspace.timeZone,
      workspace: {
        todayUsd: usd(spend.workspace.todayNanoUsd),
        lifetimeUsd: usd(spend.workspace.lifetimeNanoUsd),
        lifetimeRequests: spend.workspace.lifetimeRequests,
      },
      keys: keys.map((key) => spendView(key, spendOf(spend, key.id), workspace.timeZone, now)),
    },
    { headers: NO_STORE },
  );
}
