"use client";

import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState, type ReactNode } from "react";
import type { RoutePolicy } from "@gatehouse/shared";
import {
  describedBy,
  errorMessage,
  Field,
  FormAlert,
  inputClass,
  primaryButtonClass,
  secondaryButtonClass,
} from "~/components/form-controls";
import { PROVIDER_LABELS } from "~/lib/credential-schemas";
import { UpdateRoutePolicySchema } from "~/lib/route-schemas";
import { ms } from "~/lib/usage-format";
import { useTRPC } from "~/trpc/react";
import { fieldErrorsOf, issuesOfError, readPolicyForm } from "./route-policy-form";
import { useInvalidateRoutes, type Route } from "./route-types";

const STRATEGIES: { value: RoutePolicy["strategy"]; label: string }[] = [
  { value: "weighted", label: "Weighted random" },
  { value: "least_inflight", label: "Least in-flight" },
  { value: "lowest_latency", label: "Lowest latency (time to first token)" },
];

/** One line for everyone (viewers too): how this route behaves when a provider fails. */
export function RoutePolicySummary({ policy }: { policy: RoutePolicy }) {
  const { retry, cooldown } = policy;
  const strategy = STRATEGIES.find((s) => s.value === policy.strategy)?.label ?? policy.strategy;
  const parts = [
    strategy.toLowerCase(),
    retry.maxRetries === 0
      ? "no retries"
      : `${retry.maxRetries} ${retry.maxRetries === 1 ? "retry" : "retries"} within ${ms(retry.budgetMs)}`,
    `cooldown after ${cooldown.failures} failures in ${ms(cooldown.windowMs)}`,
  ];
  if (policy.contextWindowFallbacks.length > 0) {
    parts.push(`context-window fallbacks: ${policy.contextWindowFallbacks.join(", ")}`);
  }
  if (policy.contentPolicyFallbacks.length > 0) {
    parts.push(`content-policy fallbacks: ${policy.contentPolicyFallbacks.join(", ")}`);
  }
  return (
    <p className="text-xs text-slate-500" data-testid="route-policy-summary">
      Routing: {parts.join(" · ")}
    </p>
  );
}

/**
 * The routing editor of one route: strategy, retries, per-route timeouts, cooldowns, the
 * deployments' order (priority = fallback order) and weights, and the dedicated fallback lists.
 * Checked in the browser with the server's own schema; the server adds what only it knows
 * (the fallback aliases are routes of this workspace) and its issues land at the same fields.
 */
export function RoutePolicyEditor({
  workspaceId,
  route,
  otherAliases,
  onDone,
}: {
  workspaceId: string;
  route: Route;
  otherAliases: string[];
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const invalidate = useInvalidateRoutes();
  const [errors, setErrors] = useState<Record<string, string>>({});
  const save = useMutation(
    trpc.route.updatePolicy.mutationOptions({
      onSuccess: async () => {
        await invalidate();
        await queryClient.invalidateQueries({ queryKey: trpc.route.health.queryKey() });
        onDone();
      },
      onError: (error) => {
        const issues = issuesOfError(error);
        if (issues) setErrors(fieldErrorsOf(issues, route.deployments));
      },
    }),
  );
  const { policy } = route;
  const id = (name: string) => `policy-${route.id}-${name.replace(/\W/g, "-")}`;
  const field = (name: string, label: string, value: number | null, hint?: ReactNode) => (
    <Field id={id(name)} label={label} hint={hint} error={errors[name]}>
      <input
        {...describedBy(id(name), hint !== undefined, errors[name])}
        name={name}
        inputMode="numeric"
        defaultValue={value ?? ""}
        className={inputClass}
      />
    </Field>
  );
  const aliasList = (name: "contextWindowFallbacks" | "contentPolicyFallbacks", label: string) => (
    <Field
      id={id(name)}
      label={label}
      hint={
        otherAliases.length > 0
          ? `Other routes, in order, comma-separated: ${otherAliases.join(", ")}`
          : "Add another route first."
      }
      error={errors[name]}
    >
      <input
        {...describedBy(id(name), true, errors[name])}
        name={name}
        defaultValue={policy[name].join(", ")}
        autoComplete="off"
        className={inputClass}
      />
    </Field>
  );

  return (
    <form
      noValidate
      className="space-y-5"
      aria-label={`Routing of ${route.alias}`}
      onSubmit={(event) => {
        event.preventDefault();
        const input = readPolicyForm(
          new FormData(event.currentTarget),
          route.id,
          route.deployments,
        );
        const parsed = UpdateRoutePolicySchema.safeParse(input);
        if (!parsed.success) {
          setErrors(fieldErrorsOf(parsed.error.issues, route.deployments));
          return;
        }
        setErrors({});
        save.mutate({ workspaceId, ...parsed.data });
      }}
    >
      {save.error && !issuesOfError(save.error) ? (
        <FormAlert>{errorMessage(save.error)}</FormAlert>
      ) : null}
      {errors.form ? <FormAlert>{errors.form}</FormAlert> : null}
      <Section
        title="Deployment order"
        hint="Lower priority first; higher priorities are fallbacks, tried in order. Weights split traffic within a priority."
      >
        <div className="space-y-2">
          {route.deployments.map((d) => {
            const name = `${d.upstreamModel} via ${d.credential.name}`;
            return (
              <div key={d.id} className="grid gap-3 sm:grid-cols-[1fr_8rem_8rem] sm:items-end">
                <p className="text-sm text-slate-800">
                  <span className="font-mono">{d.upstreamModel}</span>{" "}
                  <span className="text-slate-500">
                    via {d.credential.name} ({PROVIDER_LABELS[d.credential.provider]})
                  </span>
                </p>
                {field(`priority-${d.id}`, `Priority of ${name}`, d.priority)}
                {field(`weight-${d.id}`, `Weight of ${name}`, d.weight)}
              </div>
            );
          })}
        </div>
        <Field id={id("strategy")} label="Load balancing" error={errors.strategy}>
          <select
            {...describedBy(id("strategy"), false, errors.strategy)}
            name="strategy"
            defaultValue={policy.strategy}
            className={inputClass}
          >
            {STRATEGIES.map((s) => (
              <option key={s.value} value={s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </Field>
      </Section>
      <Section
        title="Retries"
        hint="On connection errors, time-outs and the statuses below; never on 400, 401, 403, 404, 413 or 422."
      >
        <div className="grid gap-3 sm:grid-cols-3">
          {field("retry.maxRetries", "Max retries", policy.retry.maxRetries, "per deployment, 0–5")}
          {field("retry.backoffBaseMs", "Backoff base (ms)", policy.retry.backoffBaseMs)}
          {field(
            "retry.maxDelayMs",
            "Max delay (ms)",
            policy.retry.maxDelayMs,
            "also caps Retry-After",
          )}
          {field(
            "retry.budgetMs",
            "Time budget (ms)",
            policy.retry.budgetMs,
            "all attempts together",
          )}
          <Field id={id("retry.retryOn")} label="Retry on statuses" error={errors["retry.retryOn"]}>
            <input
              {...describedBy(id("retry.retryOn"), false, errors["retry.retryOn"])}
              name="retry.retryOn"
              defaultValue={policy.retry.retryOn.join(", ")}
              className={inputClass}
            />
          </Field>
        </div>
      </Section>
      <Section title="Timeouts" hint="Per attempt; empty = the proxy's setting.">
        <div className="grid gap-3 sm:grid-cols-4">
          {field("timeouts.connectMs", "Connect (ms)", policy.timeouts.connectMs)}
          {field("timeouts.ttfbMs", "First token (ms)", policy.timeouts.ttfbMs)}
          {field("timeouts.idleMs", "Idle gap (ms)", policy.timeouts.idleMs)}
          {field("timeouts.totalMs", "Total (ms)", policy.timeouts.totalMs)}
        </div>
      </Section>
      <Section
        title="Cooldown"
        hint="Shared by every proxy: a deployment that keeps failing is skipped for a while, then one request probes it."
      >
        <div className="grid gap-3 sm:grid-cols-3">
          {field("cooldown.failures", "Failures before a cooldown", policy.cooldown.failures)}
          {field("cooldown.windowMs", "Failure window (ms)", policy.cooldown.windowMs)}
          {field("cooldown.cooldownMs", "Cooldown length (ms)", policy.cooldown.cooldownMs)}
        </div>
      </Section>
      <Section
        title="Dedicated fallbacks"
        hint="Used only when the provider says so, after this route's own deployments."
      >
        <div className="grid gap-3 sm:grid-cols-2">
          {aliasList("contextWindowFallbacks", "Context-window fallbacks")}
          {aliasList("contentPolicyFallbacks", "Content-policy fallbacks")}
        </div>
      </Section>
      <div className="flex flex-wrap gap-2">
        <button type="submit" className={primaryButtonClass} disabled={save.isPending}>
          {save.isPending ? "Saving…" : "Save routing"}
        </button>
        <button type="button" className={secondaryButtonClass} onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function Section({ title, hint, children }: { title: string; hint: string; children: ReactNode }) {
  return (
    <fieldset className="space-y-3">
      <legend className="text-sm font-semibold text-slate-800">{title}</legend>
      <p className="text-xs text-slate-500">{hint}</p>
      {children}
    </fieldset>
  );
}
