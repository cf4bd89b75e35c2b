import type { Metadata } from "next";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { EmptyState, ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getServerCaller } from "~/server/caller";
import { getQueryClient, HydrateClient, trpc } from "~/trpc/server";
import { AUDIT_PAGE_SIZE, AuditView } from "./audit-view";

export const metadata: Metadata = { title: "Audit log" };

export default async function AuditPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  const canSee = roleAtLeast(workspace.role, "admin");
  if (canSee) {
    void getQueryClient().prefetchInfiniteQuery(
      trpc.audit.list.infiniteQueryOptions(
        { workspaceId, limit: AUDIT_PAGE_SIZE },
        { getNextPageParam: (page) => page.nextCursor },
      ),
    );
  }
  return (
    <HydrateClient>
      <div className="space-y-8">
        <SectionHeader title="Audit log">
          Every administrative change in this workspace: who changed what, when, and the values
          before and after. Secrets are never recorded.
        </SectionHeader>
        {canSee ? (
          <Suspense fallback={<ListSkeleton label="Loading the audit log" />}>
            <AuditView workspaceId={workspaceId} />
          </Suspense>
        ) : (
          <EmptyState title="Only admins can see the audit log">
            Ask an owner or admin of this workspace if you need to know who changed something.
          </EmptyState>
        )}
      </div>
    </HydrateClient>
  );
}
