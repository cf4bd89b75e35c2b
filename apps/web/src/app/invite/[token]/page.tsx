import { TRPCError } from "@trpc/server";
import type { Metadata } from "next";
import Link from "next/link";
import type { ReactNode } from "react";
import { getServerAuthSession } from "~/server/auth";
import { getServerCaller } from "~/server/caller";
import { AcceptInvitation } from "./accept-invitation";

export const metadata: Metadata = { title: "Invitation" };

function Card({ title, children }: { title: string; children: ReactNode }) {
  return (
    <div className="mx-auto w-full max-w-md">
      <h1 className="text-2xl font-bold tracking-tight text-slate-900">{title}</h1>
      <div className="mt-6 space-y-4 rounded-lg border border-slate-200 bg-white p-6 text-sm text-slate-700 shadow-sm">
        {children}
      </div>
    </div>
  );
}

const linkButton =
  "inline-flex items-center justify-center rounded-md bg-indigo-600 px-4 py-2.5 font-semibold text-white shadow-sm hover:bg-indigo-500";
const secondaryLink =
  "inline-flex items-center justify-center rounded-md border border-slate-300 bg-white px-4 py-2.5 font-semibold text-slate-800 hover:bg-slate-50";

export default async function InvitationPage({ params }: { params: Promise<{ token: string }> }) {
  const { token } = await params;
  const here = encodeURIComponent(`/invite/${token}`);
  const session = await getServerAuthSession();

  if (!session) {
    return (
      <Card title="You have been invited to Gatehouse">
        <p>
          Sign in, or create an account with the email address the invitation was sent to. You come
          back here to accept it.
        </p>
        <div className="flex flex-wrap gap-3">
          <Link href={`/signin?callbackUrl=${here}`} className={linkButton}>
            Sign in to accept
          </Link>
          <Link href={`/signup?callbackUrl=${here}`} className={secondaryLink}>
            Create an account
          </Link>
        </div>
      </Card>
    );
  }

  const caller = await getServerCaller();
  const invitation = await caller.workspace.invitationByToken({ token }).catch((error: unknown) => {
    if (error instanceof TRPCError && ["NOT_FOUND", "BAD_REQUEST"].includes(error.code)) {
      return null;
    }
    throw error;
  });

  if (!invitation || invitation.status !== "pending") {
    const reason =
      invitation?.status === "accepted"
        ? "This invitation has already been used."
        : invitation?.status === "revoked"
          ? "This invitation was revoked."
          : invitation?.status === "expired"
            ? "This invitation has expired."
            : "This invitation link is not valid. Check that you copied all of it.";
    return (
      <Card title="Invitation unavailable">
        <p>{reason} Ask a workspace admin for a new invite link.</p>
        {invitation?.alreadyMember && invitation.workspace.id ? (
          <Link href={`/w/${invitation.workspace.id}`} className={linkButton}>
            Open {invitation.workspace.name}
          </Link>
        ) : (
          <Link href="/dashboard" className={secondaryLink}>
            Go to the dashboard
          </Link>
        )}
      </Card>
    );
  }

  return (
    <Card title={`Join ${invitation.workspace.name}`}>
      <p>
        {invitation.invitedBy} invited <span className="font-medium">{invitation.email}</span> to
        the workspace <span className="font-medium">{invitation.workspace.name}</span> as{" "}
        <span className="font-medium capitalize">{invitation.role}</span>.
      </p>
      <AcceptInvitation
        token={token}
        invitedEmail={invitation.email}
        signedInEmail={session.user.email ?? ""}
        emailMatches={invitation.emailMatches}
        alreadyMemberOf={invitation.alreadyMember ? invitation.workspace.id : null}
      />
    </Card>
  );
}
