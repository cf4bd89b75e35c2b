import { PROMPT_MODEL_PREFIX } from "@gatehouse/shared";
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
