import { describe, expect, it } from "vitest";
import { DeploymentHealth } from "./health";
import {
  LATENCY_EXPLORATION,
  orderCandidates,
  orderRoutes,
  ROUTE_ORDER,
  weightedShuffle,
  type CandidateDeployment,
  type CandidateRoute,
  type OrderInput,
} from "./order";

const COOLDOWN = { failures: 2, windowMs: 10_000, cooldownMs: 30_000 };

const dep = (id: string, weight = 1): CandidateDeployment => ({
  healthKey: `ws/${id}`,
  workspaceId: "ws",
  deployment: { id, weight },
});

function route(
  groups: CandidateDeployment[][],
  strategy: CandidateRoute<CandidateDeployment>["strategy"] = "weighted",
): CandidateRoute<CandidateDeployment> {
  return { groups, ordered: groups.flat(), strategy };
}

/** a random() that returns these values in turn, then 0 */
const sequence = (...values: number[]) => {
  let i = 0;
  return () => values[i++] ?? 0;
};

function input(health: DeploymentHealth, over: Partial<OrderInput> = {}): OrderInput {
  return { health, stream: true, random: () => 0.5, now: 1_000_000, ...over };
}

const ids = (list: readonly CandidateDeployment[]) => list.map((d) => d.deployment.id);
const stateOf = (health: DeploymentHealth, d: CandidateDeployment) =>
  health.state(d.healthKey, d.workspaceId, d.deployment.id);

describe("orderCandidates", () => {
  it("one deployment: the compiled group itself, nothing allocated", () => {
    const only = [dep("a")];
    const r = route([only]);
    expect(orderCandidates(r, ROUTE_ORDER, input(new DeploymentHealth()))).toBe(only);
  });

  it("weighted: the lowest-priority group by weighted random, then each higher group in order", () => {
    const a = dep("a", 1);
    const b = dep("b", 3);
    const r = route([[a, b], [dep("backup")], [dep("last")]]);
    const health = new DeploymentHealth();
    // 0.1 × 4 = 0.4 < 1 → a first; 0.9 × 4 = 3.6 → b first
    expect(ids(orderCandidates(r, ROUTE_ORDER, input(health, { random: sequence(0.1) })))).toEqual([
      "a",
      "b",
      "backup",
      "last",
    ]);
    expect(ids(orderCandidates(r, ROUTE_ORDER, input(health, { random: sequence(0.9) })))).toEqual([
      "b",
      "a",
      "backup",
      "last",
    ]);
  });

  it("weighted random picks in proportion to the weights", () => {
    const a = dep("a", 1);
    const b = dep("b", 3);
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646;
    let bFirst = 0;
    for (let i = 0; i < 4_000; i++) if (weightedShuffle([a, b], random)[0] === b) bFirst++;
    expect(bFirst / 4_000).toBeGreaterThan(0.7);
    expect(bFirst / 4_000).toBeLessThan(0.8);
  });

  it("least in-flight: the deployment with the fewest attempts in flight first", () => {
    const a = dep("a");
    const b = dep("b");
    const c = dep("c");
    const r = route([[a, b, c]], "least_inflight");
    const health = new DeploymentHealth();
    stateOf(health, a).inFlight = 5;
    stateOf(health, b).inFlight = 1;
    stateOf(health, c).inFlight = 3;
    expect(ids(orderCandidates(r, ROUTE_ORDER, input(health)))).toEqual(["b", "c", "a"]);
  });

  it("lowest latency: unmeasured first, then by the EWMA of time to first token (streams and JSON apart)", () => {
    const a = dep("a");
    const b = dep("b");
    const c = dep("c");
    const r = route([[a, b, c]], "lowest_latency");
    const health = new DeploymentHealth();
    health.observeLatency(stateOf(health, a), true, 900);
    health.observeLatency(stateOf(health, b), true, 100);
    health.observeLatency(stateOf(health, c), false, 50);
    // c has no stream sample yet: measured first; then b (100) before a (900)
    expect(ids(orderCandidates(r, ROUTE_ORDER, input(health)))).toEqual(["c", "b", "a"]);
    // JSON: a and b unmeasured for JSON, c measured at 50
    expect(ids(orderCandidates(r, ROUTE_ORDER, input(health, { stream: false })))[2]).toBe("c");
  });

  it("lowest latency explores now and then, so a slow deployment gets measured again", () => {
    const a = dep("a");
    const b = dep("b");
    const r = route([[a, b]], "lowest_latency");
    const health = new DeploymentHealth();
    health.observeLatency(stateOf(health, a), true, 900);
    health.observeLatency(stateOf(health, b), true, 100);
    // shuffle draws 0 (a first), then the exploration draw is below the threshold: kept as is
    const explore = sequence(0, LATENCY_EXPLORATION / 2);
    expect(ids(orderCandidates(r, ROUTE_ORDER, input(health, { random: explore })))).toEqual([
      "a",
      "b",
    ]);
  });

  it("the EWMA moves a fifth of the way to each new sample", () => {
    const health = new DeploymentHealth();
    const state = stateOf(health, dep("a"));
    health.observeLatency(state, true, 100);
    health.observeLatency(state, true, 600);
    expect(state.ttftStreamMs).toBe(200);
  });

  it("cooled-down deployments go last, in their order", () => {
    const a = dep("a");
    const b = dep("b");
    const backup = dep("backup");
    const r = route([[a, b], [backup]]);
    const health = new DeploymentHealth(() => 1_000_000);
    health.failed(stateOf(health, a), COOLDOWN, false);
    health.failed(stateOf(health, a), COOLDOWN, false);
    expect(ids(orderCandidates(r, ROUTE_ORDER, input(health, { random: sequence(0) })))).toEqual([
      "b",
      "backup",
      "a",
    ]);
  });

  it("off: the lowest-priority group only", () => {
    const r = route([[dep("a")], [dep("backup")]]);
    expect(ids(orderCandidates(r, { kind: "off" }, input(new DeploymentHealth())))).toEqual(["a"]);
  });

  it("a list: the route's own deployments, then each listed route's, without repeats", () => {
    const shared = dep("shared");
    const r = route([[dep("a")], [dep("backup")]]);
    const other = route([[dep("x"), shared]]);
    const third = route([[shared], [dep("y")]]);
    const order = orderCandidates(
      r,
      { kind: "list", routes: [other, third] },
      input(new DeploymentHealth(), { random: sequence(0, 0) }),
    );
    expect(ids(order)).toEqual(["a", "backup", "x", "shared", "y"]);
  });

  it("orderRoutes: the dedicated fallbacks' deployments, route by route", () => {
    const big = route([[dep("big")], [dep("big-backup")]]);
    const bigger = route([[dep("bigger")]]);
    expect(ids(orderRoutes([big, bigger], input(new DeploymentHealth())))).toEqual([
      "big",
      "big-backup",
      "bigger",
    ]);
  });
});
