import {
  findModelPrice,
  type CooldownPolicy,
  type DeploymentSnapshot,
  type KeySnapshot,
  type PriceOverride,
  type RoutePolicy,
  type RouteSnapshot,
  type TokenPrice,
  type WorkspaceSnapshot,
} from "@gatehouse/shared";
import type { UpstreamTarget } from "../upstream/request";
import type { ResolvedCredential } from "@gatehouse/shared/providers";

/**
 * Config snapshots compiled once per version into the shapes the hot path wants: sets and maps
 * instead of arrays, timestamps as numbers, deployments pre-sorted, credentials decrypted.
 */

export interface KeyEntry {
  readonly keyHash: string;
  readonly snapshot: KeySnapshot;
  readonly expiresAtMs: number | null;
  readonly graceUntilMs: number | null;
  /** null = every route of the workspace */
  readonly allowedModels: ReadonlySet<string> | null;
}

export function compileKey(keyHash: string, snapshot: KeySnapshot): KeyEntry {
  return {
    keyHash,
    snapshot,
    expiresAtMs: snapshot.expiresAt === null ? null : Date.parse(snapshot.expiresAt),
    graceUntilMs: snapshot.graceUntil === null ? null : Date.parse(snapshot.graceUntil),
    allowedModels: snapshot.allowedModels.length === 0 ? null : new Set(snapshot.allowedModels),
  };
}

export interface DeploymentPlan {
  readonly deployment: DeploymentSnapshot;
  readonly workspaceId: string;
  /** the deployment's health state key (routing/health.ts), built once */
  readonly healthKey: string;
  /** its upstream model's price (workspace overrides first, else the route alias'); null = unpriced */
  readonly price: TokenPrice | null;
  /** when it cools down (its route's policy: a deployment belongs to one route) */
  readonly cooldown: CooldownPolicy;
  /** null when the credential is missing from the snapshot or could not be decrypted */
  readonly credential: ResolvedCredential | null;
  /** why `credential` is null; never contains secret material */
  readonly credentialProblem: string | null;
  /** per-endpoint upstream targets, filled lazily by the upstream stage */
  readonly targets: Map<string, UpstreamTarget>;
}

export interface RoutePlan {
  readonly route: RouteSnapshot;
  /** every deployment, lowest priority first (retries/fallbacks walk this) */
  readonly ordered: readonly DeploymentPlan[];
  /** the deployments by priority, lowest first: [0] is load balanced, the rest are fallbacks */
  readonly groups: readonly (readonly DeploymentPlan[])[];
  /** the lowest-priority group (groups[0]) */
  readonly primary: readonly DeploymentPlan[];
  readonly policy: RoutePolicy;
  readonly strategy: RoutePolicy["strategy"];
  /** policy.retry.retryOn as a set, without the statuses that are never retried */
  readonly retryStatuses: ReadonlySet<number>;
  /** the routes of policy.contextWindowFallbacks / contentPolicyFallbacks (unknown aliases and
   * the route itself left out) */
  readonly contextWindowFallbacks: readonly RoutePlan[];
  readonly contentPolicyFallbacks: readonly RoutePlan[];
}

/** Statuses that would fail the same way anywhere: never retried whatever a policy says. */
const NEVER_RETRIED: ReadonlySet<number> = new Set([400, 401, 403, 404, 413, 422]);

/** The key of a deployment's health state (deployment ids are unique only per workspace). */
export function healthKey(workspaceId: string, deploymentId: string): string {
  return `${workspaceId}/${deploymentId}`;
}

export interface WorkspaceEntry {
  readonly snapshot: WorkspaceSnapshot;
  readonly routes: ReadonlyMap<string, RoutePlan>;
  readonly priceOverrides: readonly PriceOverride[];
}

/** Decrypts a credential envelope (bound to its credential and workspace ids). */
export type Decrypt = (envelope: string, credentialId: string, workspaceId: string) => string;

export function compileWorkspace(
  snapshot: WorkspaceSnapshot,
  decrypt: Decrypt,
  onCredentialError: (credentialId: string, error: unknown) => void,
): WorkspaceEntry {
  const credentials = new Map<string, ResolvedCredential | string>();
  for (const c of snapshot.credentials) {
    try {
      credentials.set(c.id, {
        id: c.id,
        provider: c.provider,
        baseUrl: c.baseUrl.replace(/\/+$/, ""),
        apiKey: decrypt(c.encryptedSecret, c.id, snapshot.workspaceId),
        options: c.options,
      });
    } catch (error) {
      onCredentialError(c.id, error);
      credentials.set(
        c.id,
        "the provider credential could not be decrypted with this proxy's encryption keys",
      );
    }
  }
  const routes = new Map<string, RoutePlan>();
  const workspaceId = snapshot.workspaceId;
  const overrides = snapshot.priceOverrides;
  // the dedicated fallback lists name other routes: filled once every route is compiled
  const pending: { plan: Mutable<RoutePlan>; policy: RoutePolicy }[] = [];
  for (const route of snapshot.routes) {
    const ordered = [...route.deployments]
      .sort((a, b) => a.priority - b.priority)
      .map((deployment): DeploymentPlan => {
        const credential = credentials.get(deployment.credentialId);
        return {
          deployment,
          workspaceId,
          healthKey: healthKey(workspaceId, deployment.id),
          cooldown: route.policy.cooldown,
          price:
            findModelPrice(deployment.upstreamModel, overrides) ??
            findModelPrice(route.alias, overrides),
          credential: typeof credential === "object" ? credential : null,
          credentialProblem:
            credential === undefined
              ? "the deployment's provider credential is missing"
              : typeof credential === "string"
                ? credential
                : null,
          targets: new Map(),
        };
      });
    const groups: DeploymentPlan[][] = [];
    for (const d of ordered) {
      const last = groups[groups.length - 1];
      if (last !== undefined && last[0]!.deployment.priority === d.deployment.priority)
        last.push(d);
      else groups.push([d]);
    }
    const policy = route.policy;
    const plan: Mutable<RoutePlan> = {
      route,
      ordered,
      groups,
      primary: groups[0]!,
      policy,
      strategy: policy.strategy,
      retryStatuses: new Set(policy.retry.retryOn.filter((s) => !NEVER_RETRIED.has(s))),
      contextWindowFallbacks: [],
      contentPolicyFallbacks: [],
    };
    routes.set(route.alias, plan);
    if (policy.contextWindowFallbacks.length > 0 || policy.contentPolicyFallbacks.length > 0)
      pending.push({ plan, policy });
  }
  for (const { plan, policy } of pending) {
    const resolve = (aliases: readonly string[]) =>
      aliases
        .filter((alias) => alias !== plan.route.alias)
        .map((alias) => routes.get(alias))
        .filter((r): r is RoutePlan => r !== undefined);
    plan.contextWindowFallbacks = resolve(policy.contextWindowFallbacks);
    plan.contentPolicyFallbacks = resolve(policy.contentPolicyFallbacks);
  }
  return { snapshot, routes, priceOverrides: snapshot.priceOverrides };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };
