import { DEFAULT_ROUTE_POLICY, RoutePolicySchema, type RoutePolicy } from "@gatehouse/shared";

/**
 * A route's stored policy (ModelRoute.policy, JSON) as the proxy gets it: parsed with the
 * defaults, and the dedicated fallback lists kept only where they name another route this
 * snapshot serves. The dashboard refuses anything else on save; what can still go stale
 * afterwards (a route deleted, or left without a served deployment) is dropped here rather
 * than sent to every proxy as a dead end.
 *
 * A stored value the schema refuses (edited by hand, or written by a newer version) compiles
 * to the defaults: one bad route must not keep the whole workspace from being published.
 */
export function compileRoutePolicy(
  stored: unknown,
  alias: string,
  servedAliases: ReadonlySet<string>,
): RoutePolicy {
  const parsed = RoutePolicySchema.safeParse(stored ?? {});
  if (!parsed.success) return DEFAULT_ROUTE_POLICY;
  const usable = (list: readonly string[]) =>
    [...new Set(list)].filter((other) => other !== alias && servedAliases.has(other));
  return {
    ...parsed.data,
    contextWindowFallbacks: usable(parsed.data.contextWindowFallbacks),
    contentPolicyFallbacks: usable(parsed.data.contentPolicyFallbacks),
  };
}
