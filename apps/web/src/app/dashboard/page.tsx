import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { Suspense } from "react";
import { getEnv } from "~/env";
import { getServerAuthSession } from "~/server/auth";
import { HydrateClient, prefetch, trpc } from "~/trpc/server";
import { CreateWorkspaceForm } from "./create-workspace-form";
import { WorkspaceList, WorkspaceListSkeleton } from "./workspace-list";

export const metadata: Metadata = { title: "Dashboard" };

export default async function DashboardPage() {
  const session = await getServerAuthSession();
  if (!session) redirect("/signin?callbackUrl=%2Fdashboard");

  prefetch(trpc.workspace.list.queryOptions());
  const proxyUrl = getEnv().GATEHOUSE_PROXY_URL.replace(/\/+$/, "");

  return (
    <HydrateClient>
      <div className="space-y-10">
        <div>
          <h1 className="text-2xl font-bold tracking-tight text-slate-900">Dashboard</h1>
          <p className="mt-1 text-sm text-slate-600">
            Signed in as <span className="font-medium text-slate-800">{session.user.email}</span>
          </p>
        </div>

        <section aria-labelledby="workspaces-heading" className="space-y-4">
          <h2 id="workspaces-heading" className="text-lg font-semibold text-slate-900">
            Your workspaces
          </h2>
          <Suspense fallback={<WorkspaceListSkeleton />}>
            <WorkspaceList email={session.user.email} />
          </Suspense>
        </section>

        <section id="new-workspace" aria-labelledby="new-workspace-heading" className="space-y-3">
          <h2 id="new-workspace-heading" className="text-lg font-semibold text-slate-900">
            Create a workspace
          </h2>
          <CreateWorkspaceForm />
        </section>

        <section aria-labelledby="proxy-heading" className="space-y-3">
          <h2 id="proxy-heading" className="text-lg font-semibold text-slate-900">
            Proxy endpoint
          </h2>
          <p className="text-sm text-slate-600">
            Point your OpenAI or Anthropic SDK at this base URL and authenticate with a Gatehouse
            virtual key.
          </p>
          <dl className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
            <div className="grid gap-1 p-4 sm:grid-cols-[10rem_1fr] sm:gap-4">
              <dt className="text-sm font-medium text-slate-600">Base URL</dt>
              <dd className="break-all font-mono text-sm text-slate-900" data-testid="proxy-url">
                {proxyUrl}
              </dd>
            </div>
            <div className="grid gap-1 p-4 sm:grid-cols-[10rem_1fr] sm:gap-4">
              <dt className="text-sm font-medium text-slate-600">OpenAI SDK</dt>
              <dd className="break-all font-mono text-sm text-slate-900">{proxyUrl}/v1</dd>
            </div>
            <div className="grid gap-1 p-4 sm:grid-cols-[10rem_1fr] sm:gap-4">
              <dt className="text-sm font-medium text-slate-600">Anthropic SDK</dt>
              <dd className="break-all font-mono text-sm text-slate-900">{proxyUrl}</dd>
            </div>
          </dl>
        </section>
      </div>
    </HydrateClient>
  );
}
