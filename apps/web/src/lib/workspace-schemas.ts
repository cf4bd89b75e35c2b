import { BudgetPeriodSchema, FailModeSchema, RoleSchema, usdToNanoUsd } from "@gatehouse/shared";
import { z } from "zod";

/**
 * Workspace, member and invitation inputs: validated by the workspace router and by the forms
 * on the members and settings pages (client-safe: no server imports).
 */

export const WorkspaceNameSchema = z
  .string()
  .trim()
  .min(1, "Enter a name.")
  .max(80, "Use at most 80 characters.");

export const CreateWorkspaceSchema = z.object({ name: WorkspaceNameSchema });

/** An IANA time zone name the runtime knows ("Europe/Berlin", "UTC"), in its canonical case. */
export const TimeZoneSchema = z
  .string()
  .trim()
  .min(1, "Choose a time zone.")
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/, "Not an IANA time zone name.")
  .transform((zone, ctx) => {
    try {
      return new Intl.DateTimeFormat("en-US", { timeZone: zone }).resolvedOptions().timeZone;
    } catch {
      ctx.addIssue({ code: "custom", message: "Unknown time zone." });
      return z.NEVER;
    }
  });

const LimitSchema = z
  .number({ error: "Enter a whole number." })
  .int("Enter a whole number.")
  .min(1, "Use at least 1, or leave empty for no limit.")
  .max(1_000_000_000)
  .nullable();

/** A dollar amount as typed ("25", "12.50"), exactly in nano-USD. */
export const BudgetUsdSchema = z
  .string()
  .trim()
  .max(24)
  .transform((value, ctx) => {
    try {
      return BigInt(usdToNanoUsd(value));
    } catch {
      ctx.addIssue({ code: "custom", message: "Enter a dollar amount like 25 or 12.50." });
      return z.NEVER;
    }
  })
  .refine((nano) => nano > 0n, "Enter more than $0.");

export const WebhookUrlSchema = z
  .url({ protocol: /^https?$/, error: "Enter an http:// or https:// URL." })
  .max(2048);

export const WorkspaceSettingsSchema = z
  .object({
    timeZone: TimeZoneSchema,
    payloadLogging: z.boolean(),
    retentionDays: z
      .number({ error: "Enter a number of days." })
      .int("Enter a whole number of days.")
      .min(1, "Keep logs for at least 1 day.")
      .max(3650, "Keep logs for at most 3650 days."),
    failMode: FailModeSchema,
    rpmLimit: LimitSchema,
    tpmLimit: LimitSchema,
    parallelLimit: LimitSchema,
    budgetUsd: BudgetUsdSchema.nullable(),
    budgetPeriod: BudgetPeriodSchema.nullable(),
    budgetAlertThresholdPct: z
      .number({ error: "Enter a percentage." })
      .int("Enter a whole percentage.")
      .min(1, "Use 1 to 100.")
      .max(100, "Use 1 to 100.")
      .nullable(),
    alertWebhookUrl: WebhookUrlSchema.nullable(),
    /**
     * Write-only: a new signing secret, null to remove it, absent to keep the current one.
     * Never read back.
     */
    alertWebhookSecret: z
      .string()
      .min(16, "Use at least 16 characters.")
      .max(256, "Use at most 256 characters.")
      .nullable()
      .optional(),
  })
  .superRefine((input, ctx) => {
    if ((input.budgetUsd === null) !== (input.budgetPeriod === null)) {
      ctx.addIssue({
        code: "custom",
        path: [input.budgetUsd === null ? "budgetUsd" : "budgetPeriod"],
        message: "Set both a budget amount and its period, or neither.",
      });
    }
    if (input.budgetAlertThresholdPct !== null && input.budgetUsd === null) {
      ctx.addIssue({
        code: "custom",
        path: ["budgetAlertThresholdPct"],
        message: "An alert threshold needs a budget.",
      });
    }
  });
export type WorkspaceSettingsInput = z.input<typeof WorkspaceSettingsSchema>;

export const InviteSchema = z.object({
  email: z.string().trim().toLowerCase().max(254).pipe(z.email("Enter a valid email address.")),
  role: RoleSchema,
});

/** Invitation tokens are 32 random bytes, base64url (43 characters). */
export const InvitationTokenSchema = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9_-]{43}$/, "This invitation link is malformed.");
