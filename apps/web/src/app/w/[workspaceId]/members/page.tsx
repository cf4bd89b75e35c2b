import type { Metadata } from "next";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { MembersView } from "./members-view";

export const metadata: Metadata = { title: "Members" };

export default async function MembersPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  const canManage = roleAtLeast(workspace.role, "admin");
  prefetch(trpc.workspace.members.queryOptions({ workspaceId }));
  if (canManage) prefetch(trpc.workspace.invitations.queryOptions({ workspaceId }));
  return (
    <HydrateClient>
      <div className="space-y-8">
        <SectionHeader title="Members">
          Who can use this workspace, and with which role. Owners and admins manage members; members
          manage keys and prompts; viewers only read.
        </SectionHeader>
        <Suspense fallback={<ListSkeleton label="Loading members" />}>
          <MembersView workspaceId={workspaceId} role={workspace.role} />
        </Suspense>
      </div>
    </HydrateClient>
  );
}
