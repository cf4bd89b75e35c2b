import type { LoadBalancingStrategy } from "@gatehouse/shared";
import type { DeploymentHealth, DeploymentState } from "./health";

/**
 * The candidate deployments of one request, in the order the attempt loop tries them:
 *   1. the route's lowest-priority group, ordered by the route's strategy;
 *   2. each higher-priority group in turn (same strategy);
 *   3. the routes named in `x-gatehouse-fallbacks`, each in its own order;
 * with deployments that are cooling down moved to the end (still tried when nothing else is
 * left). `off` keeps only step 1. Leaf module: structural inputs, no pipeline types.
 */

export interface CandidateDeployment {
  /** compiled once per snapshot (config/workspace-plan.ts healthKey) */
  readonly healthKey: string;
  readonly workspaceId: string;
  readonly deployment: { readonly id: string; readonly weight: number };
}

export interface CandidateRoute<D extends CandidateDeployment> {
  /** deployments by priority, lowest first; never empty */
  readonly groups: readonly (readonly D[])[];
  /** every deployment, lowest priority first (the groups concatenated) */
  readonly ordered: readonly D[];
  readonly strategy: LoadBalancingStrategy;
}

/** The per-request control of fallbacks (`x-gatehouse-fallbacks`). */
export type FallbackControl<D extends CandidateDeployment> =
  | { readonly kind: "route" }
  | { readonly kind: "off" }
  | { readonly kind: "list"; readonly routes: readonly CandidateRoute<D>[] };

export const ROUTE_ORDER: FallbackControl<never> = Object.freeze({ kind: "route" });

export interface OrderInput {
  readonly health: DeploymentHealth;
  /** the request streams (the lowest-latency strategy keeps streams and JSON apart) */
  readonly stream: boolean;
  /** 0 ≤ random() < 1 (injected so the orders are testable) */
  readonly random: () => number;
  readonly now: number;
}

/** How often the lowest-latency strategy ignores latency, so slower deployments get measured again. */
export const LATENCY_EXPLORATION = 0.05;

export function orderCandidates<D extends CandidateDeployment>(
  route: CandidateRoute<D>,
  control: FallbackControl<D>,
  input: OrderInput,
): readonly D[] {
  const groups = control.kind === "off" ? route.groups.slice(0, 1) : route.groups;
  if (control.kind !== "list" && groups.length === 1 && groups[0]!.length === 1) {
    // the common case: one deployment, nothing to order
    touch(groups[0]![0]!, input);
    return groups[0]!;
  }
  const out: D[] = [];
  for (const group of groups) appendGroup(out, group, route.strategy, input, null);
  if (control.kind === "list") {
    const seen = new Set<string>();
    for (const d of out) seen.add(d.healthKey);
    for (const other of control.routes)
      for (const group of other.groups) appendGroup(out, group, other.strategy, input, seen);
  }
  return coolingLast(out, input);
}

/** The deployments of several routes in turn (the dedicated fallbacks), each in its own order. */
export function orderRoutes<D extends CandidateDeployment>(
  routes: readonly CandidateRoute<D>[],
  input: OrderInput,
): readonly D[] {
  const out: D[] = [];
  const seen = new Set<string>();
  for (const route of routes)
    for (const group of route.groups) appendGroup(out, group, route.strategy, input, seen);
  return coolingLast(out, input);
}

function stateOf(d: CandidateDeployment, input: OrderInput): DeploymentState {
  return input.health.state(d.healthKey, d.workspaceId, d.deployment.id);
}

function touch(d: CandidateDeployment, input: OrderInput): void {
  stateOf(d, input).lastUsed = input.now;
}

function appendGroup<D extends CandidateDeployment>(
  out: D[],
  group: readonly D[],
  strategy: LoadBalancingStrategy,
  input: OrderInput,
  seen: Set<string> | null,
): void {
  let members: readonly D[] = group;
  if (seen !== null) {
    members = group.filter((d) => !seen.has(d.healthKey));
    for (const d of members) seen.add(d.healthKey);
  }
  if (members.length === 0) return;
  if (members.length === 1) {
    touch(members[0]!, input);
    out.push(members[0]!);
    return;
  }
  const order = weightedShuffle(members, input.random);
  const states = order.map((d) => {
    const state = stateOf(d, input);
    state.lastUsed = input.now;
    return state;
  });
  if (strategy === "least_inflight") {
    stableSortBy(order, states, (s) => s.inFlight);
  } else if (strategy === "lowest_latency" && input.random() >= LATENCY_EXPLORATION) {
    // unmeasured deployments first (-1), so each gets measured
    stableSortBy(order, states, (s) => (input.stream ? s.ttftStreamMs : s.ttftJsonMs));
  }
  for (const d of order) out.push(d);
}

/** A random order where each next pick is weighted by `weight` among those left. */
export function weightedShuffle<D extends CandidateDeployment>(
  members: readonly D[],
  random: () => number,
): D[] {
  const pool = members.slice();
  const out: D[] = [];
  let total = 0;
  for (const d of pool) total += d.deployment.weight;
  while (pool.length > 1) {
    let point = random() * total;
    let i = 0;
    for (; i < pool.length - 1; i++) {
      point -= pool[i]!.deployment.weight;
      if (point < 0) break;
    }
    const [picked] = pool.splice(i, 1);
    total -= picked!.deployment.weight;
    out.push(picked!);
  }
  out.push(pool[0]!);
  return out;
}

/** Sorts `order` (and `states` with it) by `key`, ascending; equal keys keep their order. */
function stableSortBy<D>(
  order: D[],
  states: DeploymentState[],
  key: (state: DeploymentState) => number,
): void {
  const index = order.map((_, i) => i);
  index.sort((a, b) => key(states[a]!) - key(states[b]!) || a - b);
  const sorted = index.map((i) => order[i]!);
  for (let i = 0; i < sorted.length; i++) order[i] = sorted[i]!;
}

function coolingLast<D extends CandidateDeployment>(out: D[], input: OrderInput): D[] {
  let cooling: D[] | null = null;
  let healthy: D[] | null = null;
  for (let i = 0; i < out.length; i++) {
    const d = out[i]!;
    if (input.health.cooling(stateOf(d, input), input.now)) {
      if (cooling === null) {
        cooling = [];
        healthy = out.slice(0, i);
      }
      cooling.push(d);
    } else if (healthy !== null) {
      healthy.push(d);
    }
  }
  return cooling === null ? out : healthy!.concat(cooling);
}
