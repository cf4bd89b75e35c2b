"use client";

import { useMutation, useQuery, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState, type FormEvent } from "react";
import { ROLE_RANK, RoleSchema, roleAtLeast, type Role } from "@gatehouse/shared";
import { ConfirmDialog } from "~/components/confirm-dialog";
import { CopyButton } from "~/components/copy-button";
import {
  dangerButtonClass,
  describedBy,
  EmptyState,
  errorMessage,
  Field,
  fieldErrors,
  FormAlert,
  inputClass,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import { InviteSchema } from "~/lib/workspace-schemas";
import { useTRPC } from "~/trpc/react";

const ROLES = RoleSchema.options;

const ROLE_HELP: Record<Role, string> = {
  owner: "everything, including granting the owner role",
  admin: "members, credentials, routes and settings",
  member: "virtual keys and prompts",
  viewer: "read-only",
};

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

/** Roles the caller may hand out: up to their own. */
function grantable(callerRole: Role): Role[] {
  return ROLES.filter((role) => ROLE_RANK[role] <= ROLE_RANK[callerRole]);
}

export function MembersView({ workspaceId, role }: { workspaceId: string; role: Role }) {
  const canManage = roleAtLeast(role, "admin");
  return (
    <div className="space-y-10">
      <MembersTable workspaceId={workspaceId} callerRole={role} canManage={canManage} />
      {canManage ? (
        <>
          <InviteForm workspaceId={workspaceId} callerRole={role} />
          <PendingInvitations workspaceId={workspaceId} callerRole={role} />
        </>
      ) : (
        <p className="text-sm text-slate-600">
          Only owners and admins can invite or remove members. Ask one of them if someone needs
          access.
        </p>
      )}
    </div>
  );
}

function MembersTable({
  workspaceId,
  callerRole,
  canManage,
}: {
  workspaceId: string;
  callerRole: Role;
  canManage: boolean;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const { data: members } = useSuspenseQuery(trpc.workspace.members.queryOptions({ workspaceId }));
  const [error, setError] = useState<string | null>(null);
  const [removing, setRemoving] = useState<{ userId: string; label: string } | null>(null);
  const [leaving, setLeaving] = useState(false);
  const refresh = () =>
    queryClient.invalidateQueries({ queryKey: trpc.workspace.members.queryKey({ workspaceId }) });

  const changeRole = useMutation(
    trpc.workspace.changeRole.mutationOptions({
      onSuccess: () => {
        setError(null);
        return refresh();
      },
      onError: (e) => setError(errorMessage(e)),
    }),
  );
  const remove = useMutation(
    trpc.workspace.removeMember.mutationOptions({
      onSuccess: async () => {
        setRemoving(null);
        await refresh();
      },
    }),
  );
  const leave = useMutation(
    trpc.workspace.leave.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.workspace.list.queryKey() });
        router.push("/dashboard");
        router.refresh();
      },
    }),
  );

  const ownerCount = members.filter((m) => m.role === "owner").length;

  return (
    <section aria-labelledby="members-heading" className="space-y-3">
      <div className="flex flex-wrap items-center justify-between gap-3">
        <h2 id="members-heading" className="text-lg font-semibold text-slate-900">
          {members.length} {members.length === 1 ? "member" : "members"}
        </h2>
        {callerRole === "owner" && ownerCount <= 1 ? (
          <p className="text-xs text-slate-500">
            You are the only owner: make someone else an owner before you can leave.
          </p>
        ) : (
          <button type="button" className={dangerButtonClass} onClick={() => setLeaving(true)}>
            Leave workspace
          </button>
        )}
      </div>
      {error ? <FormAlert>{error}</FormAlert> : null}
      <ul
        className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white"
        data-testid="members-list"
      >
        {members.map((member) => {
          // Only owners touch owners; the last owner keeps the role.
          const editable =
            canManage &&
            (callerRole === "owner" || member.role !== "owner") &&
            !(member.role === "owner" && ownerCount <= 1);
          const label = member.name ?? member.email;
          return (
            <li
              key={member.userId}
              className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 p-4"
              data-testid="member-row"
            >
              <div className="min-w-0">
                <p className="truncate font-medium text-slate-900">
                  {label}
                  {member.isYou ? <span className="ml-2 text-xs text-slate-500">(you)</span> : null}
                </p>
                <p className="truncate text-sm text-slate-500">
                  {member.name ? `${member.email} · ` : ""}joined{" "}
                  {dateFormat.format(member.joinedAt)}
                </p>
              </div>
              <div className="flex flex-wrap items-center gap-2">
                {editable ? (
                  <>
                    <label className="sr-only" htmlFor={`role-${member.userId}`}>
                      Role of {label}
                    </label>
                    <select
                      id={`role-${member.userId}`}
                      value={member.role}
                      disabled={changeRole.isPending}
                      onChange={(event) =>
                        changeRole.mutate({
                          workspaceId,
                          userId: member.userId,
                          role: RoleSchema.parse(event.target.value),
                        })
                      }
                      className="rounded-md border border-slate-300 bg-white py-1.5 pl-2 pr-7 text-sm capitalize text-slate-800"
                    >
                      {grantable(callerRole).map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                    {member.isYou ? null : (
                      <button
                        type="button"
                        className={secondaryButtonClass}
                        aria-label={`Remove ${label}`}
                        onClick={() => setRemoving({ userId: member.userId, label })}
                      >
                        Remove
                      </button>
                    )}
                  </>
                ) : (
                  <span className="rounded-full bg-slate-100 px-2.5 py-0.5 text-xs font-medium capitalize text-slate-700">
                    {member.role}
                  </span>
                )}
              </div>
            </li>
          );
        })}
      </ul>

      {removing ? (
        <ConfirmDialog
          title={`Remove ${removing.label}?`}
          confirmLabel="Remove member"
          pending={remove.isPending}
          error={remove.error ? errorMessage(remove.error) : null}
          onCancel={() => {
            remove.reset();
            setRemoving(null);
          }}
          onConfirm={() => remove.mutate({ workspaceId, userId: removing.userId })}
        >
          They lose access to this workspace at once. Keys they created keep working until you
          revoke them.
        </ConfirmDialog>
      ) : null}
      {leaving ? (
        <ConfirmDialog
          title="Leave this workspace?"
          confirmLabel="Leave"
          pending={leave.isPending}
          error={leave.error ? errorMessage(leave.error) : null}
          onCancel={() => {
            leave.reset();
            setLeaving(false);
          }}
          onConfirm={() => leave.mutate({ workspaceId })}
        >
          You lose access until someone invites you again.
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function InviteForm({ workspaceId, callerRole }: { workspaceId: string; callerRole: Role }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invite = useMutation(trpc.workspace.invite.mutationOptions());
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [link, setLink] = useState<{ url: string; email: string } | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const parsed = InviteSchema.safeParse({
      email: String(form.get("email") ?? ""),
      role: String(form.get("role") ?? ""),
    });
    if (!parsed.success) {
      setErrors(fieldErrors(parsed.error.issues));
      return;
    }
    setErrors({});
    setLink(null);
    try {
      const result = await invite.mutateAsync({ workspaceId, ...parsed.data });
      setLink({
        url: `${window.location.origin}${result.invitePath}`,
        email: result.invitation.email,
      });
      formElement.reset();
      await queryClient.invalidateQueries({
        queryKey: trpc.workspace.invitations.queryKey({ workspaceId }),
      });
    } catch (error) {
      setErrors({ form: errorMessage(error) });
    }
  }

  return (
    <section aria-labelledby="invite-heading" className="space-y-3">
      <h2 id="invite-heading" className="text-lg font-semibold text-slate-900">
        Invite someone
      </h2>
      <p className="text-sm text-slate-600">
        Gatehouse makes an invite link for the email address; send it to them yourself. It works
        once, for that email only, for 7 days.
      </p>
      <ul className="grid gap-x-6 gap-y-1 text-xs text-slate-500 sm:grid-cols-2">
        {grantable(callerRole).map((r) => (
          <li key={r}>
            <span className="font-medium capitalize text-slate-700">{r}</span>: {ROLE_HELP[r]}
          </li>
        ))}
      </ul>
      <form
        onSubmit={onSubmit}
        noValidate
        className="space-y-3 rounded-lg border border-slate-200 bg-white p-4"
      >
        {errors.form ? <FormAlert>{errors.form}</FormAlert> : null}
        <div className="grid gap-3 sm:grid-cols-[1fr_12rem_auto] sm:items-start">
          <Field id="invite-email" label="Email" error={errors.email}>
            <input
              name="email"
              type="email"
              autoComplete="off"
              required
              placeholder="teammate@example.com"
              className={inputClass}
              {...describedBy("invite-email", false, errors.email)}
            />
          </Field>
          <Field id="invite-role" label="Role" error={errors.role}>
            <select
              name="role"
              defaultValue="member"
              className={`${inputClass} capitalize`}
              {...describedBy("invite-role", false, errors.role)}
            >
              {grantable(callerRole).map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </Field>
          <button
            type="submit"
            disabled={invite.isPending}
            className={`${primaryButtonClass} sm:mt-6`}
          >
            {invite.isPending ? "Creating link…" : "Create invite link"}
          </button>
        </div>
      </form>
      {link ? (
        <div
          className="space-y-2 rounded-lg border border-emerald-200 bg-emerald-50 p-4"
          data-testid="invite-link"
        >
          <p className="text-sm font-medium text-emerald-900">
            Invite link for {link.email} — copy it now: it is not shown again.
          </p>
          <div className="flex flex-col gap-2 sm:flex-row sm:items-center">
            <label htmlFor="invite-link-url" className="sr-only">
              Invite link
            </label>
            <input
              id="invite-link-url"
              readOnly
              value={link.url}
              onFocus={(event) => event.currentTarget.select()}
              className={`${inputClass} font-mono text-xs`}
            />
            <CopyButton value={link.url} />
          </div>
        </div>
      ) : null}
    </section>
  );
}

function PendingInvitations({
  workspaceId,
  callerRole,
}: {
  workspaceId: string;
  callerRole: Role;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const {
    data: invitations,
    isPending,
    isError,
  } = useQuery(trpc.workspace.invitations.queryOptions({ workspaceId }));
  const revoke = useMutation(
    trpc.workspace.revokeInvitation.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({
          queryKey: trpc.workspace.invitations.queryKey({ workspaceId }),
        }),
    }),
  );

  return (
    <section aria-labelledby="invitations-heading" className="space-y-3">
      <h2 id="invitations-heading" className="text-lg font-semibold text-slate-900">
        Pending invitations
      </h2>
      {revoke.error ? <FormAlert>{errorMessage(revoke.error)}</FormAlert> : null}
      {isPending ? (
        <p role="status" className="text-sm text-slate-500">
          Loading invitations…
        </p>
      ) : isError ? (
        <FormAlert>The invitations could not be loaded. Reload the page to try again.</FormAlert>
      ) : invitations.length === 0 ? (
        <EmptyState title="No pending invitations">
          Invite a teammate above; their invitation waits here until they accept it.
        </EmptyState>
      ) : (
        <ul className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white">
          {invitations.map((invitation) => (
            <li
              key={invitation.id}
              className="flex flex-wrap items-center justify-between gap-x-4 gap-y-2 p-4"
              data-testid="invitation-row"
            >
              <div className="min-w-0">
                <p className="truncate font-medium text-slate-900">{invitation.email}</p>
                <p className="truncate text-sm text-slate-500">
                  <span className="capitalize">{invitation.role}</span> · invited by{" "}
                  {invitation.invitedBy.name ?? invitation.invitedBy.email} · expires{" "}
                  {dateFormat.format(invitation.expiresAt)}
                </p>
              </div>
              {ROLE_RANK[RoleSchema.parse(invitation.role)] <= ROLE_RANK[callerRole] ? (
                <button
                  type="button"
                  className={secondaryButtonClass}
                  disabled={revoke.isPending}
                  aria-label={`Revoke the invitation for ${invitation.email}`}
                  onClick={() => revoke.mutate({ workspaceId, invitationId: invitation.id })}
                >
                  Revoke
                </button>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
