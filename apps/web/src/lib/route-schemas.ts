import { PROMPT_MODEL_PREFIX, RoutePolicySchema } from "@gatehouse/shared";
import { z } from "zod";

/**
 * Model route inputs: validated by the route router and by the forms on the routes page
 * (client-safe: no server imports).
 */

export const IdSchema = z.string().min(1).max(64);

/** What clients put in `model`: no spaces or control characters. */
export const RouteAliasSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$/, "letters, digits and . _ : / @ + - only")
  // the proxy reads model "prompt:<slug>" as a prompt reference, never as a route
  .refine((alias) => !alias.startsWith(PROMPT_MODEL_PREFIX), "'prompt:' names are for prompts");

export const DeploymentInputSchema = z.object({
  credentialId: IdSchema,
  upstreamModel: z.string().trim().min(1).max(200),
  weight: z.number().int().min(0).max(1000).default(1),
  priority: z.number().int().min(0).max(100).default(0),
  enabled: z.boolean().default(true),
});
export type DeploymentInput = z.infer<typeof DeploymentInputSchema>;

export const CreateRouteSchema = z.object({
  alias: RouteAliasSchema,
  description: z.string().trim().max(500).nullish(),
  deployments: z.array(DeploymentInputSchema).max(20).default([]),
});

export const UpdateRouteSchema = z.object({
  routeId: IdSchema,
  alias: RouteAliasSchema.optional(),
  description: z.string().trim().max(500).nullish(),
});

export const UpdateDeploymentSchema = z.object({
  deploymentId: IdSchema,
  credentialId: IdSchema.optional(),
  upstreamModel: z.string().trim().min(1).max(200).optional(),
  weight: z.number().int().min(0).max(1000).optional(),
  priority: z.number().int().min(0).max(100).optional(),
  enabled: z.boolean().optional(),
});

/** A deployment's place in its route: priority (lower first; higher = fallback) and weight. */
export const DeploymentOrderSchema = z.object({
  deploymentId: IdSchema,
  priority: DeploymentInputSchema.shape.priority.unwrap(),
  weight: DeploymentInputSchema.shape.weight.unwrap(),
});

const uniqueAliases = (list: readonly string[], ctx: z.RefinementCtx, field: string) => {
  const seen = new Set<string>();
  list.forEach((alias, i) => {
    if (seen.has(alias)) {
      ctx.addIssue({
        code: "custom",
        path: ["policy", field, i],
        message: `'${alias}' is listed twice`,
      });
    }
    seen.add(alias);
  });
};

/**
 * The routes editor's save: the route's policy (RoutePolicySchema, the proxy's own contract)
 * and, optionally, its deployments' order and weights in the same change. Whether the fallback
 * aliases name other routes of the workspace is checked by the server, which knows them.
 */
export const UpdateRoutePolicySchema = z
  .object({
    routeId: IdSchema,
    policy: RoutePolicySchema,
    deployments: z.array(DeploymentOrderSchema).max(20).optional(),
  })
  .superRefine((input, ctx) => {
    uniqueAliases(input.policy.contextWindowFallbacks, ctx, "contextWindowFallbacks");
    uniqueAliases(input.policy.contentPolicyFallbacks, ctx, "contentPolicyFallbacks");
    const ids = new Set<string>();
    input.deployments?.forEach((d, i) => {
      if (ids.has(d.deploymentId)) {
        ctx.addIssue({ code: "custom", path: ["deployments", i], message: "listed twice" });
      }
      ids.add(d.deploymentId);
    });
  });
export type UpdateRoutePolicyInput = z.input<typeof UpdateRoutePolicySchema>;

interface IssueLike {
  code?: string;
  message: string;
  minimum?: unknown;
  maximum?: unknown;
  expected?: unknown;
}

/** A zod issue in the editor's words ("at most 5" rather than "Too big: expected …"). */
export function readableIssue(issue: IssueLike): string {
  if (issue.code === "too_big") return `at most ${String(issue.maximum)}`;
  if (issue.code === "too_small") return `at least ${String(issue.minimum)}`;
  if (issue.code === "invalid_type" && issue.expected === "number") return "a whole number";
  if (issue.code === "invalid_value" || issue.code === "invalid_enum_value") return "not an option";
  return issue.message;
}
