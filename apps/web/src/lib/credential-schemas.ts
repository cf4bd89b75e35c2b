import { ProviderTypeSchema, type ProviderType } from "@gatehouse/shared";
import { z } from "zod";

/**
 * Provider credential inputs and defaults: validated by the credential router and by the
 * form on the credentials page (client-safe: no server imports).
 */

/** What the SDK of each provider uses as its base URL; azure and compatible ones have none. */
export const DEFAULT_BASE_URLS: Record<ProviderType, string | null> = {
  openai: "https://api.openai.com/v1",
  anthropic: "https://api.anthropic.com",
  gemini: "https://generativelanguage.googleapis.com/v1beta/openai",
  azure_openai: null,
  openai_compatible: null,
};

/** Routes created with a new credential (alias → upstream model), unless the alias exists. */
export const DEFAULT_ROUTES: Record<
  ProviderType,
  Array<{ alias: string; upstreamModel: string }>
> = {
  openai: [
    { alias: "gpt-4o", upstreamModel: "gpt-4o" },
    { alias: "gpt-4o-mini", upstreamModel: "gpt-4o-mini" },
  ],
  anthropic: [
    { alias: "claude-sonnet", upstreamModel: "claude-sonnet-4-5" },
    { alias: "claude-haiku", upstreamModel: "claude-haiku-4-5" },
  ],
  gemini: [{ alias: "gemini-flash", upstreamModel: "gemini-2.5-flash" }],
  // Azure routes by deployment name and compatible servers name models freely: no guess.
  azure_openai: [],
  openai_compatible: [],
};

export const PROVIDER_LABELS: Record<ProviderType, string> = {
  openai: "OpenAI",
  anthropic: "Anthropic",
  azure_openai: "Azure OpenAI",
  gemini: "Google Gemini",
  openai_compatible: "OpenAI-compatible",
};

export const BaseUrlSchema = z
  .url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" })
  .max(2048);

export const CredentialNameSchema = z.string().trim().min(1, "Enter a name.").max(100);

export const CreateCredentialSchema = z
  .object({
    name: CredentialNameSchema,
    provider: ProviderTypeSchema,
    baseUrl: BaseUrlSchema.optional(),
    secret: z.string().trim().min(1, "the API key is required").max(4096),
    /** provider specific string options, e.g. azure `apiVersion` */
    options: z
      .record(z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/), z.string().max(1024))
      .refine((o) => Object.keys(o).length <= 20, "at most 20 options")
      .default({}),
    createDefaultRoutes: z.boolean().default(true),
  })
  .superRefine((input, ctx) => {
    if (!input.baseUrl && DEFAULT_BASE_URLS[input.provider] === null) {
      ctx.addIssue({
        code: "custom",
        path: ["baseUrl"],
        message: "a base URL is required for this provider",
      });
    }
  });
export type CreateCredential = z.infer<typeof CreateCredentialSchema>;
