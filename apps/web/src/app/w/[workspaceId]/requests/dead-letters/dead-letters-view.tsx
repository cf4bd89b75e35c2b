"use client";

import { useMutation, useQueryClient, useSuspenseQuery } from "@tanstack/react-query";
import { useState } from "react";
import {
  EmptyState,
  FormAlert,
  errorMessage,
  secondaryButtonClass,
} from "~/components/form-controls";
import { useTRPC } from "~/trpc/react";

const when = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeStyle: "medium" });

export function DeadLettersView({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { data: letters } = useSuspenseQuery(trpc.usage.deadLetters.queryOptions({ workspaceId }));
  const [message, setMessage] = useState<string | null>(null);
  const retry = useMutation(
    trpc.usage.retryDeadLetter.mutationOptions({
      onSuccess: (result) => {
        setMessage(`Batch ${result.jobId} is queued again.`);
        void queryClient.invalidateQueries(trpc.usage.deadLetters.queryFilter({ workspaceId }));
      },
    }),
  );

  return (
    <div className="space-y-3">
      {message ? (
        <p
          role="status"
          className="rounded-md border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800"
        >
          {message}
        </p>
      ) : null}
      {retry.error ? <FormAlert>{errorMessage(retry.error)}</FormAlert> : null}
      {letters.length === 0 ? (
        <EmptyState title="No failed batches">
          Every usage event of this workspace reached the database.
        </EmptyState>
      ) : (
        <ul
          className="divide-y divide-slate-200 rounded-lg border border-slate-200 bg-white"
          data-testid="dead-letters"
        >
          {letters.map((letter) => (
            <li key={letter.jobId} className="flex flex-wrap items-start justify-between gap-3 p-4">
              <div className="min-w-0 space-y-1 text-sm">
                <p className="font-medium text-slate-900">
                  Batch {letter.jobId} · {letter.eventCount} events · {letter.attemptsMade} attempts
                </p>
                <p className="break-words text-red-700">
                  {letter.failedReason || "no reason recorded"}
                </p>
                <p className="text-xs text-slate-500">
                  queued {when.format(letter.enqueuedAt)}
                  {letter.failedAt ? ` · failed ${when.format(letter.failedAt)}` : ""}
                </p>
              </div>
              <button
                type="button"
                className={secondaryButtonClass}
                disabled={retry.isPending}
                onClick={() => retry.mutate({ workspaceId, jobId: letter.jobId })}
              >
                Retry
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
