import {
  PromptLabelNameSchema,
  PromptSlugSchema,
  PromptVersionInputSchema,
} from "@gatehouse/shared";
import { z } from "zod";

/**
 * Prompt inputs: validated by the prompt router and by the forms on the prompt pages
 * (client-safe: no server imports). The version body itself (messages, variables, model,
 * params, commit message) is PromptVersionInputSchema from @gatehouse/shared, which the
 * proxy's rendering shares.
 */

export const IdSchema = z.string().min(1).max(64);

export { PromptLabelNameSchema, PromptSlugSchema, PromptVersionInputSchema };

export const CreatePromptSchema = z.object({
  slug: PromptSlugSchema,
  name: z.string().trim().min(1).max(100),
  description: z.string().trim().max(500).nullable().default(null),
  /** the first version; the `production` label points at it */
  version: PromptVersionInputSchema,
});
export type CreatePromptInput = z.infer<typeof CreatePromptSchema>;

export const SaveVersionSchema = z.object({
  promptId: IdSchema,
  version: PromptVersionInputSchema,
});

export const MoveLabelSchema = z.object({
  promptId: IdSchema,
  label: PromptLabelNameSchema,
  versionId: IdSchema,
});

export const RemoveLabelSchema = z.object({
  promptId: IdSchema,
  label: PromptLabelNameSchema,
});

/** Model parameters as typed into the editor: a JSON object (PromptParamsSchema checks it). */
export function parseParamsText(
  text: string,
): { ok: true; value: unknown } | { ok: false; error: string } {
  if (text.trim() === "") return { ok: true, value: {} };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false, error: 'parameters must be a JSON object, e.g. {"temperature": 0.2}' };
  }
}

/** One playground run: a version, its variable values, and an optional extra user message. */
export const PlaygroundInputSchema = z.object({
  version: z.number().int().min(1),
  variables: z.record(z.string(), z.string().max(20_000)).default({}),
  message: z.string().trim().max(20_000).default(""),
});
export type PlaygroundInput = z.infer<typeof PlaygroundInputSchema>;

/** What the playground route streams to the browser, one JSON object per SSE `data:` line. */
export type PlaygroundEvent =
  | { type: "start"; model: string; version: number }
  | { type: "delta"; text: string }
  | {
      type: "done";
      requestId: string | null;
      upstreamModel: string | null;
      inputTokens: number;
      outputTokens: number;
      costUsd: string | null;
      latencyMs: number;
      ttfbMs: number | null;
    }
  | { type: "error"; message: string };
