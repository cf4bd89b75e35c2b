import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { PricesView } from "./prices-view";

export const metadata: Metadata = { title: "Model prices" };

export default async function PricesPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  prefetch(trpc.prices.list.queryOptions({ workspaceId }));
  return (
    <HydrateClient>
      <div className="space-y-6">
        <div className="space-y-2">
          <Link href={`/w/${workspaceId}/settings`} className="text-sm text-indigo-700 underline">
            ← Settings
          </Link>
          <SectionHeader title="Model prices">
            What the gateway charges each request: input, output and cached-input tokens at these
            prices, in US dollars per million tokens. Override a model&apos;s price for negotiated
            rates or self-hosted models; the proxy uses an override from its next request. Past
            requests keep the cost they were recorded with.
          </SectionHeader>
        </div>
        <Suspense fallback={<ListSkeleton label="Loading prices" />}>
          <PricesView workspaceId={workspaceId} canEdit={roleAtLeast(workspace.role, "admin")} />
        </Suspense>
      </div>
    </HydrateClient>
  );
}
