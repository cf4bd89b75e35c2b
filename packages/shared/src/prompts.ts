import { z } from "zod";
import type { PromptVersionSnapshot } from "./config-snapshot";

/**
 * Prompt templates: the names, references and `{{variable}}` rendering shared by the proxy
 * (which renders a version into a request), the dashboard (editor validation, playground
 * preview) and the read API. Client-safe: no node: imports.
 *
 * A client asks for a prompt with `model: "prompt:<slug>[@<label>|@<version>]"` or the header
 * `x-gatehouse-prompt: <slug>[@<label>|@<version>]`. Without a selector the `production` label
 * is used; `latest` is the highest version.
 */

export const PROMPT_MODEL_PREFIX = "prompt:";
export const PROMPT_HEADER = "x-gatehouse-prompt";
export const DEFAULT_PROMPT_LABEL = "production";
/** the implicit label: the highest version */
export const LATEST_LABEL = "latest";

export const PromptSlugSchema = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(
    /^[a-z0-9][a-z0-9_-]*$/,
    "use lowercase letters, digits, dashes and underscores (it goes into model names)",
  );

export const PromptLabelNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[a-z][a-z0-9_-]*$/, "use lowercase letters, digits, dashes and underscores")
  .refine((name) => name !== LATEST_LABEL, "'latest' is implicit (the highest version)");

export interface PromptRef {
  slug: string;
  /** a label name ("production", "staging", "latest"), or null when `version` is set */
  label: string | null;
  version: number | null;
}

const REF = /^([a-z0-9][a-z0-9_-]*)(?:@(?:(\d{1,9})|([a-z][a-z0-9_-]*)))?$/;

/** `slug`, `slug@label` or `slug@3` → a PromptRef; null when it is not one. */
export function parsePromptRef(text: string): PromptRef | null {
  const match = REF.exec(text.trim());
  if (!match) return null;
  const slug = match[1]!;
  if (match[2] !== undefined) {
    const version = Number(match[2]);
    return version > 0 ? { slug, label: null, version } : null;
  }
  return { slug, label: match[3] ?? DEFAULT_PROMPT_LABEL, version: null };
}

export function formatPromptRef(ref: PromptRef): string {
  return ref.version !== null ? `${ref.slug}@${ref.version}` : `${ref.slug}@${ref.label}`;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** The distinct `{{name}}` placeholders of a text, in order of first use. */
export function placeholdersOf(text: string): string[] {
  const names: string[] = [];
  for (const match of text.matchAll(PLACEHOLDER)) {
    if (!names.includes(match[1]!)) names.push(match[1]!);
  }
  return names;
}

/** Every placeholder used by any message of a template. */
export function templatePlaceholders(messages: readonly { content: string }[]): string[] {
  const names: string[] = [];
  for (const message of messages) {
    for (const name of placeholdersOf(message.content)) {
      if (!names.includes(name)) names.push(name);
    }
  }
  return names;
}

/** A variable value as text: strings as they are, numbers/booleans printed, the rest as JSON. */
function valueText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value) ?? "";
}

export interface RenderedPrompt {
  messages: { role: "system" | "user" | "assistant"; content: string }[];
  /** required variables (no default) that were not given, in declaration order */
  missing: string[];
}

/**
 * Renders a version's messages with the given values; a declared variable that is missing
 * takes its default, and one without a default is reported in `missing`. Placeholders of
 * undeclared names (not possible through the dashboard) render as empty text.
 */
export function renderPrompt(
  version: Pick<PromptVersionSnapshot, "messages" | "variables">,
  values: Readonly<Record<string, unknown>>,
): RenderedPrompt {
  const resolved = new Map<string, string>();
  const missing: string[] = [];
  for (const variable of version.variables) {
    const given = Object.prototype.hasOwnProperty.call(values, variable.name)
      ? values[variable.name]
      : undefined;
    if (given !== undefined && given !== null) resolved.set(variable.name, valueText(given));
    else if (variable.default !== null) resolved.set(variable.name, variable.default);
    else missing.push(variable.name);
  }
  const messages = version.messages.map((message) => ({
    role: message.role,
    content: message.content.includes("{{")
      ? message.content.replace(PLACEHOLDER, (_all, name: string) => resolved.get(name) ?? "")
      : message.content,
  }));
  return { messages, missing };
}

// ---------------------------------------------------------------------------------------
// Editor input (the dashboard's forms and the tRPC router validate with the same schemas)
// ---------------------------------------------------------------------------------------

export const PromptMessageInputSchema = z.object({
  role: z.enum(["system", "user", "assistant"]),
  content: z.string().max(100_000),
});

export const PromptVariableInputSchema = z.object({
  name: z
    .string()
    .trim()
    .min(1)
    .max(64)
    .regex(VARIABLE_NAME, "letters, digits and underscores, not starting with a digit"),
  /** null = required */
  default: z.string().max(10_000).nullable(),
});

/**
 * Model parameters, in OpenAI chat naming (the proxy maps them for /v1/messages clients:
 * stop → stop_sequences, function tools → Anthropic tools; response_format, seed and the
 * penalties have no Anthropic equivalent and are not applied there).
 */
export const PromptParamsSchema = z
  .object({
    temperature: z.number().min(0).max(2).optional(),
    top_p: z.number().min(0).max(1).optional(),
    max_tokens: z.number().int().min(1).max(1_000_000).optional(),
    stop: z.array(z.string().min(1).max(200)).max(4).optional(),
    seed: z.number().int().optional(),
    presence_penalty: z.number().min(-2).max(2).optional(),
    frequency_penalty: z.number().min(-2).max(2).optional(),
    response_format: z.record(z.string(), z.unknown()).optional(),
    tools: z.array(z.record(z.string(), z.unknown())).max(128).optional(),
    tool_choice: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
  })
  .strict();
export type PromptParams = z.infer<typeof PromptParamsSchema>;

/** One new version as the editor sends it. */
export const PromptVersionInputSchema = z
  .object({
    messages: z.array(PromptMessageInputSchema).min(1).max(100),
    variables: z.array(PromptVariableInputSchema).max(100),
    /** a route alias; null = the client must name one (header form only) */
    model: z.string().trim().min(1).max(200).nullable(),
    params: PromptParamsSchema,
    commitMessage: z.string().trim().max(500).nullable(),
  })
  .superRefine((input, ctx) => {
    const declared = input.variables.map((v) => v.name);
    const seen = new Set<string>();
    input.variables.forEach((variable, i) => {
      if (seen.has(variable.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["variables", i, "name"],
          message: `'${variable.name}' is declared twice`,
        });
      }
      seen.add(variable.name);
    });
    const used = templatePlaceholders(input.messages);
    const undeclared = used.filter((name) => !seen.has(name));
    if (undeclared.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["variables"],
        message: `declare the variables used in the messages: ${undeclared.join(", ")}`,
      });
    }
    const unused = declared.filter((name) => !used.includes(name));
    if (unused.length > 0) {
      ctx.addIssue({
        code: "custom",
        path: ["variables"],
        message: `these variables are not used in any message: ${unused.join(", ")}`,
      });
    }
  });
export type PromptVersionInput = z.infer<typeof PromptVersionInputSchema>;
