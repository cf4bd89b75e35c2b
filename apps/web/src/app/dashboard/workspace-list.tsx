"use client";

import { useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "~/trpc/react";

const roleStyles: Record<string, string> = {
  owner: "bg-indigo-50 text-indigo-700 ring-indigo-600/20",
  admin: "bg-sky-50 text-sky-700 ring-sky-600/20",
  member: "bg-emerald-50 text-emerald-700 ring-emerald-600/20",
  viewer: "bg-slate-100 text-slate-700 ring-slate-500/20",
};

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export function WorkspaceList({ email }: { email: string | null }) {
  const trpc = useTRPC();
  const { data: workspaces } = useSuspenseQuery(trpc.workspace.list.queryOptions());

  if (workspaces.length === 0) {
    return (
      <div className="rounded-lg border border-dashed border-slate-300 bg-white p-6 text-center">
        <p className="font-medium text-slate-900">You are not in any workspace yet</p>
        <p className="mx-auto mt-2 max-w-md text-sm text-slate-600">
          A workspace holds your provider credentials, virtual keys and budgets. Create one below,
          or ask a workspace owner to invite you
          {email ? (
            <>
              {" "}
              at <span className="font-medium text-slate-800">{email}</span>
            </>
          ) : null}
          . On a development machine,{" "}
          <code className="rounded bg-slate-100 px-1 py-0.5 font-mono text-xs">
            npm run db:seed
          </code>{" "}
          creates a demo account (demo@gatehouse.local) with a ready-made workspace.
        </p>
      </div>
    );
  }

  return (
    <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
      {workspaces.map((workspace) => (
        <li
          key={workspace.id}
          className="flex flex-wrap items-center justify-between gap-x-4 gap-y-1 p-4"
          data-testid="workspace-item"
        >
          <div className="min-w-0">
            <Link
              href={`/w/${workspace.id}`}
              className="block truncate font-medium text-indigo-700 hover:underline"
            >
              {workspace.name}
            </Link>
            <p className="truncate text-sm text-slate-500">
              <span className="font-mono">{workspace.slug}</span> · created{" "}
              {dateFormat.format(workspace.createdAt)}
            </p>
          </div>
          <span
            className={`rounded-full px-2.5 py-0.5 text-xs font-medium capitalize ring-1 ring-inset ${roleStyles[workspace.role] ?? roleStyles.viewer}`}
          >
            {workspace.role}
          </span>
        </li>
      ))}
    </ul>
  );
}

export function WorkspaceListSkeleton() {
  return (
    <div role="status" aria-label="Loading workspaces" className="space-y-2">
      {[0, 1].map((i) => (
        <div
          key={i}
          className="h-[4.5rem] animate-pulse rounded-lg border border-slate-200 bg-white"
        />
      ))}
    </div>
  );
}
