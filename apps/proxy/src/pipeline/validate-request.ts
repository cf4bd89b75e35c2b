import { GatewayError } from "../errors";
import { checkRequestShape } from "../validate";
import type { FieldRule, RequestContext } from "./context";
import { promptRefOf } from "./resolve-prompt";

const NONE: readonly FieldRule[] = [];

/** Endpoints that can answer with an event stream; elsewhere `stream` is the provider's business. */
const STREAMING: ReadonlySet<string> = new Set([
  "chat.completions",
  "completions",
  "responses",
  "messages",
]);

const EXPECTED: Record<FieldRule["kind"], string> = {
  string: "a non-empty string",
  array: "an array",
  integer: "an integer",
  present: "present",
};

function matches(rule: FieldRule, value: unknown): boolean {
  switch (rule.kind) {
    case "string":
      return typeof value === "string" && value.length > 0;
    case "array":
      return Array.isArray(value);
    case "integer":
      return Number.isInteger(value);
    case "present":
      return value !== undefined && value !== null;
  }
}

/**
 * Checks the fields every call of this endpoint needs and the shape of what it carries —
 * nesting depth, messages, content parts, tools (validate/) — with a 400 naming the field, and
 * lifts the few fields the pipeline reads into the context. Values are the provider's to judge.
 */
export function validateRequest(ctx: RequestContext): void {
  const body = ctx.body!;
  // a prompt request gets its model, messages and max_tokens from the template (resolvePrompt)
  const promptRef = (ctx.promptRef = promptRefOf(ctx, body));
  const required = promptRef === null ? ctx.spec.required : NONE;
  for (const rule of required) {
    const value = body[rule.name];
    if (value === undefined || value === null) {
      throw new GatewayError(
        "invalid_request",
        `Missing required parameter: '${rule.name}'.`,
        rule.name,
      );
    }
    if (!matches(rule, value)) {
      throw new GatewayError(
        "invalid_request",
        `Invalid value for '${rule.name}': expected ${EXPECTED[rule.kind]}.`,
        rule.name,
      );
    }
  }
  const endpoint = ctx.spec.endpoint;
  if (endpoint !== null) {
    const issue = checkRequestShape(endpoint, body);
    if (issue !== null) throw new GatewayError("invalid_request", issue.message, issue.field);
  }
  ctx.model = typeof body.model === "string" ? body.model : "";
  ctx.stream = body.stream === true && STREAMING.has(ctx.spec.endpoint ?? "");
  if (ctx.stream && ctx.clientFormat === "openai") {
    const options = body.stream_options;
    ctx.clientWantsUsage =
      typeof options === "object" &&
      options !== null &&
      (options as { include_usage?: unknown }).include_usage === true;
  }
}
