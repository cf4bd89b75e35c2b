import type { Metadata } from "next";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getEnv } from "~/env";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { KeysView } from "./keys-view";

export const metadata: Metadata = { title: "Virtual keys" };

export default async function KeysPage({ params }: { params: Promise<{ workspaceId: string }> }) {
  const { workspaceId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  prefetch(trpc.key.list.queryOptions({ workspaceId }));
  prefetch(trpc.route.list.queryOptions({ workspaceId }));
  const proxyUrl = getEnv().GATEHOUSE_PROXY_URL.replace(/\/+$/, "");
  return (
    <HydrateClient>
      <div className="space-y-8">
        <SectionHeader title="Virtual keys">
          The keys your applications use instead of provider keys, each with its own models, limits
          and budget. A key&apos;s secret is shown once, when it is created or rotated.
        </SectionHeader>
        <Suspense fallback={<ListSkeleton label="Loading keys" />}>
          <KeysView
            workspaceId={workspaceId}
            canManage={roleAtLeast(workspace.role, "member")}
            proxyUrl={proxyUrl}
          />
        </Suspense>
      </div>
    </HydrateClient>
  );
}
