"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { signOut } from "next-auth/react";
import Link from "next/link";
import { useRouter } from "next/navigation";
import {
  errorMessage,
  FormAlert,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import { useTRPC } from "~/trpc/react";

export function AcceptInvitation({
  token,
  invitedEmail,
  signedInEmail,
  emailMatches,
  alreadyMemberOf,
}: {
  token: string;
  invitedEmail: string;
  signedInEmail: string;
  emailMatches: boolean;
  alreadyMemberOf: string | null;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const accept = useMutation(
    trpc.workspace.acceptInvitation.mutationOptions({
      onSuccess: async ({ workspaceId }) => {
        await queryClient.invalidateQueries({ queryKey: trpc.workspace.list.queryKey() });
        router.push(`/w/${workspaceId}`);
        router.refresh();
      },
    }),
  );

  if (!emailMatches) {
    const back = `/invite/${token}`;
    return (
      <div className="space-y-4">
        <FormAlert>
          You are signed in as {signedInEmail}, but this invitation is for {invitedEmail}. Sign in
          with that email to accept it.
        </FormAlert>
        <button
          type="button"
          className={secondaryButtonClass}
          onClick={() =>
            void signOut({ callbackUrl: `/signin?callbackUrl=${encodeURIComponent(back)}` })
          }
        >
          Sign out and switch account
        </button>
      </div>
    );
  }

  return (
    <div className="space-y-4">
      {accept.error ? <FormAlert>{errorMessage(accept.error)}</FormAlert> : null}
      {alreadyMemberOf ? <p>You are already a member; accepting keeps your current role.</p> : null}
      <div className="flex flex-wrap gap-3">
        <button
          type="button"
          className={primaryButtonClass}
          disabled={accept.isPending || accept.isSuccess}
          onClick={() => accept.mutate({ token })}
        >
          {accept.isPending || accept.isSuccess ? "Joining…" : "Accept invitation"}
        </button>
        <Link href="/dashboard" className={secondaryButtonClass}>
          Not now
        </Link>
      </div>
    </div>
  );
}
