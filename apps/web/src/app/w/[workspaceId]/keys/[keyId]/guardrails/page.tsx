import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { KeyOverrideView } from "../../../guardrails/key-override-view";

export const metadata: Metadata = { title: "Key guardrails" };

export default async function KeyGuardrailsPage({
  params,
}: {
  params: Promise<{ workspaceId: string; keyId: string }>;
}) {
  const { workspaceId, keyId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  prefetch(trpc.guardrails.keyOverride.queryOptions({ workspaceId, keyId }));
  prefetch(trpc.guardrails.policy.queryOptions({ workspaceId }));
  return (
    <HydrateClient>
      <div className="space-y-8">
        <div className="space-y-2">
          <Link href={`/w/${workspaceId}/keys`} className="text-sm text-indigo-700 underline">
            ← Keys
          </Link>
          <SectionHeader title="Key guardrails">
            Override what a detector does for this key only; every other detector follows the
            workspace&apos;s policy.
          </SectionHeader>
        </div>
        <Suspense fallback={<ListSkeleton label="Loading the key's guardrails" />}>
          <KeyOverrideView
            workspaceId={workspaceId}
            keyId={keyId}
            canEdit={roleAtLeast(workspace.role, "admin")}
          />
        </Suspense>
      </div>
    </HydrateClient>
  );
}
