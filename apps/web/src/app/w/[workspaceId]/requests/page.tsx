import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { RequestsView } from "./requests-view";

export const metadata: Metadata = { title: "Requests" };

export default async function RequestsPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  prefetch(trpc.usage.filterOptions.queryOptions({ workspaceId }));
  return (
    <HydrateClient>
      <div className="space-y-6">
        <div className="flex flex-wrap items-end justify-between gap-3">
          <SectionHeader title="Requests">
            Every call through the gateway, newest first. Select a row for its tokens, cost,
            latency, fallback attempts and (when payload logging is on) its bodies.
          </SectionHeader>
          {roleAtLeast(workspace.role, "admin") ? (
            <Link
              href={`/w/${workspaceId}/requests/dead-letters`}
              className="text-sm font-medium text-indigo-700 underline"
            >
              Failed usage batches
            </Link>
          ) : null}
        </div>
        <Suspense fallback={<ListSkeleton label="Loading requests" />}>
          <RequestsView workspaceId={workspaceId} />
        </Suspense>
      </div>
    </HydrateClient>
  );
}
