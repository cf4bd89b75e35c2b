import type { Prisma } from "@gatehouse/db";
import {
  DEFAULT_PROMPT_LABEL,
  formatUsd,
  PromptMessageSchema,
  PromptVariableSchema,
  type PromptVersionInput,
} from "@gatehouse/shared";
import { z } from "zod";
import { diffVersions } from "~/lib/prompt-diff";
import {
  CreatePromptSchema,
  IdSchema,
  MoveLabelSchema,
  PromptSlugSchema,
  RemoveLabelSchema,
  SaveVersionSchema,
} from "~/lib/prompt-schemas";
import { recordAudit } from "../audit";
import { mapPrismaError, notFound } from "../prisma-errors";
import { publishWorkspaceConfig } from "../publish";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

/**
 * Prompts: a slug with immutable versions (saving always adds a version) and labels, movable
 * pointers that say which version the proxy serves (`production` by default). Members edit
 * prompts and move labels (everyday work, like keys); viewers read. Every change is written
 * to Postgres, audited in the same transaction, then the workspace snapshot is republished
 * so that every proxy serves it within a second.
 */

const MessagesSchema = z.array(PromptMessageSchema);
const VariablesSchema = z.array(PromptVariableSchema);
const ParamsSchema = z.record(z.string(), z.unknown());

const versionSelect = {
  id: true,
  version: true,
  messages: true,
  variables: true,
  model: true,
  params: true,
  commitMessage: true,
  createdAt: true,
  author: { select: { id: true, name: true, email: true } },
} as const;

type VersionRow = Prisma.PromptVersionGetPayload<{ select: typeof versionSelect }>;

/** A stored version with its JSON columns typed (they were validated when written). */
function versionView(row: VersionRow) {
  return {
    id: row.id,
    version: row.version,
    messages: MessagesSchema.parse(row.messages),
    variables: VariablesSchema.parse(row.variables),
    model: row.model,
    params: ParamsSchema.parse(row.params),
    commitMessage: row.commitMessage,
    createdAt: row.createdAt,
    author: row.author,
  };
}
export type PromptVersionView = ReturnType<typeof versionView>;

const labelSelect = {
  name: true,
  updatedAt: true,
  version: { select: { id: true, version: true } },
  updatedBy: { select: { id: true, name: true, email: true } },
} as const;

const promptSelect = {
  id: true,
  slug: true,
  name: true,
  description: true,
  createdAt: true,
  updatedAt: true,
  labels: { select: labelSelect, orderBy: { name: "asc" } },
  versions: {
    select: { id: true, version: true, model: true, createdAt: true },
    orderBy: { version: "desc" },
    take: 1,
  },
  _count: { select: { versions: true } },
} as const;

type PromptRow = Prisma.PromptGetPayload<{ select: typeof promptSelect }>;

function promptView(row: PromptRow) {
  const latest = row.versions[0] ?? null;
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    labels: row.labels.map((label) => ({
      name: label.name,
      versionId: label.version.id,
      version: label.version.version,
      updatedAt: label.updatedAt,
      updatedBy: label.updatedBy,
    })),
    latest: latest && { id: latest.id, version: latest.version, model: latest.model },
    versionCount: row._count.versions,
  };
}

/** The JSON written for a new version (already validated by PromptVersionInputSchema). */
function versionData(input: PromptVersionInput) {
  return {
    messages: input.messages as Prisma.InputJsonArray,
    variables: input.variables as Prisma.InputJsonArray,
    model: input.model,
    params: input.params as Prisma.InputJsonObject,
    commitMessage: input.commitMessage || null,
  };
}

const promptMessages = {
  notFound: "Prompt",
  conflict: "A prompt with this slug already exists, or the prompt changed; try again.",
};

async function findPrompt(db: Prisma.TransactionClient, workspaceId: string, promptId: string) {
  const prompt = await db.prompt.findFirst({
    where: { id: promptId, workspaceId },
    select: promptSelect,
  });
  if (!prompt) throw notFound("Prompt");
  return prompt;
}

export const promptRouter = createTRPCRouter({
  list: workspaceProcedure("viewer").query(async ({ ctx }) => {
    const prompts = await ctx.db.prompt.findMany({
      where: { workspaceId: ctx.workspace.id },
      select: promptSelect,
      orderBy: { slug: "asc" },
    });
    return prompts.map(promptView);
  }),

  byId: workspaceProcedure("viewer")
    .input(z.object({ promptId: IdSchema }))
    .query(async ({ ctx, input }) =>
      promptView(await findPrompt(ctx.db, ctx.workspace.id, input.promptId)),
    ),

  bySlug: workspaceProcedure("viewer")
    .input(z.object({ slug: PromptSlugSchema }))
    .query(async ({ ctx, input }) => {
      const prompt = await ctx.db.prompt.findFirst({
        where: { slug: input.slug, workspaceId: ctx.workspace.id },
        select: promptSelect,
      });
      if (!prompt) throw notFound("Prompt");
      return promptView(prompt);
    }),

  /** Every version, newest first, with its full content. */
  versions: workspaceProcedure("viewer")
    .input(z.object({ promptId: IdSchema }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.promptVersion.findMany({
        where: { promptId: input.promptId, workspaceId: ctx.workspace.id },
        select: versionSelect,
        orderBy: { version: "desc" },
      });
      if (rows.length === 0) await findPrompt(ctx.db, ctx.workspace.id, input.promptId);
      return rows.map(versionView);
    }),

  /** Two versions side by side: both, and their aligned line diff. */
  diff: workspaceProcedure("viewer")
    .input(z.object({ promptId: IdSchema, a: z.number().int().min(1), b: z.number().int().min(1) }))
    .query(async ({ ctx, input }) => {
      const rows = await ctx.db.promptVersion.findMany({
        where: {
          promptId: input.promptId,
          workspaceId: ctx.workspace.id,
          version: { in: [input.a, input.b] },
        },
        select: versionSelect,
      });
      const a = rows.find((row) => row.version === input.a);
      const b = rows.find((row) => row.version === input.b);
      if (!a || !b) throw notFound("Version");
      const left = versionView(a);
      const right = versionView(b);
      return { a: left, b: right, rows: diffVersions(left, right) };
    }),

  /** Requests, tokens and cost per version, from the daily rollups. */
  usage: workspaceProcedure("viewer")
    .input(z.object({ promptId: IdSchema, days: z.number().int().min(1).max(366).default(30) }))
    .query(async ({ ctx, input }) => {
      const versions = await ctx.db.promptVersion.findMany({
        where: { promptId: input.promptId, workspaceId: ctx.workspace.id },
        select: { id: true, version: true },
      });
      if (versions.length === 0) await findPrompt(ctx.db, ctx.workspace.id, input.promptId);
      const since = new Date(Date.now() - input.days * 24 * 60 * 60 * 1000);
      since.setUTCHours(0, 0, 0, 0);
      const sums = await ctx.db.usageDaily.groupBy({
        by: ["promptVersionId"],
        where: {
          workspaceId: ctx.workspace.id,
          promptVersionId: { in: versions.map((v) => v.id) },
          day: { gte: since },
        },
        _sum: {
          requests: true,
          errors: true,
          inputTokens: true,
          outputTokens: true,
          costNanoUsd: true,
          latencyMsSum: true,
        },
      });
      const byId = new Map(sums.map((row) => [row.promptVersionId, row._sum]));
      return versions
        .sort((x, y) => y.version - x.version)
        .map((v) => {
          const sum = byId.get(v.id);
          const requests = sum?.requests ?? 0;
          const cost = sum?.costNanoUsd ?? 0n;
          return {
            versionId: v.id,
            version: v.version,
            requests,
            errors: sum?.errors ?? 0,
            inputTokens: Number(sum?.inputTokens ?? 0n),
            outputTokens: Number(sum?.outputTokens ?? 0n),
            costUsd: formatUsd(cost),
            avgLatencyMs: requests > 0 ? Number(sum?.latencyMsSum ?? 0n) / requests : null,
          };
        });
    }),

  /** A new prompt with its first version; `production` points at it. */
  create: workspaceProcedure("member")
    .input(CreatePromptSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const prompt = await ctx.db
        .$transaction(async (tx) => {
          const created = await tx.prompt.create({
            data: {
              workspaceId,
              slug: input.slug,
              name: input.name,
              description: input.description,
            },
            select: { id: true },
          });
          const version = await tx.promptVersion.create({
            data: {
              promptId: created.id,
              workspaceId,
              version: 1,
              authorId: ctx.userId,
              ...versionData(input.version),
            },
            select: { id: true },
          });
          await tx.promptLabel.create({
            data: {
              promptId: created.id,
              workspaceId,
              name: DEFAULT_PROMPT_LABEL,
              versionId: version.id,
              updatedById: ctx.userId,
            },
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "prompt.create",
            targetType: "prompt",
            targetId: created.id,
            after: {
              slug: input.slug,
              name: input.name,
              version: 1,
              labels: { [DEFAULT_PROMPT_LABEL]: 1 },
            },
          });
          return findPrompt(tx, workspaceId, created.id);
        })
        .catch((error: unknown) => mapPrismaError(error, promptMessages));
      await publishWorkspaceConfig(ctx, workspaceId);
      return promptView(prompt);
    }),

  /** Saves a new immutable version (the next number); labels do not move. */
  saveVersion: workspaceProcedure("member")
    .input(SaveVersionSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const version = await ctx.db
        .$transaction(async (tx) => {
          const prompt = await findPrompt(tx, workspaceId, input.promptId);
          const number = (prompt.versions[0]?.version ?? 0) + 1;
          // a concurrent save takes the same number: the unique (prompt, version) refuses one
          const row = await tx.promptVersion.create({
            data: {
              promptId: prompt.id,
              workspaceId,
              version: number,
              authorId: ctx.userId,
              ...versionData(input.version),
            },
            select: versionSelect,
          });
          await tx.prompt.update({
            where: { id: prompt.id, workspaceId },
            data: { updatedAt: new Date() },
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "prompt.version.create",
            targetType: "prompt",
            targetId: prompt.id,
            after: {
              slug: prompt.slug,
              version: number,
              model: input.version.model,
              commitMessage: input.version.commitMessage,
            },
          });
          return row;
        })
        .catch((error: unknown) =>
          mapPrismaError(error, {
            notFound: "Prompt",
            conflict: "Someone saved a version at the same time; reload and save again.",
          }),
        );
      // the snapshot carries the newest versions (and `@latest`)
      await publishWorkspaceConfig(ctx, workspaceId);
      return versionView(version);
    }),

  /**
   * Points a label at a version (creating the label if needed): one upsert and its audit
   * entry in one transaction, then the snapshot is republished. Promote and roll back are
   * both this.
   */
  moveLabel: workspaceProcedure("member")
    .input(MoveLabelSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const result = await ctx.db
        .$transaction(async (tx) => {
          const version = await tx.promptVersion.findFirst({
            where: { id: input.versionId, promptId: input.promptId, workspaceId },
            select: { id: true, version: true, prompt: { select: { slug: true } } },
          });
          if (!version) throw notFound("Version");
          const before = await tx.promptLabel.findUnique({
            where: { promptId_name: { promptId: input.promptId, name: input.label } },
            select: { version: { select: { version: true } } },
          });
          const label = await tx.promptLabel.upsert({
            where: { promptId_name: { promptId: input.promptId, name: input.label } },
            create: {
              promptId: input.promptId,
              workspaceId,
              name: input.label,
              versionId: version.id,
              updatedById: ctx.userId,
            },
            update: { versionId: version.id, updatedById: ctx.userId },
            select: { name: true },
          });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "prompt.label.move",
            targetType: "prompt",
            targetId: input.promptId,
            before: before
              ? { slug: version.prompt.slug, label: input.label, version: before.version.version }
              : null,
            after: { slug: version.prompt.slug, label: input.label, version: version.version },
          });
          return {
            label: label.name,
            version: version.version,
            previousVersion: before?.version.version ?? null,
          };
        })
        .catch((error: unknown) => mapPrismaError(error, promptMessages));
      await publishWorkspaceConfig(ctx, workspaceId);
      return result;
    }),

  removeLabel: workspaceProcedure("member")
    .input(RemoveLabelSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      await ctx.db
        .$transaction(async (tx) => {
          const label = await tx.promptLabel.findFirst({
            where: { promptId: input.promptId, name: input.label, workspaceId },
            select: {
              id: true,
              version: { select: { version: true } },
              prompt: { select: { slug: true } },
            },
          });
          if (!label) throw notFound("Label");
          await tx.promptLabel.delete({ where: { id: label.id, workspaceId } });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "prompt.label.remove",
            targetType: "prompt",
            targetId: input.promptId,
            before: { slug: label.prompt.slug, label: input.label, version: label.version.version },
          });
        })
        .catch((error: unknown) => mapPrismaError(error, promptMessages));
      await publishWorkspaceConfig(ctx, workspaceId);
      return { promptId: input.promptId, label: input.label };
    }),

  delete: workspaceProcedure("member")
    .input(z.object({ promptId: IdSchema }))
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      await ctx.db
        .$transaction(async (tx) => {
          const prompt = await findPrompt(tx, workspaceId, input.promptId);
          await tx.prompt.delete({ where: { id: prompt.id, workspaceId } });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "prompt.delete",
            targetType: "prompt",
            targetId: prompt.id,
            before: {
              slug: prompt.slug,
              name: prompt.name,
              versions: prompt._count.versions,
              labels: Object.fromEntries(prompt.labels.map((l) => [l.name, l.version.version])),
            },
          });
        })
        .catch((error: unknown) => mapPrismaError(error, promptMessages));
      await publishWorkspaceConfig(ctx, workspaceId);
      return { id: input.promptId };
    }),
});
