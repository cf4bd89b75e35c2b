import {
  decodeCursor,
  getRequestLog,
  listRequestLogs,
  type RequestLogFilters,
} from "@gatehouse/db/usage";
import { GuardrailFindingSchema, UpstreamAttemptSchema, usdToNanoUsd } from "@gatehouse/shared";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { RequestLogListInputSchema } from "~/lib/usage-schemas";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

/** The request log explorer: newest first, cursor pages, a detail view per request. */

type FiltersInput = z.output<typeof RequestLogListInputSchema>["filters"];

function toFilters(input: FiltersInput): RequestLogFilters {
  const status =
    input.status === "all"
      ? undefined
      : input.status === "success" || input.status === "error"
        ? input.status
        : Number(input.status);
  return {
    keyIds: input.keyIds,
    models: input.models,
    status,
    from: input.from,
    to: input.to,
    minCostNanoUsd: input.minCostUsd ? BigInt(usdToNanoUsd(input.minCostUsd)) : undefined,
    minLatencyMs: input.minLatencyMs,
  };
}

export const requestsRouter = createTRPCRouter({
  list: workspaceProcedure("viewer")
    .input(RequestLogListInputSchema)
    .query(async ({ ctx, input }) => {
      const cursor = input.cursor ? decodeCursor(input.cursor) : null;
      if (input.cursor && !cursor) {
        throw new TRPCError({ code: "BAD_REQUEST", message: "Invalid cursor." });
      }
      const page = await listRequestLogs(ctx.db, {
        workspaceId: ctx.workspace.id,
        filters: toFilters(input.filters),
        cursor,
        limit: input.limit,
      });
      const keyIds = [...new Set(page.items.map((item) => item.keyId))];
      const keys = await ctx.db.virtualKey.findMany({
        where: { workspaceId: ctx.workspace.id, id: { in: keyIds } },
        select: { id: true, name: true },
      });
      const names = new Map(keys.map((k) => [k.id, k.name]));
      return {
        ...page,
        items: page.items.map((item) => ({ ...item, keyName: names.get(item.keyId) ?? null })),
      };
    }),

  byId: workspaceProcedure("viewer")
    .input(z.object({ requestId: z.string().min(1).max(200) }))
    .query(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const log = await getRequestLog(ctx.db, workspaceId, input.requestId);
      if (!log) throw new TRPCError({ code: "NOT_FOUND", message: "Request not found." });
      const [key, promptVersion] = await Promise.all([
        ctx.db.virtualKey.findFirst({
          where: { id: log.keyId, workspaceId },
          select: { id: true, name: true, prefix: true },
        }),
        log.promptVersionId
          ? ctx.db.promptVersion.findFirst({
              where: { id: log.promptVersionId, workspaceId },
              select: { id: true, version: true, prompt: { select: { id: true, slug: true } } },
            })
          : null,
      ]);
      const parsed = z.array(UpstreamAttemptSchema).safeParse(log.attempts ?? []);
      const attempts = parsed.success ? parsed.data : [];
      // each attempt's credential by name (ids only in the log; a deleted one shows as such)
      const credentials = await ctx.db.providerCredential.findMany({
        where: { workspaceId, id: { in: [...new Set(attempts.map((a) => a.credentialId))] } },
        select: { id: true, name: true },
      });
      const credentialName = new Map(credentials.map((c) => [c.id, c.name]));
      // detector, action and count per finding: the log never holds a value found
      const findings = z.array(GuardrailFindingSchema).safeParse(log.guardrailFindings ?? []);
      const { payload, attempts: _raw, guardrailFindings: _rawFindings, ...rest } = log;
      return {
        ...rest,
        key,
        promptVersion,
        attempts: attempts.map((attempt) => ({
          ...attempt,
          credentialName: credentialName.get(attempt.credentialId) ?? null,
        })),
        payload: payload ? { request: payload.request, response: payload.response } : null,
        payloadLogging: ctx.workspace.payloadLogging,
        guardrailFindings: findings.success ? findings.data : [],
      };
    }),
});
