import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { EmptyState, ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { DeadLettersView } from "./dead-letters-view";

export const metadata: Metadata = { title: "Failed usage batches" };

export default async function DeadLettersPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  const isAdmin = roleAtLeast(workspace.role, "admin");
  if (isAdmin) prefetch(trpc.usage.deadLetters.queryOptions({ workspaceId }));
  return (
    <HydrateClient>
      <div className="space-y-6">
        <div className="space-y-2">
          <Link href={`/w/${workspaceId}/requests`} className="text-sm text-indigo-700 underline">
            ← Requests
          </Link>
          <SectionHeader title="Failed usage batches">
            Batches of usage events the worker could not write after all its retries (for example
            while PostgreSQL was down for longer than the backoff). Their requests are missing from
            the charts and the log until they are retried. Retrying is safe: events already recorded
            are never counted twice.
          </SectionHeader>
        </div>
        {isAdmin ? (
          <Suspense fallback={<ListSkeleton label="Loading failed batches" />}>
            <DeadLettersView workspaceId={workspaceId} />
          </Suspense>
        ) : (
          <EmptyState title="Admins only">
            Ask a workspace admin to look at failed usage batches.
          </EmptyState>
        )}
      </div>
    </HydrateClient>
  );
}
