import type { WireFormat } from "@gatehouse/shared";
import { endpointIndex, type EndpointLabel } from "./metrics";
import { LIST_MODELS_STAGES, MODEL_CALL_STAGES, type EndpointSpec } from "./pipeline";
import type { FieldRule, Stage } from "./pipeline/context";
import { authenticate } from "./pipeline/authenticate";
import { getPrompt } from "./pipeline/get-prompt";

/** The proxy's API surface: each endpoint, its wire format, its required fields, its stages. */

const field = (name: string, kind: FieldRule["kind"]): FieldRule => ({ name, kind });

function spec(
  label: EndpointLabel,
  endpoint: EndpointSpec["endpoint"],
  clientFormat: WireFormat,
  stages: readonly Stage[],
  required: readonly FieldRule[],
): EndpointSpec {
  return { label, metricIndex: endpointIndex(label), endpoint, clientFormat, stages, required };
}

/** POST routes, by exact path. */
export const POST_ROUTES: ReadonlyMap<string, EndpointSpec> = new Map([
  [
    "/v1/chat/completions",
    spec("chat.completions", "chat.completions", "openai", MODEL_CALL_STAGES, [
      field("model", "string"),
      field("messages", "array"),
    ]),
  ],
  [
    "/v1/completions",
    spec("completions", "completions", "openai", MODEL_CALL_STAGES, [
      field("model", "string"),
      field("prompt", "present"),
    ]),
  ],
  [
    "/v1/embeddings",
    spec("embeddings", "embeddings", "openai", MODEL_CALL_STAGES, [
      field("model", "string"),
      field("input", "present"),
    ]),
  ],
  [
    "/v1/responses",
    spec("responses", "responses", "openai", MODEL_CALL_STAGES, [field("model", "string")]),
  ],
  [
    "/v1/messages",
    spec("messages", "messages", "anthropic", MODEL_CALL_STAGES, [
      field("model", "string"),
      field("messages", "array"),
      field("max_tokens", "integer"),
    ]),
  ],
  [
    "/v1/messages/count_tokens",
    spec("messages.count_tokens", "messages.count_tokens", "anthropic", MODEL_CALL_STAGES, [
      field("model", "string"),
      field("messages", "array"),
    ]),
  ],
]);

export const MODELS_OPENAI = spec("models", null, "openai", LIST_MODELS_STAGES, []);
export const MODELS_ANTHROPIC = spec("models", null, "anthropic", LIST_MODELS_STAGES, []);

/** GET /v1/prompts/{slug}: the resolved prompt version, for SDKs that render locally. */
export const PROMPTS_READ = spec("prompts", null, "openai", [authenticate, getPrompt], []);
