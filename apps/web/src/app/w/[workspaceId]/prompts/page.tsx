import type { Metadata } from "next";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { PromptsView } from "./prompts-view";

export const metadata: Metadata = { title: "Prompts" };

export default async function PromptsPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  prefetch(trpc.prompt.list.queryOptions({ workspaceId }));
  prefetch(trpc.route.list.queryOptions({ workspaceId }));
  return (
    <HydrateClient>
      <div className="space-y-8">
        <SectionHeader title="Prompts">
          Prompts that change without a deploy. Every save is a new version; a label (like{" "}
          <code>production</code>) says which version the gateway serves when an application calls{" "}
          <code>model: &quot;prompt:&lt;slug&gt;&quot;</code>.
        </SectionHeader>
        <Suspense fallback={<ListSkeleton label="Loading prompts" />}>
          <PromptsView workspaceId={workspaceId} canEdit={roleAtLeast(workspace.role, "member")} />
        </Suspense>
      </div>
    </HydrateClient>
  );
}
