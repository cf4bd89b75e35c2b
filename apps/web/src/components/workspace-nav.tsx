"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";
import type { Role } from "@gatehouse/shared";

/** The workspace sections, in the order a newcomer needs them after the overview. */
const SECTIONS = [
  { segment: "", label: "Overview" },
  { segment: "requests", label: "Requests" },
  { segment: "keys", label: "Keys" },
  { segment: "prompts", label: "Prompts" },
  { segment: "routes", label: "Routes" },
  { segment: "guardrails", label: "Guardrails" },
  { segment: "credentials", label: "Credentials" },
  { segment: "members", label: "Members" },
  { segment: "settings", label: "Settings" },
  { segment: "audit", label: "Audit log" },
] as const;

export function WorkspaceNav({
  workspaceId,
  name,
  role,
}: {
  workspaceId: string;
  name: string;
  role: Role;
}) {
  const pathname = usePathname();
  const base = `/w/${workspaceId}`;
  return (
    <div className="space-y-3">
      <div className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
        <p className="truncate text-lg font-semibold text-slate-900" data-testid="workspace-name">
          {name}
        </p>
        <span className="rounded-full bg-slate-100 px-2 py-0.5 text-xs font-medium capitalize text-slate-700">
          {role}
        </span>
      </div>
      <nav aria-label="Workspace" className="-mx-1 overflow-x-auto">
        <ul className="flex min-w-max gap-1 border-b border-slate-200 px-1">
          {SECTIONS.map(({ segment, label }) => {
            const href = segment ? `${base}/${segment}` : base;
            const active = segment ? pathname.startsWith(href) : pathname === base;
            return (
              <li key={label}>
                <Link
                  href={href}
                  aria-current={active ? "page" : undefined}
                  className={`-mb-px inline-block border-b-2 px-3 py-2 text-sm font-medium ${
                    active
                      ? "border-indigo-600 text-indigo-700"
                      : "border-transparent text-slate-600 hover:border-slate-300 hover:text-slate-900"
                  }`}
                >
                  {label}
                </Link>
              </li>
            );
          })}
        </ul>
      </nav>
    </div>
  );
}
