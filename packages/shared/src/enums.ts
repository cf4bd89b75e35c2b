import { z } from "zod";

/** Upstream provider kinds the proxy has adapters for. */
export const ProviderTypeSchema = z.enum([
  "openai",
  "anthropic",
  "azure_openai",
  "gemini",
  "openai_compatible",
]);
export type ProviderType = z.infer<typeof ProviderTypeSchema>;

/** Wire formats a client can speak to the proxy (and an upstream can answer in). */
export const WireFormatSchema = z.enum(["openai", "anthropic"]);
export type WireFormat = z.infer<typeof WireFormatSchema>;

export const RoleSchema = z.enum(["owner", "admin", "member", "viewer"]);
export type Role = z.infer<typeof RoleSchema>;

/** Higher rank may do everything a lower rank may. */
export const ROLE_RANK: Record<Role, number> = { viewer: 0, member: 1, admin: 2, owner: 3 };

export function roleAtLeast(role: Role, minimum: Role): boolean {
  return ROLE_RANK[role] >= ROLE_RANK[minimum];
}

export const KeyStatusSchema = z.enum(["active", "revoked"]);
export type KeyStatus = z.infer<typeof KeyStatusSchema>;

export const BudgetPeriodSchema = z.enum(["daily", "weekly", "monthly", "lifetime"]);
export type BudgetPeriod = z.infer<typeof BudgetPeriodSchema>;

/** What the proxy does with limits/budgets when Redis cannot be reached. */
export const FailModeSchema = z.enum(["closed", "open"]);
export type FailMode = z.infer<typeof FailModeSchema>;

/** The proxy endpoints a usage event can come from. */
export const EndpointSchema = z.enum([
  "chat.completions",
  "completions",
  "embeddings",
  "responses",
  "messages",
  "messages.count_tokens",
]);
export type Endpoint = z.infer<typeof EndpointSchema>;
