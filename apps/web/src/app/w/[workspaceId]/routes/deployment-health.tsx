"use client";

import { ms, percent } from "~/lib/usage-format";

/** route.health's figures for one deployment (see server/routers/route-health.ts). */
export interface DeploymentHealth {
  state: "healthy" | "cooling_down" | "unknown";
  /** when the shared cooldown ends; null when not cooling down */
  cooldownUntil: Date | null;
  attempts: number;
  failures: number;
  errorRate: number | null;
  p50Ms: number | null;
  p95Ms: number | null;
}

const time = new Intl.DateTimeFormat(undefined, {
  hour: "2-digit",
  minute: "2-digit",
  second: "2-digit",
});

/**
 * A deployment's live state (the proxies' shared cooldown) and its last hour: attempts, error
 * rate and p50/p95 latency. Failed attempts count against the deployment that failed even when
 * a retry or a fallback saved the request.
 */
export function DeploymentHealthLine({
  health,
  failed,
  enabled,
}: {
  health: DeploymentHealth | undefined;
  failed: boolean;
  enabled: boolean;
}) {
  if (!health) {
    return (
      <p className="text-xs text-slate-400" data-testid="deployment-health">
        {failed ? "health unavailable" : "checking health…"}
      </p>
    );
  }
  const state =
    health.state === "cooling_down" && health.cooldownUntil ? (
      <span className="font-medium text-amber-700" title="Every proxy skips it until then">
        cooling down until {time.format(health.cooldownUntil)}
      </span>
    ) : health.state === "unknown" ? (
      <span className="text-slate-500" title="Redis did not answer">
        state unknown
      </span>
    ) : (
      <span className={enabled ? "font-medium text-emerald-700" : "text-slate-500"}>healthy</span>
    );
  const lastHour =
    health.attempts === 0
      ? "no attempts in the last hour"
      : `${health.attempts.toLocaleString("en")} attempts in the last hour · ` +
        `${health.failures === 0 ? "no" : percent(health.failures, health.attempts)} errors · ` +
        `p50 ${ms(health.p50Ms)} · p95 ${ms(health.p95Ms)}`;
  return (
    <p className="text-xs text-slate-600" data-testid="deployment-health">
      {state} · {lastHour}
    </p>
  );
}
