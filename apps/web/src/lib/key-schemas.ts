import { BudgetPeriodSchema, usdToNanoUsd, type BudgetPeriod } from "@gatehouse/shared";
import { z } from "zod";

/**
 * Virtual key inputs: validated by the key router and by the forms on the keys page
 * (client-safe: no server imports).
 */

export const IdSchema = z.string().min(1).max(64);
export const MAX_GRACE_SECONDS = 7 * 24 * 60 * 60;

/** A dollar amount as typed in a form ("25", "12.50"), parsed exactly into nano-USD. */
export const UsdAmountSchema = z
  .string()
  .trim()
  .max(24)
  .transform((value, ctx) => {
    try {
      return BigInt(usdToNanoUsd(value));
    } catch {
      ctx.addIssue({ code: "custom", message: "must be a dollar amount like 25 or 12.50" });
      return z.NEVER;
    }
  })
  .refine((nano) => nano > 0n, "must be more than $0");

export const LimitSchema = z.number().int().min(1).max(1_000_000_000).nullable();

export const KeySettingsSchema = z.object({
  name: z.string().trim().min(1).max(100),
  /** route aliases; empty = every route */
  allowedModels: z.array(z.string().trim().min(1).max(200)).max(100),
  expiresAt: z.coerce.date().nullable(),
  rpmLimit: LimitSchema,
  tpmLimit: LimitSchema,
  parallelLimit: LimitSchema,
  budgetUsd: UsdAmountSchema.nullable(),
  budgetPeriod: BudgetPeriodSchema.nullable(),
  budgetAlertThresholdPct: z.number().int().min(1).max(100).nullable(),
});

export type KeySettings = z.infer<typeof KeySettingsSchema>;

export function budgetProblem(settings: {
  budgetUsd: bigint | null;
  budgetPeriod: BudgetPeriod | null;
}): string | null {
  return (settings.budgetUsd === null) === (settings.budgetPeriod === null)
    ? null
    : "set both a budget amount and its period, or neither";
}

export const CreateKeySchema = KeySettingsSchema.partial({
  allowedModels: true,
  expiresAt: true,
  rpmLimit: true,
  tpmLimit: true,
  parallelLimit: true,
  budgetUsd: true,
  budgetPeriod: true,
  budgetAlertThresholdPct: true,
}).superRefine((input, ctx) => {
  const problem = budgetProblem({
    budgetUsd: input.budgetUsd ?? null,
    budgetPeriod: input.budgetPeriod ?? null,
  });
  if (problem) ctx.addIssue({ code: "custom", path: ["budgetPeriod"], message: problem });
  if (input.expiresAt && input.expiresAt.getTime() <= Date.now()) {
    ctx.addIssue({ code: "custom", path: ["expiresAt"], message: "must be in the future" });
  }
});

export const UpdateKeySchema = KeySettingsSchema.partial().extend({ keyId: IdSchema });
