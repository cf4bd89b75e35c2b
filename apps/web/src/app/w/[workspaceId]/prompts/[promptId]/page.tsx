import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import { notFound } from "next/navigation";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { ListSkeleton } from "~/components/form-controls";
import { getEnv } from "~/env";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { PromptView } from "./prompt-view";

export const metadata: Metadata = { title: "Prompt" };

export default async function PromptPage({
  params,
}: {
  params: Promise<{ workspaceId: string; promptId: string }>;
}) {
  const { workspaceId, promptId } = await params;
  const caller = await getServerCaller();
  const workspace = await caller.workspace.byId({ workspaceId });
  // a prompt of another workspace (or none) is a 404 page, not an error
  await caller.prompt.byId({ workspaceId, promptId }).catch((error: unknown) => {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") notFound();
    throw error;
  });
  prefetch(trpc.prompt.byId.queryOptions({ workspaceId, promptId }));
  prefetch(trpc.prompt.versions.queryOptions({ workspaceId, promptId }));
  prefetch(trpc.prompt.usage.queryOptions({ workspaceId, promptId }));
  prefetch(trpc.route.list.queryOptions({ workspaceId }));
  return (
    <HydrateClient>
      <Suspense fallback={<ListSkeleton label="Loading the prompt" />}>
        <PromptView
          workspaceId={workspaceId}
          promptId={promptId}
          canEdit={roleAtLeast(workspace.role, "member")}
          proxyUrl={getEnv().GATEHOUSE_PROXY_URL.replace(/\/+$/, "")}
        />
      </Suspense>
    </HydrateClient>
  );
}
