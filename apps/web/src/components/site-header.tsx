import Link from "next/link";
import { getServerAuthSession } from "~/server/auth";
import { SignOutButton } from "./sign-out-button";
import { WorkspaceSwitcher } from "./workspace-switcher";

export async function SiteHeader() {
  const session = await getServerAuthSession();
  return (
    <header className="border-b border-slate-200 bg-white">
      <div className="mx-auto flex h-14 w-full max-w-5xl items-center justify-between gap-4 px-4 sm:px-6">
        <Link
          href={session ? "/dashboard" : "/"}
          className="flex items-center gap-2 rounded-md font-semibold tracking-tight text-slate-900"
        >
          <span
            aria-hidden="true"
            className="grid size-7 place-items-center rounded-md bg-indigo-600 text-sm font-bold text-white"
          >
            G
          </span>
          Gatehouse
        </Link>
        <nav aria-label="Account" className="flex min-w-0 items-center gap-3 text-sm">
          {session ? (
            <>
              <WorkspaceSwitcher />
              <span
                className="hidden truncate text-slate-600 md:inline"
                title={session.user.email ?? undefined}
              >
                {session.user.email}
              </span>
              <SignOutButton />
            </>
          ) : (
            <Link
              href="/signin"
              className="rounded-md px-3 py-1.5 font-medium text-indigo-700 hover:bg-indigo-50"
            >
              Sign in
            </Link>
          )}
        </nav>
      </div>
    </header>
  );
}
