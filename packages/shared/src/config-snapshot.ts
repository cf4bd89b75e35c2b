import { GuardrailKeyOverrideSchema, GuardrailPolicySchema } from "./guardrail-policy";
import { RoutePolicySchema } from "./route-policy";
import { z } from "zod";
import { BudgetPeriodSchema, FailModeSchema, KeyStatusSchema, ProviderTypeSchema } from "./enums";

/**
 * Config snapshots are what the control plane (apps/web) compiles from Postgres and publishes
 * to Redis, and what the proxy reads (it never touches Postgres). Two kinds:
 *  - a KeySnapshot per virtual-key hash (a rotated key has one for the new hash and, during
 *    the grace period, one for the previous hash with `graceUntil` set), and
 *  - a WorkspaceSnapshot with everything else a request needs (routes, credentials, limits,
 *    prompts, prices).
 * Every snapshot carries a monotonically increasing `version` (ms timestamp of the compile).
 */

const isoDate = z.iso.datetime({ offset: true });

export const LimitsSchema = z.object({
  /** requests per minute; null = unlimited */
  rpm: z.number().int().positive().nullable(),
  /** tokens (prompt + completion) per minute; null = unlimited */
  tpm: z.number().int().positive().nullable(),
  /** concurrent in-flight requests; null = unlimited */
  parallel: z.number().int().positive().nullable(),
});
export type Limits = z.infer<typeof LimitsSchema>;

export const NO_LIMITS: Limits = { rpm: null, tpm: null, parallel: null };

export const BudgetSchema = z.object({
  /** hard cap in nano-USD (1 USD = 1e9) */
  amountNanoUsd: z.number().int().nonnegative(),
  period: BudgetPeriodSchema,
  /** 0..100; alert threshold for soft limits, null = none */
  alertThresholdPct: z.number().int().min(1).max(100).nullable(),
});
export type Budget = z.infer<typeof BudgetSchema>;

export const KeySnapshotSchema = z.object({
  version: z.number().int(),
  keyId: z.string(),
  workspaceId: z.string(),
  name: z.string(),
  status: KeyStatusSchema,
  expiresAt: isoDate.nullable(),
  /** set on the snapshot of a rotated-out secret: it works until this instant */
  graceUntil: isoDate.nullable(),
  /** model aliases this key may use; empty = every route of the workspace */
  allowedModels: z.array(z.string()),
  limits: LimitsSchema,
  budget: BudgetSchema.nullable(),
  /** per-detector guardrail actions overriding the workspace's; null = inherit */
  guardrails: GuardrailKeyOverrideSchema.nullable().default(null),
});
export type KeySnapshot = z.infer<typeof KeySnapshotSchema>;

export const CredentialSnapshotSchema = z.object({
  id: z.string(),
  provider: ProviderTypeSchema,
  /** upstream base URL, e.g. https://api.openai.com/v1 ; adapters add their paths */
  baseUrl: z.string().url(),
  /** AES-256-GCM envelope (see @gatehouse/shared/server encryptSecret); the proxy decrypts */
  encryptedSecret: z.string(),
  /** provider specific extras: azure api-version, extra headers, ... */
  options: z.record(z.string(), z.string()),
});
export type CredentialSnapshot = z.infer<typeof CredentialSnapshotSchema>;

export const DeploymentSnapshotSchema = z.object({
  id: z.string(),
  credentialId: z.string(),
  upstreamModel: z.string(),
  weight: z.number().int().positive(),
  /** lower runs first; deployments of equal priority are load balanced by weight */
  priority: z.number().int(),
});
export type DeploymentSnapshot = z.infer<typeof DeploymentSnapshotSchema>;

export const RouteSnapshotSchema = z.object({
  id: z.string(),
  /** the model name a client sends */
  alias: z.string(),
  deployments: z.array(DeploymentSnapshotSchema).min(1),
  /** retries, fallbacks, load balancing, timeouts, cooldowns (defaults when absent) */
  policy: RoutePolicySchema.prefault({}),
});
export type RouteSnapshot = z.infer<typeof RouteSnapshotSchema>;

export const PromptMessageSchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string(),
});

export const PromptVariableSchema = z.object({
  name: z.string(),
  default: z.string().nullable(),
});

export const PromptVersionSnapshotSchema = z.object({
  id: z.string(),
  version: z.number().int().positive(),
  messages: z.array(PromptMessageSchema),
  variables: z.array(PromptVariableSchema),
  model: z.string().nullable(),
  params: z.record(z.string(), z.unknown()),
});
export type PromptVersionSnapshot = z.infer<typeof PromptVersionSnapshotSchema>;

export const PromptSnapshotSchema = z.object({
  id: z.string(),
  slug: z.string(),
  /** label name -> version number ("latest" is implicit: the highest version) */
  labels: z.record(z.string(), z.number().int().positive()),
  versions: z.array(PromptVersionSnapshotSchema),
});
export type PromptSnapshot = z.infer<typeof PromptSnapshotSchema>;

/** Per-model price override, same units as the built-in price table. */
export const PriceOverrideSchema = z.object({
  model: z.string(),
  inputMicroUsdPerMTok: z.number().int().nonnegative(),
  outputMicroUsdPerMTok: z.number().int().nonnegative(),
  cachedInputMicroUsdPerMTok: z.number().int().nonnegative().nullable(),
});
export type PriceOverride = z.infer<typeof PriceOverrideSchema>;

export const WorkspaceSnapshotSchema = z.object({
  version: z.number().int(),
  workspaceId: z.string(),
  slug: z.string(),
  timeZone: z.string(),
  failMode: FailModeSchema,
  limits: LimitsSchema,
  budget: BudgetSchema.nullable(),
  /** log request/response bodies into request logs */
  payloadLogging: z.boolean(),
  credentials: z.array(CredentialSnapshotSchema),
  routes: z.array(RouteSnapshotSchema),
  prompts: z.array(PromptSnapshotSchema),
  priceOverrides: z.array(PriceOverrideSchema),
  /** PII and secret scanning (off unless enabled) */
  guardrails: GuardrailPolicySchema.prefault({}),
});
export type WorkspaceSnapshot = z.infer<typeof WorkspaceSnapshotSchema>;

/** Messages on the config invalidation channel. */
export const ConfigInvalidationSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("key"), keyHash: z.string(), version: z.number().int() }),
  z.object({ kind: z.literal("workspace"), workspaceId: z.string(), version: z.number().int() }),
  /** a full resync happened: drop every cached snapshot */
  z.object({ kind: z.literal("all"), version: z.number().int() }),
]);
export type ConfigInvalidation = z.infer<typeof ConfigInvalidationSchema>;
