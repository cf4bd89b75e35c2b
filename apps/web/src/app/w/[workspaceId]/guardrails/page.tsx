import type { Metadata } from "next";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { PolicyView } from "./policy-view";

export const metadata: Metadata = { title: "Guardrails" };

export default async function GuardrailsPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  prefetch(trpc.guardrails.policy.queryOptions({ workspaceId }));
  return (
    <HydrateClient>
      <div className="space-y-8">
        <SectionHeader title="Guardrails">
          Personal data and secrets are found in every prompt before it leaves for a provider.
          Masked values become placeholders like [EMAIL_1] and come back in the answer, streamed
          answers included; blocked requests never reach a provider. Requests record what was found
          (detector, action, count), never the value. A key can override the actions on its own page
          (Keys → Guardrails).
        </SectionHeader>
        <Suspense fallback={<ListSkeleton label="Loading the policy" />}>
          <PolicyView workspaceId={workspaceId} canEdit={roleAtLeast(workspace.role, "admin")} />
        </Suspense>
      </div>
    </HydrateClient>
  );
}
