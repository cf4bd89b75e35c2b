import { decryptSecret, encryptSecret, secretHint } from "@gatehouse/shared/server";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import {
  CreateCredentialSchema,
  DEFAULT_BASE_URLS,
  DEFAULT_ROUTES,
} from "~/lib/credential-schemas";
import { recordAudit } from "../audit";
import { stringOptions, testConnection } from "../credential-connection";
import { mapPrismaError, notFound } from "../prisma-errors";
import { publishWorkspaceConfig } from "../publish";
import { createTRPCRouter, workspaceProcedure } from "../trpc";

export {
  BaseUrlSchema,
  CreateCredentialSchema,
  CredentialNameSchema,
  DEFAULT_BASE_URLS,
  DEFAULT_ROUTES,
  type CreateCredential,
} from "~/lib/credential-schemas";

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

  /**
   * The cheap "list models" call with the saved secret, through the proxy's adapter code.
   * Admin only: it makes the server call the credential's base URL.
   */
  testConnection: workspaceProcedure("admin")
    .input(z.object({ credentialId: z.string().min(1).max(64) }))
    .mutation(async ({ ctx, input }) => {
      const credential = await ctx.db.providerCredential.findFirst({
        where: { id: input.credentialId, workspaceId: ctx.workspace.id },
        select: { id: true, provider: true, baseUrl: true, encryptedSecret: true, options: true },
      });
      if (!credential) throw notFound("Credential");
      let apiKey: string;
      try {
        apiKey = decryptSecret(credential.encryptedSecret, ctx.keyring(), credential.id);
      } catch {
        throw new TRPCError({
          code: "PRECONDITION_FAILED",
          message:
            "The saved secret cannot be decrypted with the server's encryption keys; add the credential again.",
        });
      }
      return testConnection({
        id: credential.id,
        provider: credential.provider,
        baseUrl: credential.baseUrl,
        apiKey,
        options: stringOptions(credential.options),
      });
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
