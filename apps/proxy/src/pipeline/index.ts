import { authenticate } from "./authenticate";
import { authorizeModel } from "./authorize-model";
import { runAttempts } from "./attempts";
import type { Stage } from "./context";
import { enforceLimits } from "./enforce-limits";
import { guardRequest } from "./guard-request";
import { listModels } from "./list-models";
import { parseJson } from "./parse-json";
import { readBody } from "./read-body";
import { resolvePrompt } from "./resolve-prompt";
import { resolveRoute } from "./resolve-route";
import { validateRequest } from "./validate-request";

/**
 * The request pipeline, in order. Each stage is a small function over the RequestContext: it
 * throws a GatewayError to answer with an error, sets `ctx.done` when it answered itself, and
 * returns a promise only when it has to wait. The request stages run up to "ready to call";
 * the attempt loop then tries the route's candidate deployments (attempts.ts) and hands a
 * successful answer to the response chain (respond.ts → response/). New request policies are
 * new stages here: the guardrails after the prompt (guard-request.ts), the cache lookup before enforceLimits (a
 * hit costs nothing); retries and fallbacks are attempt policy; restoring and caching answers
 * are response transforms.
 */
export const MODEL_CALL_STAGES: readonly Stage[] = [
  readBody, //          413 (limit checked before and while reading)
  parseJson, //         400 malformed JSON
  validateRequest, //   400 naming the missing/invalid field
  authenticate, //      401 (unknown / revoked / expired / rotated-out key)
  resolvePrompt, //     "prompt:<slug>[@label|@n]": renders the version; 404 unknown, 400 missing variables
  guardRequest, //      guardrails: 400 guardrail_blocked; masks/redacts the body (off: one boolean check)
  authorizeModel, //    403 (key not allowed this model)
  resolveRoute, //      404 (unknown model) → the candidate deployments, in order
  enforceLimits, //     429 rate limit / budget, 503 limit store down (fail closed); reserves once
  runAttempts, //       per candidate: build body → call → classify; relay JSON or stream; 502/504
];

export const LIST_MODELS_STAGES: readonly Stage[] = [authenticate, listModels];

export { ClientGoneError } from "./read-body";
export {
  RequestContext,
  type ProxyServices,
  type ProxySettings,
  type EndpointSpec,
} from "./context";
