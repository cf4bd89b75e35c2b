import {
  dehydrate,
  HydrationBoundary,
  type QueryKey,
  type FetchQueryOptions,
} from "@tanstack/react-query";
import { createTRPCOptionsProxy } from "@trpc/tanstack-react-query";
import { cache, type ReactNode } from "react";
import { createTRPCContext } from "~/server/context";
import { appRouter } from "~/server/root";
import { createQueryClient } from "./query-client";

/** One QueryClient per server request. */
export const getQueryClient = cache(createQueryClient);

/**
 * tRPC for server components: `prefetch(trpc.workspace.list.queryOptions())` starts the call
 * in-process (no HTTP), and <HydrateClient> hands the result to client components using
 * the same query.
 */
export const trpc = createTRPCOptionsProxy({
  router: appRouter,
  ctx: cache(createTRPCContext),
  queryClient: getQueryClient,
});

/** Starts a query for the page's client components; its result (or error) streams to them. */
export function prefetch<TData, TError, TKey extends QueryKey>(
  queryOptions: FetchQueryOptions<TData, TError, TData, TKey>,
): void {
  void getQueryClient().prefetchQuery(queryOptions);
}

export function HydrateClient({ children }: { children: ReactNode }) {
  return <HydrationBoundary state={dehydrate(getQueryClient())}>{children}</HydrationBoundary>;
}
