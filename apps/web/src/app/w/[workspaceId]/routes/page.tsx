import type { Metadata } from "next";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { RoutesView } from "./routes-view";

export const metadata: Metadata = { title: "Routes" };

export default async function RoutesPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  prefetch(trpc.route.list.queryOptions({ workspaceId }));
  prefetch(trpc.credential.list.queryOptions({ workspaceId }));
  return (
    <HydrateClient>
      <div className="space-y-8">
        <SectionHeader title="Model routes">
          The model names your applications send (like <code>gpt-4o</code> or <code>fast</code>),
          each served by one or more deployments: a credential and the provider&apos;s model. Lower
          priority numbers are tried first and higher ones are fallbacks; weights split traffic
          within a priority. Transient failures are retried; Routing sets how.
        </SectionHeader>
        <Suspense fallback={<ListSkeleton label="Loading routes" />}>
          <RoutesView workspaceId={workspaceId} canManage={roleAtLeast(workspace.role, "admin")} />
        </Suspense>
      </div>
    </HydrateClient>
  );
}
