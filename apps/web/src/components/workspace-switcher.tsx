"use client";

import { useQuery } from "@tanstack/react-query";
import { useParams, usePathname, useRouter } from "next/navigation";
import { useTRPC } from "~/trpc/react";

/**
 * The header's workspace switcher: lists the user's workspaces and keeps the current section
 * when switching (keys → the other workspace's keys). "New workspace…" goes to the dashboard,
 * where workspaces are created.
 */
export function WorkspaceSwitcher() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useParams<{ workspaceId?: string }>();
  const { data: workspaces } = useQuery(trpc.workspace.list.queryOptions());
  if (!workspaces || workspaces.length === 0) return null;

  const current = params.workspaceId ?? "";
  const section = current ? (pathname.split("/")[3] ?? "") : "";
  return (
    <label className="flex min-w-0 items-center gap-2">
      <span className="sr-only">Workspace</span>
      <select
        value={current}
        onChange={(event) => {
          const id = event.target.value;
          if (id === "__new") router.push("/dashboard#new-workspace");
          else if (id) router.push(section ? `/w/${id}/${section}` : `/w/${id}`);
        }}
        className="max-w-[10rem] truncate rounded-md border border-slate-300 bg-white py-1 pl-2 pr-7 text-sm text-slate-800 sm:max-w-[14rem]"
        data-testid="workspace-switcher"
      >
        {current ? null : <option value="">Choose a workspace…</option>}
        {workspaces.map((workspace) => (
          <option key={workspace.id} value={workspace.id}>
            {workspace.name}
          </option>
        ))}
        <option value="__new">New workspace…</option>
      </select>
    </label>
  );
}
