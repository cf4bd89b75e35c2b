import { ProviderTypeSchema, type ProviderType } from "@gatehouse/shared";
import { encryptSecret, secretHint } from "@gatehouse/shared/server";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { recordAudit } from "../audit";
import { mapPrismaError, notFound } from "../prisma-errors";
import { publishWorkspaceConfig } from "../publish";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

/** What the SDK of each provider uses as its base URL; azure and compatible ones have none. */
export const DEFAULT_BASE_URLS: Record<ProviderType, string | null> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
  gemini: "https://generativelanguage.googleapis.com/v1beta/openai",
  azure_openai: null,
  openai_compatible: null,
};

/** Routes created with a new credential (alias → upstream model), unless the alias exists. */
export const DEFAULT_ROUTES: Record<
  ProviderType,
  Array<{ alias: string; upstreamModel: string }>
> = {
  openai: [
    { alias: "gpt-4o", upstreamModel: "gpt-4o" },
    { alias: "gpt-4o-mini", upstreamModel: "gpt-4o-mini" },
  ],
  anthropic: [
    { alias: "claude-sonnet", upstreamModel: "claude-sonnet-4-5" },
    { alias: "claude-haiku", upstreamModel: "claude-haiku-4-5" },
  ],
  gemini: [{ alias: "gemini-flash", upstreamModel: "gemini-2.5-flash" }],
  // Azure routes by deployment name and compatible servers name models freely: no guess.
  azure_openai: [],
  openai_compatible: [],
};

export const BaseUrlSchema = z
  .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
  .max(2048);

export const CredentialNameSchema = z.string().trim().min(1).max(100);

export const CreateCredentialSchema = z
  .object({
    name: CredentialNameSchema,
    provider: ProviderTypeSchema,
    baseUrl: BaseUrlSchema.optional(),
    secret: z.string().trim().min(1, "the API key is required").max(4096),
    /** provider specific string options, e.g. azure `apiVersion` */
    options: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/), z.string().max(1024))
      .refine((o) => Object.keys(o).length <= 20, "at most 20 options")
      .default({}),
    createDefaultRoutes: z.boolean().default(true),
  })
  .superRefine((input, ctx) => {
    if (!input.baseUrl && DEFAULT_BASE_URLS[input.provider] === null) {
      ctx.addIssue({
        code: "custom",
        path: ["baseUrl"],
        message: "a base URL is required for this provider",
      });
    }
  });
export type CreateCredential = z.infer<typeof CreateCredentialSchema>;

/**
 * The fields a credential is shown with: never the secret or its envelope, nor its options
 * (they may hold extra headers, which can carry secrets too).
 */
const credentialSummary = {
  id: true,
  name: true,
  provider: true,
  baseUrl: true,
  secretHint: true,
  createdAt: true,
  createdBy: { select: { id: true, name: true, email: true } },
} as const;

function auditView(credential: {
  name: string;
  provider: string;
  baseUrl: string;
  secretHint: string;
}) {
  return {
    name: credential.name,
    provider: credential.provider,
    baseUrl: credential.baseUrl,
    secretHint: credential.secretHint,
  };
}

export const credentialRouter = createTRPCRouter({
  list: workspaceProcedure("viewer").query(async ({ ctx }) => {
    const credentials = await ctx.db.providerCredential.findMany({
      where: { workspaceId: ctx.workspace.id },
      select: { ...credentialSummary, _count: { select: { deployments: true } } },
      orderBy: [{ name: "asc" }, { id: "asc" }],
    });
    return credentials.map(({ _count, ...credential }) => ({
      ...credential,
      deployments: _count.deployments,
    }));
  }),

  create: workspaceProcedure("admin")
    .input(CreateCredentialSchema)
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      const keyring = ctx.keyring();
      const baseUrl = input.baseUrl ?? DEFAULT_BASE_URLS[input.provider];
      if (!baseUrl) throw new TRPCError({ code: "BAD_REQUEST", message: "Base URL required." });
      const hint = secretHint(input.secret);

      const created = await ctx.db
        .$transaction(async (tx) => {
          // The envelope's AAD is the credential id (what the proxy decrypts with), so the
          // row is created first and its secret filled in within the same transaction.
          const row = await tx.providerCredential.create({
            data: {
              workspaceId,
              name: input.name,
              provider: input.provider,
              baseUrl,
              encryptedSecret: "",
              secretHint: hint,
              options: input.options,
              createdById: ctx.userId,
            },
            select: { id: true },
          });
          const credential = await tx.providerCredential.update({
            where: { id: row.id, workspaceId },
            data: { encryptedSecret: encryptSecret(input.secret, keyring, row.id) },
            select: credentialSummary,
          });

          const routes: string[] = [];
          if (input.createDefaultRoutes) {
            for (const { alias, upstreamModel } of DEFAULT_ROUTES[input.provider]) {
              const existing = await tx.modelRoute.findFirst({
                where: { workspaceId, alias },
                select: { id: true },
              });
              if (existing) continue;
              const route = await tx.modelRoute.create({
                data: {
                  workspaceId,
                  alias,
                  deployments: {
                    create: { workspaceId, credentialId: credential.id, upstreamModel },
                  },
                },
                select: { id: true, alias: true },
              });
              routes.push(route.alias);
              await recordAudit(tx, {
                workspaceId,
                actorUserId: ctx.userId,
                action: "model_route.create",
                targetType: "model_route",
                targetId: route.id,
                after: { alias, deployments: [{ credentialId: credential.id, upstreamModel }] },
              });
            }
          }

          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "provider_credential.create",
            targetType: "provider_credential",
            targetId: credential.id,
            after: auditView(credential),
          });
          return { ...credential, defaultRoutes: routes };
        })
        .catch((error: unknown) =>
          mapPrismaError(error, {
            notFound: "Credential",
            conflict: "A credential with this name already exists in the workspace.",
          }),
        );

      await publishWorkspaceConfig(ctx, workspaceId);
      return created;
    }),

  delete: workspaceProcedure("admin")
    .input(z.object({ credentialId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const workspaceId = ctx.workspace.id;
      await ctx.db
        .$transaction(async (tx) => {
          const credential = await tx.providerCredential.findFirst({
            where: { id: input.credentialId, workspaceId },
            select: { ...credentialSummary, _count: { select: { deployments: true } } },
          });
          if (!credential) throw notFound("Credential");
          if (credential._count.deployments > 0) {
            throw new TRPCError({
              code: "PRECONDITION_FAILED",
              message: `This credential is used by ${credential._count.deployments} deployment(s); remove them from their routes first.`,
            });
          }
          await tx.providerCredential.delete({ where: { id: input.credentialId, workspaceId } });
          await recordAudit(tx, {
            workspaceId,
            actorUserId: ctx.userId,
            action: "provider_credential.delete",
            targetType: "provider_credential",
            targetId: credential.id,
            before: auditView(credential),
          });
        })
        .catch((error: unknown) =>
          mapPrismaError(error, {
            notFound: "Credential",
            // a deployment added concurrently: the foreign key refuses the delete
            conflict: "This credential is used by a deployment; remove it from its routes first.",
          }),
        );

      await publishWorkspaceConfig(ctx, workspaceId);
      return { id: input.credentialId };
    }),
});
