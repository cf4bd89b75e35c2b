import type { RoutePolicy } from "@gatehouse/shared";
import { readableIssue, type UpdateRoutePolicyInput } from "~/lib/route-schemas";
import type { Deployment } from "./route-types";

/**
 * The routes editor's form ↔ UpdateRoutePolicySchema: reading the inputs, and putting each
 * issue (the browser's own parse, or the server's answer) at the field it is about.
 */

/** A number input: empty = absent (the schema's default applies); anything else is parsed,
 * so "abc" reaches the schema as NaN and is refused there, with the field named. */
function numberOr<T>(raw: FormDataEntryValue | null, empty: T): number | T {
  const text = String(raw ?? "").trim();
  return text === "" ? empty : Number(text);
}

function list(raw: FormDataEntryValue | null): string[] {
  return String(raw ?? "")
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter(Boolean);
}

export function readPolicyForm(
  data: FormData,
  routeId: string,
  deployments: readonly Deployment[],
): UpdateRoutePolicyInput {
  const n = (name: string) => numberOr(data.get(name), undefined);
  return {
    routeId,
    policy: {
      strategy: String(data.get("strategy") ?? "weighted") as RoutePolicy["strategy"],
      retry: {
        maxRetries: n("retry.maxRetries"),
        retryOn: list(data.get("retry.retryOn")).map(Number),
        backoffBaseMs: n("retry.backoffBaseMs"),
        maxDelayMs: n("retry.maxDelayMs"),
        budgetMs: n("retry.budgetMs"),
      },
      // empty = the proxy's own setting
      timeouts: {
        connectMs: numberOr(data.get("timeouts.connectMs"), null),
        ttfbMs: numberOr(data.get("timeouts.ttfbMs"), null),
        idleMs: numberOr(data.get("timeouts.idleMs"), null),
        totalMs: numberOr(data.get("timeouts.totalMs"), null),
      },
      cooldown: {
        failures: n("cooldown.failures"),
        windowMs: n("cooldown.windowMs"),
        cooldownMs: n("cooldown.cooldownMs"),
      },
      contextWindowFallbacks: list(data.get("contextWindowFallbacks")),
      contentPolicyFallbacks: list(data.get("contentPolicyFallbacks")),
    },
    deployments: deployments.map((d) => ({
      deploymentId: d.id,
      priority: numberOr(data.get(`priority-${d.id}`), d.priority),
      weight: numberOr(data.get(`weight-${d.id}`), d.weight),
    })),
  } as UpdateRoutePolicyInput;
}

interface Issue {
  path?: PropertyKey[];
  code?: string;
  message: string;
}

/** The form field an issue belongs to: "retry.maxRetries", "contextWindowFallbacks",
 * "priority-<deploymentId>", or "form". */
function fieldOf(path: readonly PropertyKey[], deployments: readonly Deployment[]): string {
  const [first, second, third] = path.map(String);
  if (first === "policy") {
    if (second === "retry" || second === "timeouts" || second === "cooldown") {
      return `${second}.${third ?? ""}`;
    }
    return second ?? "form";
  }
  if (first === "deployments" && second !== undefined) {
    const deployment = deployments[Number(second)];
    return deployment ? `${third === "weight" ? "weight" : "priority"}-${deployment.id}` : "form";
  }
  return "form";
}

export function fieldErrorsOf(
  issues: readonly Issue[],
  deployments: readonly Deployment[],
): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    errors[fieldOf(issue.path ?? [], deployments)] ??= readableIssue(issue);
  }
  return errors;
}

/** The issues of a refused save (tRPC sends them as the error message, JSON), or null. */
export function issuesOfError(error: unknown): Issue[] | null {
  const message = error instanceof Error ? error.message : "";
  if (!message.startsWith("[")) return null;
  try {
    const issues = JSON.parse(message) as unknown;
    return Array.isArray(issues) ? (issues as Issue[]) : null;
  } catch {
    return null;
  }
}
