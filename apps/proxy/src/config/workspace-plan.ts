import type {
  DeploymentSnapshot,
  KeySnapshot,
  PriceOverride,
  RouteSnapshot,
  WorkspaceSnapshot,
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
  /** the lowest-priority group, load balanced by weight */
  readonly primary: readonly DeploymentPlan[];
  readonly primaryWeights: readonly number[];
  readonly primaryTotalWeight: number;
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
  for (const route of snapshot.routes) {
    const ordered = [...route.deployments]
      .sort((a, b) => a.priority - b.priority)
      .map((deployment): DeploymentPlan => {
        const credential = credentials.get(deployment.credentialId);
        return {
          deployment,
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
    const top = ordered[0]!.deployment.priority;
    const primary = ordered.filter((d) => d.deployment.priority === top);
    const primaryWeights: number[] = [];
    let total = 0;
    for (const d of primary) {
      total += d.deployment.weight;
      primaryWeights.push(total);
    }
    routes.set(route.alias, { route, ordered, primary, primaryWeights, primaryTotalWeight: total });
  }
  return { snapshot, routes, priceOverrides: snapshot.priceOverrides };
}

/** Lowest priority first; among equal priority, weighted random. */
export function pickDeployment(plan: RoutePlan, random: number = Math.random()): DeploymentPlan {
  const primary = plan.primary;
  if (primary.length === 1) return primary[0]!;
  const point = random * plan.primaryTotalWeight;
  const weights = plan.primaryWeights;
  for (let i = 0; i < weights.length; i++) {
    if (point < weights[i]!) return primary[i]!;
  }
  return primary[primary.length - 1]!;
}
