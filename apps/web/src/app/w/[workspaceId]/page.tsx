import type { Metadata } from "next";
import { Suspense } from "react";
import { SectionHeader } from "~/components/form-controls";
import { getEnv } from "~/env";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { defaultOverviewInput } from "~/lib/usage-schemas";
import { OverviewSkeleton, OverviewView } from "./overview-view";

export const metadata: Metadata = { title: "Overview" };

export default async function WorkspaceOverviewPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  prefetch(trpc.usage.filterOptions.queryOptions({ workspaceId }));
  prefetch(trpc.usage.budgets.queryOptions({ workspaceId }));
  prefetch(trpc.usage.overview.queryOptions({ workspaceId, ...defaultOverviewInput() }));
  const proxyUrl = getEnv().GATEHOUSE_PROXY_URL.replace(/\/+$/, "");
  return (
    <HydrateClient>
      <div className="space-y-6">
        <SectionHeader title="Overview">
          Spend, traffic, errors and latency of this workspace, from the usage rollups (updated
          within seconds of each request).
        </SectionHeader>
        <Suspense fallback={<OverviewSkeleton />}>
          <OverviewView workspaceId={workspaceId} proxyUrl={proxyUrl} />
        </Suspense>
      </div>
    </HydrateClient>
  );
}
