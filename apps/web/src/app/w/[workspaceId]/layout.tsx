import { TRPCError } from "@trpc/server";
import { notFound, redirect } from "next/navigation";
import type { ReactNode } from "react";
import { BudgetBanner } from "~/components/budget-banner";
import { WorkspaceNav } from "~/components/workspace-nav";
import { getServerAuthSession } from "~/server/auth";
import { getServerCaller } from "~/server/caller";

/**
 * The frame of every workspace page: checks membership once (a workspace the user is not in
 * is a 404, exactly like one that does not exist) and renders the section navigation.
 * Pages live beside this file: page.tsx (overview), requests/, keys/, prompts/, routes/,
 * guardrails/, credentials/, members/, settings/, audit/.
 */
export default async function WorkspaceLayout({
  children,
  params,
}: {
  children: ReactNode;
  params: Promise<{ workspaceId: string }>;
}) {
  const { workspaceId } = await params;
  const session = await getServerAuthSession();
  if (!session) redirect(`/signin?callbackUrl=${encodeURIComponent(`/w/${workspaceId}`)}`);

  const caller = await getServerCaller();
  const workspace = await caller.workspace.byId({ workspaceId }).catch((error: unknown) => {
    if (error instanceof TRPCError && error.code === "NOT_FOUND") notFound();
    throw error;
  });

  return (
    <div className="space-y-6">
      <WorkspaceNav workspaceId={workspace.id} name={workspace.name} role={workspace.role} />
      <BudgetBanner workspaceId={workspace.id} />
      <div>{children}</div>
    </div>
  );
}
