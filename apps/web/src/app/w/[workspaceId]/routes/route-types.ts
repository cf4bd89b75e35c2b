"use client";

import { useQueryClient } from "@tanstack/react-query";
import type { ProviderType, RoutePolicy } from "@gatehouse/shared";
import { useTRPC } from "~/trpc/react";

/** What the routes page's components share: the shapes route.list returns, and a refresh. */

export interface CredentialOption {
  id: string;
  name: string;
  provider: ProviderType;
}

export interface Deployment {
  id: string;
  credentialId: string;
  upstreamModel: string;
  weight: number;
  priority: number;
  enabled: boolean;
  credential: CredentialOption;
}

export interface Route {
  id: string;
  alias: string;
  description: string | null;
  policy: RoutePolicy;
  deployments: Deployment[];
}

export function useInvalidateRoutes() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  return async () => {
    await queryClient.invalidateQueries({ queryKey: trpc.route.list.queryKey() });
    await queryClient.invalidateQueries({ queryKey: trpc.credential.list.queryKey() });
  };
}
