import { describe, expect, it } from "vitest";
import { DeploymentHealth, PROBE_LEASE_MS, type SharedHealthWriter } from "./health";

const POLICY = { failures: 3, windowMs: 10_000, cooldownMs: 30_000 };

function clock(start = 1_000_000) {
  const c = { now: start, advance: (ms: number) => (c.now += ms) };
  return c;
}

describe("DeploymentHealth: cooldowns and half-open probes", () => {
  it("cools a deployment down after N failures within the window, not N spread wider", () => {
    const t = clock();
    const health = new DeploymentHealth(() => t.now);
    const state = health.state("ws/a", "ws", "a");
    health.failed(state, POLICY, false);
    t.advance(11_000); // the first one leaves the window
    health.failed(state, POLICY, false);
    health.failed(state, POLICY, false);
    expect(health.cooling(state, t.now)).toBe(false);
    expect(health.failed(state, POLICY, false).localStarted).toBe(true);
    expect(health.cooling(state, t.now)).toBe(true);
    expect(state.until).toBe(t.now + POLICY.cooldownMs);
  });

  it("after the cooldown, one probe goes through; others wait for its verdict", () => {
    const t = clock();
    const health = new DeploymentHealth(() => t.now);
    const state = health.state("ws/a", "ws", "a");
    for (let i = 0; i < 3; i++) health.failed(state, POLICY, false);
    t.advance(POLICY.cooldownMs);
    expect(health.cooling(state, t.now)).toBe(false); // probe-able
    expect(health.begin(state, t.now)).toBe(true); // this attempt is the probe
    expect(health.cooling(state, t.now)).toBe(true); // the others keep away meanwhile
    expect(health.begin(state, t.now)).toBe(false);
    health.succeeded(state, true);
    health.end(state, true);
    expect(health.cooling(state, t.now)).toBe(false);
    expect(state.until).toBe(0);
    expect(health.begin(state, t.now)).toBe(false); // healthy: no probe any more
  });

  it("a failed probe cools it down again at once", () => {
    const t = clock();
    const health = new DeploymentHealth(() => t.now);
    const state = health.state("ws/a", "ws", "a");
    for (let i = 0; i < 3; i++) health.failed(state, POLICY, false);
    t.advance(POLICY.cooldownMs + 1);
    expect(health.begin(state, t.now)).toBe(true);
    expect(health.failed(state, POLICY, true).localStarted).toBe(true);
    health.end(state, true);
    expect(health.cooling(state, t.now)).toBe(true);
    expect(state.until).toBe(t.now + POLICY.cooldownMs);
  });

  it("a probe whose client left frees the way for the next one, and a lost probe's lease expires", () => {
    const t = clock();
    const health = new DeploymentHealth(() => t.now);
    const state = health.state("ws/a", "ws", "a");
    health.sharedCooldown(state, t.now + 1_000);
    t.advance(1_000);
    expect(health.begin(state, t.now)).toBe(true);
    health.end(state, true); // no verdict
    expect(health.begin(state, t.now)).toBe(true);
    t.advance(PROBE_LEASE_MS);
    expect(health.cooling(state, t.now)).toBe(false);
  });

  it("a shared cooldown from another proxy counts; an older one never shortens it", () => {
    const t = clock();
    const health = new DeploymentHealth(() => t.now);
    const state = health.state("ws/a", "ws", "a");
    health.sharedCooldown(state, t.now + 5_000);
    health.sharedCooldown(state, t.now + 1_000);
    expect(state.until).toBe(t.now + 5_000);
    expect(health.cooling(state, t.now)).toBe(true);
  });

  it("reports failures and recoveries to the shared side, without waiting for it", () => {
    const calls: string[] = [];
    const writer: SharedHealthWriter = {
      failure: (_s, _p, probe, localStarted) =>
        calls.push(`failure probe=${probe} local=${localStarted}`),
      recovered: () => calls.push("recovered"),
    };
    const t = clock();
    const health = new DeploymentHealth(() => t.now);
    health.share(writer);
    const state = health.state("ws/a", "ws", "a");
    health.failed(state, { ...POLICY, failures: 1 }, false);
    t.advance(POLICY.cooldownMs);
    health.begin(state, t.now);
    health.succeeded(state, true);
    expect(calls).toEqual(["failure probe=false local=true", "recovered"]);
  });

  it("counts attempts in flight", () => {
    const health = new DeploymentHealth();
    const state = health.state("ws/a", "ws", "a");
    health.begin(state);
    health.begin(state);
    health.end(state, false);
    expect(state.inFlight).toBe(1);
  });
});
