import type { Prisma } from "@gatehouse/db";

/**
 * One AuditLog row per administrative change, written inside the mutation's transaction so a
 * change and its record commit together. `before`/`after` are redacted summaries built by the
 * routers: never secrets, encrypted secrets or key hashes.
 */
export interface AuditEntry {
  workspaceId: string;
  actorUserId: string;
  /** dotted verb, e.g. "virtual_key.revoke" */
  action: string;
  targetType: string;
  targetId: string | null;
  before?: Prisma.InputJsonObject | null;
  after?: Prisma.InputJsonObject | null;
}

export async function recordAudit(tx: Prisma.TransactionClient, entry: AuditEntry): Promise<void> {
  await tx.auditLog.create({
    data: {
      workspaceId: entry.workspaceId,
      actorUserId: entry.actorUserId,
      actorType: "user",
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      before: entry.before ?? undefined,
      after: entry.after ?? undefined,
    },
  });
}
