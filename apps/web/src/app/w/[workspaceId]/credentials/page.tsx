import type { Metadata } from "next";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { CredentialsView } from "./credentials-view";

export const metadata: Metadata = { title: "Credentials" };

export default async function CredentialsPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  prefetch(trpc.credential.list.queryOptions({ workspaceId }));
  return (
    <HydrateClient>
      <div className="space-y-8">
        <SectionHeader title="Provider credentials">
          The API keys Gatehouse calls providers with. They are encrypted at rest and never shown
          again after saving: only their last 4 characters.
        </SectionHeader>
        <Suspense fallback={<ListSkeleton label="Loading credentials" />}>
          <CredentialsView
            workspaceId={workspaceId}
            canManage={roleAtLeast(workspace.role, "admin")}
          />
        </Suspense>
      </div>
    </HydrateClient>
  );
}
