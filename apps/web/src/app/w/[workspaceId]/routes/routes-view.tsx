"use client";

import { useQuery, useSuspenseQuery } from "@tanstack/react-query";
import Link from "next/link";
import { EmptyState } from "~/components/form-controls";
import { useTRPC } from "~/trpc/react";
import { AddRouteForm } from "./add-route-form";
import { RouteCard } from "./route-card";

export function RoutesView({
  workspaceId,
  canManage,
}: {
  workspaceId: string;
  canManage: boolean;
}) {
  const trpc = useTRPC();
  const { data: routes } = useSuspenseQuery(trpc.route.list.queryOptions({ workspaceId }));
  const { data: credentials } = useSuspenseQuery(
    trpc.credential.list.queryOptions({ workspaceId }),
  );
  // live: the proxies' shared cooldowns and the last hour's attempts, refreshed while open
  const { data: health, isError: healthFailed } = useQuery({
    ...trpc.route.health.queryOptions({ workspaceId }),
    refetchInterval: 15_000,
  });
  const aliases = routes.map((route) => route.alias);

  return (
    <div className="space-y-8">
      <section aria-labelledby="route-list-heading" className="space-y-3">
        <h2 id="route-list-heading" className="text-lg font-semibold text-slate-900">
          Routes
        </h2>
        {routes.length === 0 ? (
          <EmptyState title="No routes yet">
            {credentials.length === 0 ? (
              <>
                Routes need a provider credential.{" "}
                <Link
                  href={`/w/${workspaceId}/credentials`}
                  className="font-medium text-indigo-700 underline"
                >
                  Add a credential
                </Link>{" "}
                first: Gatehouse creates routes for its common models.
              </>
            ) : canManage ? (
              "Add a route below: the model name clients send and the credential and model that serve it."
            ) : (
              "An admin of this workspace sets up the routes."
            )}
          </EmptyState>
        ) : (
          <ul className="space-y-4">
            {routes.map((route) => (
              <RouteCard
                key={route.id}
                workspaceId={workspaceId}
                route={route}
                credentials={credentials}
                canManage={canManage}
                aliases={aliases}
                health={health?.deployments}
                healthFailed={healthFailed}
              />
            ))}
          </ul>
        )}
        {health?.sampled ? (
          <p className="text-xs text-slate-500">
            Error rates and latencies from the latest {health.requests.toLocaleString("en")}{" "}
            requests of the last hour.
          </p>
        ) : null}
      </section>
      {canManage && credentials.length > 0 ? (
        <AddRouteForm workspaceId={workspaceId} credentials={credentials} />
      ) : null}
    </div>
  );
}
