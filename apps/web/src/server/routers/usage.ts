import {
  localDate,
  usageOverview,
  type BudgetProgress,
  OTHER_GROUP,
  type OverviewGroupBy,
} from "@gatehouse/db/usage";
import { listDeadLetters, retryDeadLetter } from "@gatehouse/db/dead-letters";
import { periodStart } from "@gatehouse/shared";
import { TRPCError } from "@trpc/server";
import type { Redis } from "ioredis";
import { z } from "zod";
import { OverviewInputSchema, type UsageRange } from "~/lib/usage-schemas";
import { recordAudit } from "../audit";
import { workspaceBudgets, type BudgetEntry } from "../budgets";
import type { Db } from "../db";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

/**
 * Spend you can see: the overview charts (rollups only), filter choices, budget progress and
 * the usage pipeline's dead letters.
 */

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const PRESET_MS = { "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS, "90d": 90 * DAY_MS };

/** The first instant of local calendar day `day` ("2026-11-22") in `timeZone`. */
function startOfLocalDay(day: string, timeZone: string): Date {
  const utcMidnight = Date.parse(`${day}T00:00:00.000Z`);
  // local noon of that day lies within ±14 h of UTC midnight + 12 h - offset; periodStart
  // then finds the exact local midnight (DST included)
  const probe = new Date(utcMidnight + 12 * HOUR_MS);
  const probeDay = localDate(probe, timeZone);
  const shift = probeDay === day ? 0 : probeDay > day ? -DAY_MS : DAY_MS;
  return periodStart("daily", new Date(probe.getTime() + shift), timeZone);
}

/** [from, to) of a range; presets end now. */
export function resolveRange(range: UsageRange, timeZone: string, now = new Date()) {
  if (range.kind === "preset") {
    return { from: new Date(now.getTime() - PRESET_MS[range.preset]), to: now };
  }
  const next = new Date(Date.parse(`${range.toDay}T00:00:00.000Z`) + DAY_MS)
    .toISOString()
    .slice(0, 10);
  return {
    from: startOfLocalDay(range.fromDay, timeZone),
    to: startOfLocalDay(next, timeZone),
  };
}

/** Display names of keys and prompt versions (deleted ones keep a short id). */
async function labelsFor(db: Db, workspaceId: string) {
  const [keys, versions] = await Promise.all([
    db.virtualKey.findMany({
      where: { workspaceId },
      select: { id: true, name: true, prefix: true, status: true },
    }),
    db.promptVersion.findMany({
      where: { workspaceId },
      select: { id: true, version: true, prompt: { select: { id: true, slug: true } } },
    }),
  ]);
  return { keys, versions };
}

function groupLabel(
  groupBy: OverviewGroupBy,
  id: string,
  names: { key: Map<string, string>; version: Map<string, string> },
): string {
  if (id === OTHER_GROUP) return "Other";
  if (groupBy === "model") return id;
  if (groupBy === "key") return names.key.get(id) ?? `deleted key ${id.slice(-6)}`;
  if (id === "") return "No prompt";
  return names.version.get(id) ?? `deleted prompt ${id.slice(-6)}`;
}

/** The queue's Redis: the same server as the config snapshots. */
function queueRedis(redis: unknown): Redis {
  return redis as Redis;
}

export const usageRouter = createTRPCRouter({
  overview: workspaceProcedure("viewer")
    .input(OverviewInputSchema)
    .query(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const timeZone = ctx.workspace.timeZone;
      const { from, to } = resolveRange(input.range, timeZone);
      const { keys, versions } = await labelsFor(ctx.db, workspaceId);
      // a prompt filter means every version of it; versions of other workspaces never match
      const promptVersionIds = [
        ...input.promptVersionIds,
        ...versions.filter((v) => input.promptIds.includes(v.prompt.id)).map((v) => v.id),
      ];
      if (input.promptIds.length > 0 && promptVersionIds.length === 0) {
        promptVersionIds.push("(no version of these prompts)");
      }
      const overview = await usageOverview(ctx.db, {
        workspaceId,
        timeZone,
        from,
        to,
        groupBy: input.groupBy,
        keyIds: input.keyIds,
        models: input.models,
        promptVersionIds,
      });
      const names = {
        key: new Map(keys.map((k) => [k.id, k.name])),
        version: new Map(versions.map((v) => [v.id, `${v.prompt.slug} v${v.version}`])),
      };
      const label = (id: string) => groupLabel(input.groupBy, id, names);
      return {
        ...overview,
        timeZone,
        from,
        to,
        groups: overview.groups.map((g) => ({ ...g, label: label(g.id) })),
        topKeys: overview.topKeys.map((k) => ({
          ...k,
          label: groupLabel("key", k.id, names),
        })),
      };
    }),

  /** Choices for the filters: keys, models seen in the last 400 days, prompt versions. */
  filterOptions: workspaceProcedure("viewer").query(async ({ ctx }) => {
    const workspaceId = ctx.workspace.id;
    const since = localDate(new Date(Date.now() - 400 * DAY_MS), ctx.workspace.timeZone);
    const [{ keys, versions }, models, anyUsage] = await Promise.all([
      labelsFor(ctx.db, workspaceId),
      ctx.db.$queryRaw<Array<{ model: string }>>`
        SELECT DISTINCT model FROM usage_daily
        WHERE workspace_id = ${workspaceId} AND day >= ${since}::date ORDER BY model`,
      // rollups outlive the logs (retention), so they say whether there was ever traffic
      ctx.db.usageDaily.findFirst({ where: { workspaceId }, select: { day: true } }),
    ]);
    const prompts = new Map<
      string,
      { id: string; slug: string; versions: { id: string; version: number }[] }
    >();
    for (const v of versions) {
      const prompt = prompts.get(v.prompt.id) ?? {
        id: v.prompt.id,
        slug: v.prompt.slug,
        versions: [],
      };
      prompt.versions.push({ id: v.id, version: v.version });
      prompts.set(v.prompt.id, prompt);
    }
    return {
      timeZone: ctx.workspace.timeZone,
      keys: keys
        .map((k) => ({ id: k.id, name: k.name, prefix: k.prefix, status: k.status }))
        .sort((a, b) => a.name.localeCompare(b.name)),
      models: models.map((m) => m.model),
      prompts: [...prompts.values()]
        .map((p) => ({ ...p, versions: p.versions.sort((a, b) => b.version - a.version) }))
        .sort((a, b) => a.slug.localeCompare(b.slug)),
      hasTraffic: anyUsage !== null,
    };
  }),

  /** Budget progress of the workspace and of every key with a budget, this period. */
  budgets: workspaceProcedure("viewer").query(async ({ ctx }) => {
    const workspace = ctx.workspace;
    const keys = await ctx.db.virtualKey.findMany({
      where: { workspaceId: workspace.id, budgetAmountNanoUsd: { not: null } },
      select: {
        id: true,
        name: true,
        status: true,
        budgetAmountNanoUsd: true,
        budgetPeriod: true,
        budgetAlertThresholdPct: true,
      },
      orderBy: { name: "asc" },
    });
    // the same figures as the keys page and the budget banner (../budgets.ts)
    const budgets = await workspaceBudgets(ctx, workspace, keys);
    const progress = (b: BudgetEntry<unknown>): BudgetProgress => ({
      period: b.period,
      budgetNanoUsd: b.amountNanoUsd,
      spentNanoUsd: b.figure.spentNanoUsd,
      percent: b.figure.percent,
      periodStart: b.figure.periodStart,
      periodEnd: b.figure.periodEnd,
    });
    return {
      workspace: budgets.workspace ? progress(budgets.workspace) : null,
      keys: budgets.keys.map((b) => ({
        keyId: b.row.id,
        name: b.row.name,
        status: b.row.status,
        ...progress(b),
      })),
    };
  }),

  /** Usage batches the worker gave up on (all attempts failed) that carry this workspace's events. */
  deadLetters: workspaceProcedure("admin").query(async ({ ctx }) => {
    const letters = await listDeadLetters(queueRedis(ctx.redis()), {
      workspaceId: ctx.workspace.id,
      limit: 100,
    });
    // a batch may mix workspaces: never name the others
    return letters.map(({ workspaceIds: _others, ...letter }) => letter);
  }),

  retryDeadLetter: workspaceProcedure("admin")
    .input(z.object({ jobId: z.string().min(1).max(200) }))
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const redis = queueRedis(ctx.redis());
      // only a batch that carries this workspace's events may be retried from here
      const mine = await listDeadLetters(redis, { workspaceId, limit: 1_000 });
      const letter = mine.find((l) => l.jobId === input.jobId);
      if (!letter) throw new TRPCError({ code: "NOT_FOUND", message: "Failed batch not found." });
      const result = await retryDeadLetter(redis, input.jobId);
      if (result !== "retried") {
        throw new TRPCError({ code: "NOT_FOUND", message: "Failed batch not found." });
      }
      await ctx.db.$transaction((tx) =>
        recordAudit(tx, {
          workspaceId,
          actorUserId: ctx.userId,
          action: "usage_batch.retry",
          targetType: "usage_batch",
          targetId: input.jobId,
          after: { eventCount: letter.eventCount, failedReason: letter.failedReason.slice(0, 200) },
        }),
      );
      return { jobId: input.jobId, status: result };
    }),
});
