import type { Metadata } from "next";
import Link from "next/link";
import { Suspense } from "react";
import { roleAtLeast } from "@gatehouse/shared";
import { ListSkeleton, SectionHeader } from "~/components/form-controls";
import { getServerCaller } from "~/server/caller";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { RenameForm, ResyncButton, SettingsForm } from "./settings-view";

export const metadata: Metadata = { title: "Settings" };

export default async function SettingsPage({
  params,
}: {
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const workspace = await (await getServerCaller()).workspace.byId({ workspaceId });
  const canManage = roleAtLeast(workspace.role, "admin");
  prefetch(trpc.workspace.settings.queryOptions({ workspaceId }));
  return (
    <HydrateClient>
      <div className="space-y-10">
        <SectionHeader title="Settings">
          {canManage
            ? "How the gateway treats this workspace's traffic. Changes reach every proxy within a second."
            : "How the gateway treats this workspace's traffic. Only owners and admins can change these settings."}
        </SectionHeader>

        <RenameForm
          workspaceId={workspaceId}
          name={workspace.name}
          slug={workspace.slug}
          canManage={canManage}
        />

        <Suspense fallback={<ListSkeleton label="Loading settings" />}>
          <SettingsForm workspaceId={workspaceId} canManage={canManage} />
        </Suspense>

        <section aria-labelledby="prices-heading" className="space-y-2">
          <h2 id="prices-heading" className="text-lg font-semibold text-slate-900">
            Prices
          </h2>
          <p className="text-sm text-slate-600">
            Costs and budgets use the built-in price table; override a model&apos;s price for this
            workspace (negotiated rates, self-hosted models) on the{" "}
            <Link
              href={`/w/${workspaceId}/settings/prices`}
              className="font-medium text-indigo-700 hover:underline"
            >
              Model prices
            </Link>{" "}
            page.
          </p>
        </section>

        {canManage ? <ResyncButton workspaceId={workspaceId} /> : null}
      </div>
    </HydrateClient>
  );
}
